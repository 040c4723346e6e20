"""The HTML pages: the search box with its results, and one page per document."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from markupsafe import Markup

from search_app.params import BadParameter, parse_search
from search_app.service import SearchService, Unavailable

bp = Blueprint("pages", __name__)

EXAMPLES = (
    "travel bans on Chinese defenders",
    "reprisals against people who cooperate with the UN",
    "journalists detained in Kyrgyzstan",
    "trade unionists abducted",
)


def _service() -> SearchService:
    return current_app.extensions["search"]


def error_page(status: int, message: str) -> tuple[str, int]:
    """A friendly HTML error page with the right status."""
    return render_template("error.html", status=status, message=message), status


@bp.get("/")
def index() -> str | tuple[str, int]:
    """The search box; with `q`, the results under it."""
    if not (request.args.get("q") or "").strip():
        return render_template("search.html", params=None, response=None, examples=EXAMPLES)
    try:
        params = parse_search(request.args, current_app.config["MAX_QUERY_CHARS"],
                              current_app.config["DEFAULT_K"])
        response = _service().searcher().search(params.q, k=params.k, mode=params.mode)
    except BadParameter as exc:
        return render_template("search.html", params=None, response=None, examples=EXAMPLES,
                               error=str(exc), q=request.args.get("q", "")), 400
    except Unavailable as exc:
        return error_page(503, f"Search is unavailable right now: {exc}")
    return render_template("search.html", params=params, response=response,
                           snippets=[Markup(r.snippet) for r in response.results])


@bp.get("/documents/<doc_id>")
def document(doc_id: str) -> str | tuple[str, int]:
    """One document: its text and where it came from."""
    try:
        doc = _service().searcher().corpus().get(doc_id)
    except Unavailable as exc:
        return error_page(503, f"Search is unavailable right now: {exc}")
    if doc is None:
        return error_page(404, "There is no document with that id.")
    paragraphs = [p.strip() for p in doc.body.split("\n\n") if p.strip()]
    return render_template("document.html", doc=doc, paragraphs=paragraphs)
