"""The OpenAPI document at /api/openapi.json: valid, complete, and the judge of every API response.

Every test client checks each API response it receives against the document (tests/openapi_check.py,
installed by conftest). These tests show that the check is not vacuous, that the document lists every
JSON route and closes every fixed shape, and that its parameters are the ones the endpoints read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from search_app import api
from search_app.openapi import JSON_PAGES
from search_app.results import Result
from tests.openapi_check import JSON, OpenAPIDocument, check, document_of

pytestmark = pytest.mark.slow

KNOWN_ID = "873189810"  # a document of the shared corpora


def spec_of(client) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def test_the_document_is_valid_openapi_3_1(client) -> None:
    spec = spec_of(client)
    validate(spec)
    assert spec["openapi"].startswith("3.1.")


def test_every_json_route_of_the_app_is_described_and_nothing_else(app, client) -> None:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule in JSON_PAGES:
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    assert {path: set(item) for path, item in spec_of(client)["paths"].items()} == routes


def test_every_success_is_described_and_every_fixed_shape_closed(client) -> None:
    spec = spec_of(client)
    for path, method, operation in operations(spec):
        success = operation["responses"]["200"]["content"][JSON]["schema"]
        assert success.get("$ref", "").startswith("#/components/schemas/"), (method, path, success)

    def objects(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
        if isinstance(schema, dict):
            if "properties" in schema:
                yield where, schema
            for key, value in schema.items():
                yield from objects(value, f"{where}/{key}")
        elif isinstance(schema, list):
            for i, value in enumerate(schema):
                yield from objects(value, f"{where}/{i}")

    found = list(objects(spec["components"]["schemas"], "#/components/schemas"))
    assert len(found) >= 10
    for where, schema in found:
        assert schema.get("additionalProperties") is False, where
        assert set(schema["required"]) == set(schema["properties"]), where


def drop(*keys: str) -> Callable[[dict], None]:
    def mutate(body: dict) -> None:
        target = body
        for key in keys[:-1]:
            target = target[key] if isinstance(target, dict) else target[int(key)]
        del target[keys[-1]]
    return mutate


@pytest.mark.parametrize(("mutate", "needle"), [
    (lambda b: b.update(extra=1), "'extra' was unexpected"),
    (lambda b: b["results"][0].update(language="en"), "$.results[0]: Additional properties"),
    (lambda b: b["facets"].update(month={}), "$.facets: Additional properties"),
    (lambda b: b.update(total="12"), "$.total: '12' is not of type 'integer'"),
    (lambda b: b.update(total_relation="about"), "$.total_relation: 'about' is not one of"),
    (lambda b: b["facets"]["source"].update(hrw="3"), "$.facets.source.hrw: '3' is not of type 'integer'"),
    *((drop(key), f"'{key}' is a required property") for key in ("total", "page", "pages", "facets")),
    *((drop("results", "0", key), f"$.results[0]: '{key}' is a required property")
      for key in ("rank", "countries")),
])
def test_the_check_rejects_a_search_response_that_drifted(app, client, mutate, needle: str) -> None:
    response = client.get("/api/search", query_string={"q": "journalists detained", "k": 3})
    body = response.get_json()
    document = document_of(app)
    assert document.problems("GET", "/api/search", 200, JSON, response.headers, response.get_data()) == []
    mutate(body)
    problems = document.problems("GET", "/api/search", 200, JSON, response.headers, json.dumps(body).encode())
    assert any(needle in problem for problem in problems), problems


def error(status: int, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "status": status, "error": "x", **extra}


@pytest.mark.parametrize(("method", "path", "status", "mimetype", "body", "needle"), [
    ("GET", "/api/search", 418, JSON, error(418), "status 418 is not documented"),
    ("GET", "/api/search", 400, "text/html", "<p>bad</p>", "media type 'text/html' is not documented"),
    ("GET", "/api/search", 400, JSON, error(400, hint="y"), "'hint' was unexpected"),
    ("GET", "/api/search", 400, JSON, error(404), "the HTTP status is 400"),
    ("GET", "/api/search", 429, JSON, error(429), "header Retry-After is required"),
    ("GET", "/api/brand-new", 200, JSON, {"answer": 42}, "is not in the document, yet it answered 200"),
    ("DELETE", "/api/search", 405, JSON, {"ok": False, "status": 405}, "'error' is a required property"),
    ("GET", "/healthz", 503, JSON, error(503, index_loaded=True), "$:"),
    ("GET", "/export.json", 200, JSON, {"query": "x"}, "'results' is a required property"),
])
def test_the_check_rejects_undocumented_statuses_media_types_and_shapes(
        app, method: str, path: str, status: int, mimetype: str, body: Any, needle: str) -> None:
    raw = (body if isinstance(body, str) else json.dumps(body)).encode()
    problems = document_of(app).problems(method, path, status, mimetype, {}, raw)
    assert any(needle in problem for problem in problems), problems


def test_a_field_added_to_results_without_the_document_fails_the_request(client, monkeypatch) -> None:
    to_json = Result.to_json
    monkeypatch.setattr(Result, "to_json", lambda self: {**to_json(self), "language": "en"})
    with pytest.raises(AssertionError, match=r"(?s)GET /api/search\?q=torture answered 200.*"
                                             r"\$\.results\[0\]: Additional properties.*'language'"):
        client.get("/api/search?q=torture")


def test_a_field_dropped_from_results_fails_the_request(client, monkeypatch) -> None:
    to_json = Result.to_json
    monkeypatch.setattr(Result, "to_json",
                        lambda self: {k: v for k, v in to_json(self).items() if k != "rank"})
    with pytest.raises(AssertionError, match=r"(?s)GET /api/documents/873189810/similar answered 200.*"
                                             r"\$\.results\[0\]: 'rank' is a required property"):
        client.get(f"/api/documents/{KNOWN_ID}/similar")


def test_a_changed_error_shape_fails_the_request(client, monkeypatch) -> None:
    monkeypatch.setattr(api, "error_response", lambda status, message: (
        api.jsonify(ok=False, status=status, message=message), status))
    with pytest.raises(AssertionError,
                       match=r"(?s)GET /api/documents/nope answered 404.*'error' is a required"):
        client.get("/api/documents/nope")


def query_pairs(parameters: list[dict[str, Any]], **values: Any) -> list[tuple[str, str]]:
    """Each required parameter's example, then `values` (a list for a repeatable parameter)."""
    required = (p for p in parameters if p["in"] == "query" and p.get("required"))
    chosen = {p["name"]: p["example"] for p in required} | values
    return [(name, str(v)) for name, value in chosen.items()
            for v in (value if isinstance(value, list) else [value])]


