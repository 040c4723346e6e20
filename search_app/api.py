"""The JSON API. Every error has one shape: {"ok": false, "status": N, "error": "..."}."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from corpus.symbols import find_symbols
from indexer.search import QueryTooSlow
from search_app.params import BadParameter, parse_k, parse_search
from search_app.results import find, provenance, publisher_of, similar_documents, stored_fields
from search_app.service import SearchService, Unavailable

bp = Blueprint("api", __name__)


def error_response(status: int, message: str) -> tuple[Response, int]:
    """The one JSON error shape."""
    return jsonify(ok=False, status=status, error=message), status


def _service() -> SearchService:
    return current_app.extensions["search"]


@bp.get("/api/search")
def search() -> Response | tuple[Response, int]:
    """The documents answering `q` within the filters: one page of them, counts and facets over all."""
    try:
        params = parse_search(request.args, current_app.config["MAX_QUERY_CHARS"],
                              current_app.config["DEFAULT_K"])
        found = find(_service().searcher(), _service().corpus(), params)
    except BadParameter as exc:
        return error_response(400, str(exc))
    except Unavailable as exc:
        return error_response(503, f"search is unavailable: {exc}")
    return jsonify(
        query=params.q, mode=params.mode, took_ms=found.took_ms, total=found.total,
        total_relation=found.relation, page=params.page, per_page=params.per_page, pages=found.pages,
        sort=params.sort, results=[r.to_json() for r in found.results], facets=found.facets,
        publishers=found.publishers,
    )


@bp.get("/api/documents/<doc_id>")
def document(doc_id: str) -> Response | tuple[Response, int]:
    """One document with its full text, countries, themes and provenance."""
    try:
        doc = _service().corpus().get(doc_id)
    except Unavailable as exc:
        return error_response(503, f"search is unavailable: {exc}")
    if doc is None:
        return error_response(404, f"no document with id {doc_id!r}")
    meta = dict(doc.metadata)
    try:
        fields = stored_fields(_service().searcher(), doc)
    except Unavailable:  # the text is there to read even while no index is
        fields = stored_fields(None, doc)
    publisher = publisher_of(_service().corpus(), doc)
    return jsonify(
        id=doc.id, url=doc.url, source=doc.source, publisher=publisher, lang=doc.lang, title=doc.title,
        date=doc.date, tags=list(fields.tags), countries=list(fields.countries), themes=list(fields.themes),
        assigned_themes=list(fields.assigned_themes), body=doc.body,
        symbols=[{"symbol": s.symbol, "body": s.body, "url": s.url, "cited_as": s.cited_as}
                 for s in find_symbols(f"{doc.title}\n{doc.body}")],
        content_hash=meta.pop("content_hash", doc.content_hash), captured_at=doc.captured_at,
        first_seen=meta.pop("first_seen", None), provenance=provenance(doc, _service().settings),
        metadata=meta,
    )


@bp.get("/api/documents/<doc_id>/similar")
def similar(doc_id: str) -> Response | tuple[Response, int]:
    """The releases closest in meaning to one document."""
    try:
        k = parse_k(request.args, current_app.config["DEFAULT_K"])
        corpus = _service().corpus()
        doc = corpus.get(doc_id)
        if doc is None:
            return error_response(404, f"no document with id {doc_id!r}")
        found = similar_documents(_service().searcher(), corpus, doc, k)
    except BadParameter as exc:
        return error_response(400, str(exc))
    except Unavailable as exc:
        return error_response(503, f"search is unavailable: {exc}")
    return jsonify(id=doc.id, title=doc.title, results=[r.to_json() for r in found])


@bp.get("/healthz")
def healthz() -> Response | tuple[Response, int]:
    """Whether the index is loaded, and how big it is."""
    try:
        searcher = _service().searcher()
        manifest = searcher.manifest
        _service().corpus()  # results need the documents too
    except Unavailable as exc:
        return jsonify(ok=False, status=503, index_loaded=False, error=str(exc)), 503
    # Still answering from the loaded index when a newer build failed to load: healthy, but said.
    return jsonify(
        ok=True, index_loaded=True, documents=manifest.documents, passages=manifest.passages,
        model=manifest.model, built_at=manifest.built_at, index_problem=searcher.problem,
    )


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response | tuple[Response, int] | HTTPException:
    """API paths answer errors in JSON; pages get the HTML error page."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return error_response(exc.code or 500, exc.description or exc.name)
    from search_app.pages import error_page

    return error_page(exc.code or 500, exc.description or exc.name)


@bp.app_errorhandler(QueryTooSlow)
def query_too_slow(exc: QueryTooSlow) -> Response | tuple[Response, int] | tuple[str, int]:
    """A query stopped at its time budget: 503, in the API's shape or as the error page."""
    if request.path.startswith("/api/"):
        return error_response(503, str(exc))
    from search_app.pages import error_page

    return error_page(503, str(exc).capitalize() + ".")


@bp.app_errorhandler(Exception)
def unexpected_error(exc: Exception) -> Response | tuple[Response, int]:
    """Log the bug, and tell the user something went wrong without a stack trace."""
    current_app.logger.exception("unhandled error on %s", request.path)
    if request.path.startswith("/api/"):
        return error_response(500, "internal error; it has been logged")
    from search_app.pages import error_page

    return error_page(500, "Something went wrong on our side; it has been logged.")
