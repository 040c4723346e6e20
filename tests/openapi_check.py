"""Every API response the tests receive, checked against the app's own /api/openapi.json.

conftest makes `OpenAPIClient` the test client of every app the tests create. Each answer to a path
the document lists, or to any path under /api/, must have a status the document lists for that
operation, a media type listed for that status, the headers it requires and a body its schema
accepts; a path or method the document does not list must answer in the error shape. A mismatch
fails the test that sent the request, naming the request, the status and the schema error.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

SPEC_URI = "urn:rightssearch:openapi"
JSON = "application/json"


class OpenAPIDocument:
    """An OpenAPI 3.1 document that judges responses."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._registry = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(spec))
        self._validators: dict[str, Draft202012Validator] = {}
        self._paths = [(re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))), template)
                       for template in spec["paths"]]

    def template(self, path: str) -> str | None:
        """The documented path template that `path` falls under, if any."""
        return next((template for pattern, template in self._paths if pattern.fullmatch(path)), None)

    def problems(self, method: str, path: str, status: int, mimetype: str, headers: Mapping[str, str],
                 body: bytes) -> list[str]:
        """What in this response the document does not allow (nothing: it matches)."""
        template = self.template(path)
        item = self.spec["paths"][template] if template else {}
        operation = item.get("get" if method == "HEAD" else method.lower())
        if operation is None:  # an undocumented path or method: only the error shape will do
            if not (path.startswith("/api/") or mimetype == JSON):
                return []
            if status < 400:
                return [f"{method} {template or path} is not in the document, yet it answered {status}"]
            return self._body_problems(("components", "schemas", "Error"), status, mimetype, body, method)
        responses = operation["responses"]
        if str(status) not in responses:
            return [f"status {status} is not documented for {method} {template} (documented: "
                    f"{', '.join(responses)})"]
        pointer = ("paths", template, method.lower() if method != "HEAD" else "get", "responses", str(status))
        response, pointer = self._follow(responses[str(status)], pointer)
        problems = [f"header {name} is required for status {status} but missing"
                    for name, header in response.get("headers", {}).items()
                    if header.get("required") and name not in headers]
        content = response.get("content", {})
        if mimetype not in content:
            return [*problems, f"media type {mimetype!r} is not documented for status {status} "
                               f"(documented: {', '.join(content) or 'no body'})"]
        if mimetype != JSON:
            return problems
        return problems + self._body_problems((*pointer, "content", JSON, "schema"), status, mimetype, body,
                                              method)

    def _follow(self, obj: dict[str, Any],
                pointer: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
        """A response object, following its $ref within the document."""
        while "$ref" in obj:
            pointer = tuple(p.replace("~1", "/").replace("~0", "~") for p in obj["$ref"].split("/")[1:])
            obj = self.spec
            for part in pointer:
                obj = obj[part]
        return obj, pointer

    def _body_problems(self, pointer: tuple[str, ...], status: int, mimetype: str, body: bytes,
                       method: str) -> list[str]:
        if mimetype != JSON:
            return [f"media type {mimetype!r} where the error shape ({JSON}) was due"]
        if method == "HEAD":
            return []
        try:
            value = json.loads(body)
        except ValueError as exc:
            return [f"the body is not JSON: {exc}"]
        problems = [f"{error.json_path}: {error.message}" for error in
                    sorted(self._validator(pointer).iter_errors(value), key=lambda e: list(e.absolute_path))]
        if isinstance(value, dict) and value.get("ok") is False and value.get("status") != status:
            problems.append(f"$.status: {value.get('status')!r} in the body, but the HTTP status is {status}")
        if problems:
            schema: dict[str, Any] = self.spec
            for part in pointer:
                schema = schema[part]
            problems = problems[:12] + [f"... and {len(problems) - 12} more"] * (len(problems) > 12)
            problems.append(f"(the schema: {schema.get('$ref') or '#' + _pointer(pointer)})")
        return problems

    def _validator(self, pointer: tuple[str, ...]) -> Draft202012Validator:
        fragment = quote(_pointer(pointer), safe="/~")
        if fragment not in self._validators:
            self._validators[fragment] = Draft202012Validator({"$ref": f"{SPEC_URI}#{fragment}"},
                                                              registry=self._registry)
        return self._validators[fragment]


def _pointer(parts: tuple[str, ...]) -> str:
    """A JSON pointer (RFC 6901) to `parts`."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


_DOCUMENTS: weakref.WeakKeyDictionary[Flask, OpenAPIDocument] = weakref.WeakKeyDictionary()


def document_of(app: Flask) -> OpenAPIDocument:
    """The document `app` serves at /api/openapi.json, from its view (no rate-limit token spent)."""
    if app not in _DOCUMENTS:
        with app.test_request_context("/api/openapi.json"):
            served = app.view_functions["openapi.spec"]()
        _DOCUMENTS[app] = OpenAPIDocument(served.get_json())
    return _DOCUMENTS[app]


def check(document: OpenAPIDocument, method: str, path: str, status: int, mimetype: str,
          headers: Mapping[str, str], body: bytes, shown: str | None = None) -> None:
    """Fail with every way this response differs from the document."""
    problems = document.problems(method, path, status, mimetype, headers, body)
    if problems:
        raise AssertionError(f"{method} {shown or path} answered {status}, which /api/openapi.json does not "
                             "allow:\n  " + "\n  ".join(problems))


class OpenAPIClient(FlaskClient):
    """A test client that checks every API response it receives against the app's OpenAPI document."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        request = response.request
        if request.method != "OPTIONS":  # werkzeug's automatic answer, the same for every route
            check(document_of(self.application), request.method, request.path, response.status_code,
                  response.mimetype or "", response.headers, response.get_data(),
                  shown=request.full_path.rstrip("?"))
        return response