def test_every_documented_query_parameter_is_accepted(client) -> None:
    for path, method, operation in operations(spec_of(client)):
        url = path.replace("{doc_id}", KNOWN_ID)
        for parameter in (p for p in operation["parameters"] if p["in"] == "query"):
            assert not list(Draft202012Validator(parameter["schema"]).iter_errors(parameter["example"]))
            response = client.open(url, method=method,
                                   query_string=query_pairs(operation["parameters"],
                                                            **{parameter["name"]: parameter["example"]}))
            assert response.status_code == 200, (method, path, parameter["name"], response.get_json())


def violations(schema: dict[str, Any]) -> list[Any]:
    """Values of a query parameter that its schema forbids."""
    if schema.get("type") == "array":
        return [["x"] * (schema["maxItems"] + 1), *([v] for v in violations(schema["items"]))]
    values: list[Any] = ["nonsense"] if "enum" in schema or "pattern" in schema else []
    if schema.get("type") == "integer":
        values += ["ten", schema["minimum"] - 1, schema["maximum"] + 1]
    if schema.get("minLength"):
        values.append("")
    if "maxLength" in schema:
        values.append("x" * (schema["maxLength"] + 1))
    return values


def test_every_documented_constraint_is_what_the_endpoint_enforces(client) -> None:
    checked = 0
    for path, method, operation in operations(spec_of(client)):
        url = path.replace("{doc_id}", KNOWN_ID)
        for parameter in (p for p in operation["parameters"] if p["in"] == "query"):
            schema = parameter["schema"]
            for value in violations(schema):
                assert list(Draft202012Validator(schema).iter_errors(value)), (parameter["name"], value)
                pairs = query_pairs(operation["parameters"], **{parameter["name"]: value})
                response = client.open(url, method=method, query_string=pairs)
                assert response.status_code == 400, (method, path, parameter["name"], value)
                assert f"'{parameter['name']}'" in response.get_json()["error"]
                checked += 1
    assert checked >= 30


def test_the_live_server_answers_as_documented(live_server: str) -> None:
    # gunicorn and the wire, not the in-process client: the same document holds.
    document = OpenAPIDocument(httpx.get(f"{live_server}/api/openapi.json").json())
    for method, target in [
        ("GET", "/api/search?q=torture+in+detention&k=3"), ("GET", "/api/search?q=torture&country=KG"),
        ("GET", "/api/search?k=0"), ("POST", "/api/search?q=x"), ("GET", f"/api/documents/{KNOWN_ID}"),
        ("GET", f"/api/documents/{KNOWN_ID}/similar?k=2"), ("GET", "/api/documents/nope"),
        ("GET", "/api/nowhere"),
        ("GET", "/healthz"), ("HEAD", "/healthz"), ("GET", "/export.json?q=torture&sort=date"),
        ("GET", "/export.json?q=torture&from=nope"), ("GET", "/api/openapi.json"),
    ]:
        response = httpx.request(method, live_server + target, timeout=60)
        mimetype = response.headers.get("content-type", "").split(";")[0].strip()
        check(document, method, urlsplit(target).path, response.status_code, mimetype, response.headers,
              response.content, shown=target)
