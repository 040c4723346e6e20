"""The OpenAPI description of the JSON API, served at /api/openapi.json.

Paths come from the app's own routes, so a new endpoint is listed the moment it exists. Its query
parameters and its responses, for every status it can answer, are described here; every shape that is
fixed is closed (`additionalProperties: false`, every field required). The tests check each response
they receive against this document (tests/openapi_check.py), so a field added to or dropped from a
response without it fails them.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify

from indexer.search import MODES
from search_app.params import MAX_PAGE, MAX_PER_PAGE, MAX_VALUE_CHARS, MAX_VALUES, SORTS

bp = Blueprint("openapi", __name__)

JSON, HTML = "application/json", "text/html"
JSON_PAGES = ("/healthz", "/export.json")  # JSON outside /api/
STRING, INTEGER, NUMBER, BOOLEAN = ({"type": t} for t in ("string", "integer", "number", "boolean"))
MAYBE_STRING = {"type": ["string", "null"]}
STRINGS = {"type": "array", "items": STRING}
COUNTS = {"type": "object", "additionalProperties": INTEGER}
RELATION = {"type": "string", "enum": ["eq", "gte"],
            "description": "eq: total is exact; gte: a lower bound (approximate vector index)"}


def closed(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    """An object with exactly these properties, every one present (a null says "unknown")."""
    schema = {"type": "object", "required": list(properties), "properties": properties,
              "additionalProperties": False}
    return {**schema, "description": description} if description else schema


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS = {
    "Error": closed({"ok": {"const": False}, "status": {"type": "integer", "minimum": 400, "maximum": 599},
                     "error": {"type": "string", "minLength": 1}},
                    "the one error shape; status is the HTTP status"),
    "Result": closed({
        "rank": {"type": "integer", "minimum": 1, "description": "1-based position in the relevance ranking"},
        "id": STRING, "url": STRING, "title": STRING, "date": MAYBE_STRING, "source": STRING, "score": NUMBER,
        "publisher": STRING, "lang": {"type": "string", "description": "ISO 639-1 code; empty when unknown"},
        "snippet": {"type": "string", "description": "escaped text; only <mark> tags are markup"},
        "passage": STRING, "countries": STRINGS,
        "tags": {**STRINGS, "description": "labels the source gave"},
        "themes": {**STRINGS, "description": "themes of the vocabulary: the source's and assigned ones"},
        "other_versions": {**STRINGS, "description": "ids of near-copies of this document, not listed apart"},
        "symbols": {**STRINGS, "description": "UN documents the release cites, normalised"},
    }),
    "Search": closed({
        "query": STRING, "mode": {"type": "string", "enum": list(MODES)}, "took_ms": NUMBER,
        "total": {"type": "integer", "description": "documents answering the query within the filters"},
        "total_relation": RELATION, "page": INTEGER, "per_page": INTEGER, "pages": INTEGER,
        "sort": {"type": "string", "enum": list(SORTS)},
        "results": {"type": "array", "items": ref("Result")},
        "facets": closed({name: COUNTS for name in ("source", "lang", "country", "theme", "tag", "symbol", "un_body",
                                                    "year")},
                         "counts over the whole relevant set, most frequent first (years newest first)"),
        "publishers": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "the publisher's name of each source in the source facet"},
    }),
    "Provenance": closed({
        "url": STRING, "captured_at": STRING, "first_seen": MAYBE_STRING, "content_hash": STRING,
        "imported_from": {"type": "string", "description": "the imported file, for a document with no url"},
        "source_changed_at": MAYBE_STRING,
        "source_changed": {"type": ["boolean", "null"], "description": "null: unknown (an imported file)"},
    }),
    "Document": closed({
        "id": STRING, "url": STRING, "source": STRING, "publisher": STRING, "lang": STRING, "title": STRING,
        "date": MAYBE_STRING, "tags": STRINGS, "countries": STRINGS, "themes": STRINGS,
        "assigned_themes": {**STRINGS, "description": "the themes given from the text, not by the source"},
        "symbols": {"type": "array", "items": closed({"symbol": STRING, "body": STRING, "url": STRING,
                                                      "cited_as": STRING})},
        "body": STRING, "content_hash": STRING, "captured_at": STRING,
        "first_seen": MAYBE_STRING, "provenance": ref("Provenance"),
        "metadata": {"type": "object", "description": "what the source said besides; varies by source"},
    }),
    "Similar": closed({"id": STRING, "title": STRING, "results": {"type": "array", "items": ref("Result")}}),
    "Health": closed({
        "ok": {"const": True}, "index_loaded": {"const": True}, "documents": INTEGER, "passages": INTEGER,
        "model": STRING, "built_at": STRING,
        "index_problem": {"type": ["string", "null"],
                          "description": "why a newer build could not be loaded (still serving the older)"},
    }),
    "HealthDown": closed({"ok": {"const": False}, "status": {"const": 503}, "index_loaded": {"const": False},
                          "error": STRING}),
    "ExportRow": closed({
        "rank": {"type": "integer", "minimum": 1}, "id": STRING, "url": STRING, "title": STRING,
        "date": MAYBE_STRING, "source": STRING, "publisher": STRING, "lang": STRING, "countries": STRINGS,
        "tags": STRINGS, "score": NUMBER,
        "passage": {"type": "string", "description": "the best-matching passage, plain text"},
        "captured_at": STRING, "content_hash": STRING,
        "imported_from": {"type": "string", "description": "the imported file, for a document with no url"},
    }),
    "Export": closed({
        "query": STRING, "mode": {"type": "string", "enum": list(MODES)},
        "sort": {"type": "string", "enum": list(SORTS)},
        "filters": closed({"from": MAYBE_STRING, "to": MAYBE_STRING, "source": STRINGS, "country": STRINGS,
                           "tag": STRINGS, "lang": STRINGS, "theme": STRINGS, "symbol": STRINGS,
                           "un_body": STRINGS}),
        "total": INTEGER, "total_relation": RELATION, "exported": INTEGER, "truncated": BOOLEAN,
        "results": {"type": "array", "items": ref("ExportRow")},
    }),
    "OpenAPI": {"type": "object", "required": ["openapi", "info", "paths", "components"],
                "description": "this document"},
}
SUCCESS = {"api.search": "Search", "api.document": "Document", "api.similar": "Similar",
           "api.healthz": "Health", "pages.export_json": "Export", "openapi.spec": "OpenAPI"}

RETRY_AFTER = {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}}
ERRORS = {  # status: (component name, when)
    400: ("BadRequest", "a parameter is missing or out of range"),
    404: ("NotFound", "no such document, or no such path"),
    405: ("MethodNotAllowed", "the path does not answer this method"),
    413: ("TooLarge", "the request body is too large"),
    414: ("UriTooLong", "the query string is too long"),
    429: ("RateLimited", "too many requests from this address; see Retry-After"),
    500: ("InternalError", "a bug; it has been logged"),
    503: ("Unavailable",
          "no usable index, every search slot busy (see Retry-After), or the query ran out of time"),
}
EVERYWHERE = (413, 414, 429, 500, 503)  # refusals before routing, rate limits, busy slots, bugs
OWN_ERRORS = {"api.search": (400,), "api.document": (404,), "api.similar": (400, 404),
              "pages.export_json": (400,)}


def _error_response(status: int) -> dict[str, Any]:
    """The response to `status` in the error shape (Retry-After where the client should come back)."""
    response: dict[str, Any] = {"description": ERRORS[status][1], "content": {JSON: {"schema": ref("Error")}}}
    if status in (429, 503):
        response["headers"] = {"Retry-After": {**RETRY_AFTER, "required": status == 429}}
    return response


def _html(status: int, note: str) -> dict[str, Any]:
    """The response to `status` as an HTML page."""
    return {**_error_response(status), "content": {HTML: {"schema": STRING}}, "description":
            f"{ERRORS[status][1]}; {note}"}


# Where the app answers other than in the JSON error shape (its handlers send HTML off /api/).
EXCEPTIONS: dict[str, dict[str, dict[str, Any]]] = {
    "api.healthz": {
        "500": _html(500, "an HTML error page"),
        "503": {**_error_response(503),
                "description": "the index is not loaded, or every search slot is busy",
                "content": {JSON: {"schema": {"oneOf": [ref("HealthDown"), ref("Error")]}}}},
    },
    "pages.export_json": {
        **{str(s): _html(s, "an HTML error page") for s in (413, 414, 429, 500)},
        "503": {**_error_response(503),
                "description": f"{ERRORS[503][1]}; JSON when there is no usable index, "
                               "else an HTML error page",
                "content": {JSON: {"schema": ref("Error")}, HTML: {"schema": STRING}}},
    },
}


def _responses(endpoint: str) -> dict[str, Any]:
    """Every status `endpoint` answers, with its body."""
    success = ref(SUCCESS[endpoint]) if endpoint in SUCCESS else {"description": "not described yet"}
    responses = {"200": {"description": "success", "content": {JSON: {"schema": success}}}}
    for status in sorted((*OWN_ERRORS.get(endpoint, ()), *EVERYWHERE)):
        responses[str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    return {**responses, **EXCEPTIONS.get(endpoint, {})}


def _query_parameters(app: Flask) -> dict[str, list[dict[str, Any]]]:
    """The query parameters of each endpoint, by endpoint name."""
    def param(name: str, description: str, schema: dict[str, Any], example: Any,
              **extra: Any) -> dict[str, Any]:
        return {"name": name, "in": "query", "description": description, "schema": schema,
                "example": example, **extra}

    def repeatable(name: str, description: str, example: str) -> dict[str, Any]:
        return param(name, description, {"type": "array", "maxItems": MAX_VALUES,
                                         "items": {"type": "string", "maxLength": MAX_VALUE_CHARS}},
                     [example], style="form", explode=True)

    size = {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": app.config["DEFAULT_K"]}
    date = {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}
    what = [
        param("q", "what to look for, in plain words; quote a phrase to require it",
              {"type": "string", "minLength": 1, "maxLength": app.config["MAX_QUERY_CHARS"]},
              "journalists detained", required=True),
        param("mode", "retrieval mode", {"type": "string", "enum": list(MODES), "default": "hybrid"},
              "keyword"),
        param("sort", "order of results", {"type": "string", "enum": list(SORTS), "default": "relevance"},
              "date"),
        param("from", "earliest date: yyyy, yyyy-mm or yyyy-mm-dd", date, "2019"),
        param("to", "latest date: yyyy, yyyy-mm or yyyy-mm-dd", date, "2024-06-30"),
        repeatable("source", "only these sources", "hrdsattack"),
        repeatable("country", "only releases about these countries (names or ISO codes)", "Kyrgyzstan"),
        repeatable("tag", "only releases with these tags", "free speech"),
        repeatable("lang", "only releases in these languages (ISO 639-1 codes)", "fr"),
        repeatable("theme", "only releases about these themes (names or keys of the vocabulary)",
                   "Torture and ill-treatment"),
        repeatable("symbol", "only releases citing these UN documents", "A/HRC/RES/24/24"),
        repeatable("un_body", "only releases citing documents of these UN bodies", "Human Rights Council"),
    ]
    pages = [
        param("per_page", "results per page", size, 20),
        param("k", "the same as per_page (older clients)", size, 20, deprecated=True),
        param("page", "which page of results", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, 2),
    ]
    return {"api.search": what[:1] + pages + what[1:], "pages.export_json": what,
            "api.similar": [param("k", "how many releases", size, 5)]}


def _described(rule: str) -> bool:
    return rule.startswith("/api/") or rule in JSON_PAGES


def build_spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every JSON route of `app`."""
    query_parameters = _query_parameters(app)
    paths: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not _described(rule.rule):
            continue
        view = app.view_functions[rule.endpoint]
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        parameters = [{"name": name, "in": "path", "required": True, "schema": STRING}
                      for name in sorted(rule.arguments)]
        operation = {
            "operationId": rule.endpoint,
            "summary": (view.__doc__ or rule.endpoint).strip().splitlines()[0],
            "parameters": parameters + query_parameters.get(rule.endpoint, []),
            "responses": _responses(rule.endpoint),
        }
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        paths.setdefault(path, {}).update({method.lower(): operation for method in methods})
    return {
        "openapi": "3.1.0",
        "info": {"title": "RightsSearch API", "version": "1", "description": (
            'Every error is {"ok": false, "status": N, "error": "..."}, N being the HTTP status; a path '
            "under /api/ or a method not listed here answers 404 or 405 in that shape.")},
        "paths": paths,
        "components": {"schemas": SCHEMAS,
                       "responses": {name: _error_response(status) for status, (name, _) in ERRORS.items()}},
    }


@bp.get("/api/openapi.json")
def spec() -> Response:
    """The OpenAPI description of this API."""
    return jsonify(build_spec(current_app))
