"""Schema-driven fuzzing of the JSON API: requests generated from /api/openapi.json, valid and hostile.

Whatever arrives, the API answers below 500, and every error is {"ok": false, "status": N, "error": "..."}.
The number of requests sent is printed (run with -s) and checked against a floor.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search_app import create_app

pytestmark = pytest.mark.slow

HOSTILE = st.sampled_from([
    "", " ", "0", "-1", "1e9", "NaN", "Infinity", "99999999999999999999", "0x10", "1.5", "true", "null",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "' OR 1=1 --", "\x00", "%00", "%",
    "../../etc/passwd", 'NEAR(a b)', '"unbalanced', "a AND OR NOT b", "*", "^", "title:x", "\u202e\u202d",
    "😀" * 300, "a" * 5000, "\ud7ff\ue000", "2024-02-30", "0000-00-00", "9999-12-31", "2024-13", "Narnia",
])
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
COUNTS: Counter[str] = Counter()


def valid_value(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """A value the schema allows, as it would appear in a query string."""
    if "enum" in schema:
        return st.sampled_from([str(v) for v in schema["enum"]])
    if schema.get("type") == "integer":
        return st.integers(schema.get("minimum", -(2**31)), schema.get("maximum", 2**31)).map(str)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    words = st.sampled_from(["torture", "abduction", "trade union", "Zimbabwe", "journalist", "detained",
                             '"human rights"', "défenseurs", "правозащитник", "UN"])
    return st.lists(words, min_size=1, max_size=4).map(" ".join)


def parameter_value(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Mostly valid values, often hostile ones; a list for repeatable parameters."""
    if schema.get("type") == "array":
        return st.lists(parameter_value(schema["items"]), max_size=schema.get("maxItems", 3) + 2)
    return st.one_of(valid_value(schema), valid_value(schema), HOSTILE, ANY_TEXT)


@st.composite
def api_request(draw: st.DrawFn, spec: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]]]:
    """(method, path, query pairs) for one operation of the spec, parameters drawn from their schemas."""
    # The JSON API proper; /export.json is described too, but its refusals are HTML pages.
    operations = sorted((p, i) for p, i in spec["paths"].items() if p != "/export.json")
    path, item = draw(st.sampled_from(operations))
    method = draw(st.sampled_from(sorted(item)))
    query: list[tuple[str, str]] = []
    for parameter in item[method]["parameters"]:
        if parameter["in"] == "path":
            value = draw(st.one_of(st.sampled_from(spec["x-known-ids"]), HOSTILE, ANY_TEXT))
            path = path.replace("{" + parameter["name"] + "}", quote(value, safe="") or "%20")
            continue
        if not parameter.get("required") and draw(st.integers(0, 2)) == 0:
            continue
        if parameter.get("required") and draw(st.integers(0, 9)) == 0:
            continue  # sometimes leave a required one out
        value = draw(parameter_value(parameter["schema"]))
        values = value if isinstance(value, list) else [value]
        query += [(parameter["name"], v) for v in values]
    if draw(st.integers(0, 4)) == 0:
        query.append((draw(st.sampled_from(["q", "k", "x", "page", "__proto__"])), draw(ANY_TEXT)))
    if draw(st.integers(0, 19)) == 0:
        method = draw(st.sampled_from(["post", "put", "delete", "patch"]))
    return method.upper(), path, query


@pytest.fixture(scope="module")
def fuzz_app(small_data: Path, embedder):
    """The app over the small index; no rate limit, since the fuzzer is one client sending thousands."""
    return create_app({"DATA_DIR": str(small_data), "EMBEDDER": embedder, "RATE_LIMIT_PER_MINUTE": 0})


@pytest.fixture(scope="module")
def spec(fuzz_app) -> dict[str, Any]:
    """The served OpenAPI description, plus a few real document ids to aim at."""
    client = fuzz_app.test_client()
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    ids = [r["id"] for r in client.get("/api/search?q=abduction&k=5").get_json()["results"]]
    return {**served.get_json(), "x-known-ids": ids}


def check(response, path: str) -> None:
    """No 5xx except a clear 503, errors in the one shape, security headers everywhere."""
    COUNTS[str(response.status_code)] += 1
    assert response.status_code < 500, (path, response.status_code, response.get_data(as_text=True)[:300])
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.is_json, (path, response.status_code)
    body = response.get_json()
    if response.status_code >= 400:
        assert body == {"ok": False, "status": response.status_code, "error": body["error"]}, body
        assert isinstance(body["error"], str) and body["error"] and "Traceback" not in body["error"]


def test_api_description_covers_every_json_route(fuzz_app, spec: dict[str, Any]) -> None:
    routes = {re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", r.rule) for r in fuzz_app.url_map.iter_rules()
              if r.rule.startswith("/api/") and r.rule != "/api/openapi.json"}
    assert routes <= set(spec["paths"])
    search = {p["name"]: p for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert search["q"]["required"] and search["q"]["schema"]["maxLength"] == 500


@settings(max_examples=1200, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_requests_never_fail_the_server(fuzz_app, spec: dict[str, Any],
                                                   data: st.DataObject) -> None:
    method, path, query = data.draw(api_request(spec))
    response = fuzz_app.test_client().open(path, method=method, query_string=query)
    check(response, path)
    if response.status_code == 200 and path == "/api/search":
        body = response.get_json()
        required = spec["components"]["schemas"]["Search"]["required"]
        assert set(required) <= set(body) and all(set(r) >= {"id", "title", "score"} for r in body["results"])


@settings(max_examples=2000, deadline=None, database=None, derandomize=True)
@given(raw=st.binary(max_size=300), prefix=st.sampled_from(["/api/search", "/api/documents/x", "/healthz",
                                                           "/api/nowhere"]))
def test_raw_query_strings_never_fail_the_server(fuzz_app, raw: bytes, prefix: str) -> None:
    # Bytes as they might arrive on the wire: broken percent-escapes, invalid UTF-8, odd separators.
    query = quote(raw, safe="=&%;+")
    check(fuzz_app.test_client().get(prefix, environ_overrides={"QUERY_STRING": query}), prefix)


def test_fuzzing_sent_thousands_of_requests() -> None:
    total = sum(COUNTS.values())
    if not total:
        pytest.skip("the fuzzing tests were not selected")
    print(f"\nfuzzing: {total} requests, by status: {dict(sorted(COUNTS.items()))}")
    assert total >= 3000
