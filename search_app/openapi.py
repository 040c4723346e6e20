"""The OpenAPI description of the JSON API, served at /api/openapi.json.

Paths come from the app's own routes, so a new endpoint is described (at least by its path
parameters) the moment it exists; the query parameters of each endpoint are listed here.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify

from indexer.search import MODES
from search_app.params import MAX_PAGE, MAX_PER_PAGE, MAX_VALUE_CHARS, MAX_VALUES, SORTS

bp = Blueprint("openapi", __name__)

ERROR = {
    "type": "object",
    "required": ["ok", "status", "error"],
    "properties": {"ok": {"const": False}, "status": {"type": "integer"}, "error": {"type": "string"}},
}
STRINGS = {"type": "array", "items": {"type": "string"}}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
RESULT = {
    "type": "object",
    "required": ["rank", "id", "url", "title", "date", "source", "score", "snippet", "passage", "countries", "tags"],
    "properties": {
        "rank": {"type": "integer", "description": "1-based position in the relevance ranking"},
        "id": {"type": "string"}, "url": {"type": "string"}, "title": {"type": "string"},
        "date": {"type": ["string", "null"]}, "source": {"type": "string"}, "score": {"type": "number"},
        "snippet": {"type": "string", "description": "escaped text; only <mark> tags are markup"},
        "passage": {"type": "string"}, "countries": STRINGS, "tags": STRINGS,
    },
}
SEARCH = {
    "type": "object",
    "required": ["query", "mode", "took_ms", "total", "total_relation", "page", "per_page", "pages", "sort",
                 "results", "facets"],
    "properties": {
        "query": {"type": "string"}, "mode": {"type": "string"}, "took_ms": {"type": "number"},
        "total": {"type": "integer", "description": "documents answering the query within the filters"},
        "total_relation": {"type": "string", "enum": ["eq", "gte"],
                           "description": "eq: total is exact; gte: a lower bound (approximate vector index)"},
        "page": {"type": "integer"}, "per_page": {"type": "integer"}, "pages": {"type": "integer"},
        "sort": {"type": "string"},
        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
        "facets": {"type": "object", "description": "counts over the whole relevant set",
                   "properties": {name: COUNTS for name in ("source", "country", "tag", "year")}},
    },
}


def _query_parameters(app: Flask) -> dict[str, list[dict[str, Any]]]:
    """The query parameters of each endpoint, by endpoint name."""
    def param(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"name": name, "in": "query", "description": description, "schema": schema, **extra}

    def repeatable(name: str, description: str) -> dict[str, Any]:
        return param(name, description, {"type": "array", "maxItems": MAX_VALUES,
                                         "items": {"type": "string", "maxLength": MAX_VALUE_CHARS}},
                     style="form", explode=True)

    size = {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": app.config["DEFAULT_K"]}
    date = {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}
    search = [
        param("q", "what to look for, in plain words; quote a phrase to require it",
              {"type": "string", "minLength": 1, "maxLength": app.config["MAX_QUERY_CHARS"]}, required=True),
        param("per_page", "results per page", size),
        param("k", "the same as per_page (older clients)", size),
        param("page", "which page of results", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
        param("mode", "retrieval mode", {"type": "string", "enum": list(MODES), "default": "hybrid"}),
        param("sort", "order of results", {"type": "string", "enum": list(SORTS), "default": "relevance"}),
        param("from", "earliest date: yyyy, yyyy-mm or yyyy-mm-dd", date),
        param("to", "latest date: yyyy, yyyy-mm or yyyy-mm-dd", date),
        repeatable("source", "only these sources"),
        repeatable("country", "only releases about these countries (names or ISO codes)"),
        repeatable("tag", "only releases with these tags"),
    ]
    return {"api.search": search, "api.similar": [param("k", "how many releases", size)]}


def _success_schema(endpoint: str) -> dict[str, Any]:
    if endpoint == "api.search":
        return {"$ref": "#/components/schemas/Search"}
    return {"type": "object"}


def build_spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every JSON route of `app`."""
    query_parameters = _query_parameters(app)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    errors = {str(status): {"description": reason, "content": error}
              for status, reason in ((400, "a parameter is missing or out of range"), (404, "not found"),
                                     (429, "rate limited; see Retry-After"),
                                     (503, "no usable index, or busy; see Retry-After"))}
    paths: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not (rule.rule.startswith("/api/") or rule.rule == "/healthz") or rule.endpoint == "openapi.spec":
            continue
        view = app.view_functions[rule.endpoint]
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                      for name in rule.arguments]
        operation = {
            "operationId": rule.endpoint,
            "summary": (view.__doc__ or rule.endpoint).strip().splitlines()[0],
            "parameters": parameters + query_parameters.get(rule.endpoint, []),
            "responses": {"200": {"description": "success", "content": {
                "application/json": {"schema": _success_schema(rule.endpoint)}}}, **errors},
        }
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        paths.setdefault(path, {}).update({method.lower(): operation for method in methods})
    return {
        "openapi": "3.1.0",
        "info": {"title": "RightsSearch API", "version": "1",
                 "description": 'Every error is {"ok": false, "status": N, "error": "..."}.'},
        "paths": paths,
        "components": {"schemas": {"Error": ERROR, "Result": RESULT, "Search": SEARCH}},
    }


@bp.get("/api/openapi.json")
def spec() -> Response:
    """The OpenAPI description of this API."""
    return jsonify(build_spec(current_app))
