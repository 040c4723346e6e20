"""The HTML pages: search with filters, facets, timeline and pages; documents; feed and exports.

Every control is a plain link or form, so the pages work without JavaScript.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for

from corpus.config import IMPORT_HINT
from corpus.countries import display_names
from corpus.symbols import find_symbols
from indexer.filters import Filters
from indexer.search import Ranking, Searcher
from search_app import display
from search_app.citations import FORMATS, Citation, cite
from search_app.display import Paragraph, body_paragraphs, mark_paragraphs
from search_app.export import export_row, to_csv
from search_app.feeds import MAX_ENTRIES, atom_feed
from search_app.hints import NamedCountry, known_values, named_countries, not_understood
from search_app.links import web_link
from search_app.params import BadParameter, SearchParams, parse_search
from search_app.results import (
    Result,
    ResultPage,
    find,
    find_all,
    provenance,
    publisher_of,
    similar_documents,
    stored_fields,
)
from search_app.service import SearchService, Unavailable
from search_app.timeline import Timeline, render

bp = Blueprint("pages", __name__)
bp.add_app_template_filter(web_link, "web_link")
display.register(bp)

EXAMPLES = (
    "travel bans on Chinese defenders",
    "reprisals against people who cooperate with the UN",
    "journalists detained in Kyrgyzstan",
    "trade unionists abducted",
)
FACET_VALUES = 12  # values shown per facet in the sidebar
SIMILAR = 5  # similar releases listed on a document page


def _service() -> SearchService:
    return current_app.extensions["search"]


def error_page(status: int, message: str) -> tuple[str, int]:
    """A friendly HTML error page with the right status."""
    return render_template("error.html", status=status, message=message), status


def search_url(params: SearchParams, endpoint: str = "pages.index", *, page: int | None = None,
               sort: str | None = None, filters: Filters | None = None) -> str:
    """The url of this search on `endpoint`, with some parameters changed (new filters start at page 1)."""
    if filters is not None and page is None:
        page = 1
    return url_for(endpoint) + "?" + urlencode(params.query_args(page=page, sort=sort, filters=filters))


def _parse(*, lenient: bool = False) -> SearchParams:
    return parse_search(request.args, current_app.config["MAX_QUERY_CHARS"], current_app.config["DEFAULT_K"],
                        lenient=lenient)


@bp.get("/")
def index() -> str | tuple[str, int]:
    """The search box; with `q`, the results under it, with filters, facets and a timeline.

    A filter value the page does not know is set aside and explained, with the closest known value;
    the results stay. Other bad parameters (an empty or huge query, a bad date) are errors.
    """
    if not (request.args.get("q") or "").strip():
        return _home()
    try:
        searcher = _service().searcher()
        coverage = searcher.coverage()
        params = known_values(_parse(lenient=True), coverage)
        found = find(searcher, _service().corpus(), params)
    except BadParameter as exc:
        return _home(error=str(exc), q=request.args.get("q", ""), status=400)
    except Unavailable as exc:
        return error_page(503, f"Search is unavailable right now: {exc}")
    named = named_countries(params, found.facets["country"], found.total)
    return render_template(
        "search.html", params=params, found=found, facets=_sidebar(params, found, named),
        chips=_chips(params, found.publishers), country_names=display_names(), clear=Filters(),
        timeline=_timeline(params, found),
        url=lambda **changes: search_url(params, **changes),
        not_understood=not_understood(params, coverage), named_countries=named,
        past_end=bool(found.total) and params.page > found.pages,
    )


def _home(error: str | None = None, q: str = "", status: int = 200) -> tuple[str, int]:
    """The search box with what the index covers and how to ask, or why there is nothing to search."""
    coverage, problem = None, None
    try:
        coverage = _coverage(_service().searcher().coverage(), _service().corpus().publishers())
    except Unavailable as exc:
        problem = str(exc)
    return render_template("search.html", params=None, found=None, examples=EXAMPLES, error=error, q=q,
                           coverage=coverage, problem=problem, import_hint=IMPORT_HINT), status


def _coverage(counts: dict[str, dict[str, int]], publishers: dict[str, str]) -> dict:
    """The home page's summary of the index: how many releases, from which publishers, over which years."""
    years = sorted(counts["year"])
    sources = [(publishers.get(source, source), n) for source, n in counts["source"].items()]
    return {"documents": sum(counts["source"].values()), "sources": sources,
            "first_year": years[0] if years else None, "last_year": years[-1] if years else None}


def _sidebar(params: SearchParams, found: ResultPage, named: list[NamedCountry]) -> list[dict]:
    """Each facet with its top values: a link that adds the value, or one that removes it.

    Countries the query names are listed even when they are not among the most frequent.
    """
    f = params.filters
    groups = []
    labels = {"source": lambda slug: found.publishers.get(slug, slug), "lang": display.language_name}
    for title, key, field in (("Country", "country", "countries"), ("Theme", "theme", "themes"),
                              ("Source", "source", "sources"), ("Language", "lang", "langs"),
                              ("UN body cited", "un_body", "un_bodies"),
                              ("UN document cited", "symbol", "symbols"), ("Source's tags", "tag", "tags")):
        selected: tuple[str, ...] = getattr(f, field)
        shown = dict(list(found.facets[key].items())[:FACET_VALUES])
        if key == "country":
            shown.update((c.name, c.count) for c in named if c.name not in shown)
        values = []
        for value, count in shown.items():
            others = tuple(s for s in selected if s.casefold() != value.casefold())
            on = len(others) < len(selected)
            chosen = others if on else (*selected, value)
            values.append({"value": value, "label": labels.get(key, str)(value), "count": count,
                           "selected": on, "href": search_url(params, filters=replace(f, **{field: chosen}))})
        groups.append({"title": title, "key": key, "values": values})
    years = []
    for year, count in found.facets["year"].items():
        on = f.date_from == f"{year}-01-01" and f.date_to == f"{year}-12-31"
        # Selecting a year keeps whatever part of it the current date range allows.
        start, end = max(f.date_from or "", f"{year}-01-01"), min(f.date_to or "9999", f"{year}-12-31")
        span = replace(f, date_from=None, date_to=None) if on else replace(f, date_from=start, date_to=end)
        href = search_url(params, filters=span)
        years.append({"value": year, "count": count, "selected": on, "href": href})
    groups.append({"title": "Year", "key": "year", "values": years})
    return groups


def _chips(params: SearchParams, publishers: dict[str, str]) -> list[dict]:
    """The filters in force, each with a link that removes it."""
    f = params.filters
    chips = []
    names = {"langs": display.language_name, "sources": lambda source: publishers.get(source, source)}
    for field in ("countries", "themes", "tags", "sources", "langs", "symbols", "un_bodies"):
        values: tuple[str, ...] = getattr(f, field)
        for value in values:
            kept = tuple(v for v in values if v != value)
            chips.append({"label": names.get(field, str)(value),
                          "href": search_url(params, filters=replace(f, **{field: kept}))})
    if f.date_from or f.date_to:
        chips.append({"label": f"{f.date_from or '…'} – {f.date_to or '…'}",
                      "href": search_url(params, filters=replace(f, date_from=None, date_to=None))})
    return chips


def _timeline(params: SearchParams, found: ResultPage) -> Timeline | None:
    """The month chart; each bar links to the same search narrowed to its month."""

    def month_link(month: str) -> str:
        last_day = calendar.monthrange(int(month[:4]), int(month[5:7]))[1]
        return search_url(params, filters=replace(params.filters, date_from=f"{month}-01",
                                                  date_to=f"{month}-{last_day:02d}"))

    return render(found.months, month_link)


@bp.get("/documents/<doc_id>")
def document(doc_id: str) -> str | tuple[str, int]:
    """One document: its text, with the passage that answers the search it was opened from marked,
    what it is about, where it came from, and similar releases."""
    try:
        params = _parse() if (request.args.get("q") or "").strip() else None
    except BadParameter:
        params = None  # a hand-edited link: show the document without the search
    try:
        corpus = _service().corpus()
        doc = corpus.get(doc_id)
        if doc is None:
            return error_page(404, "There is no document with that id.")
        searcher = _service().searcher()
        similar = similar_documents(searcher, corpus, doc, SIMILAR)
        paragraphs = _marked(searcher, params, body_paragraphs(doc.title, doc.body))
    except Unavailable as exc:
        return error_page(503, f"Search is unavailable right now: {exc}")
    back = search_url(params) if params else None
    return render_template("document.html", doc=doc, paragraphs=paragraphs,
                           facts=stored_fields(searcher, doc), params=params, back=back, provenance=provenance(doc, _service().settings),
                           similar=similar, publisher=publisher_of(corpus, doc),
                           symbols=find_symbols(f"{doc.title}\n{doc.body}"))


def _marked(searcher: Searcher, params: SearchParams | None, paragraphs: list[str]) -> list[Paragraph]:
    """The paragraphs with the search's words marked; if none occurs, the sentence closest in meaning."""
    if params is None:
        return mark_paragraphs(paragraphs, "")
    marked = mark_paragraphs(paragraphs, params.q)
    if any(p.matched for p in marked) or params.mode == "keyword":
        return marked
    vector = searcher.query_vector(params.q)
    return mark_paragraphs(paragraphs, params.q, vector, searcher.embedder.token_vectors().closest)


@bp.get("/documents/<doc_id>/similar")
def similar(doc_id: str) -> str | tuple[str, int]:
    """The releases closest in meaning to one document."""
    try:
        corpus = _service().corpus()
        doc = corpus.get(doc_id)
        if doc is None:
            return error_page(404, "There is no document with that id.")
        results = similar_documents(_service().searcher(), corpus, doc, current_app.config["DEFAULT_K"])
    except Unavailable as exc:
        return error_page(503, f"Search is unavailable right now: {exc}")
    return render_template("similar.html", doc=doc, results=results, publisher=publisher_of(corpus, doc))


@bp.get("/feed")
def feed() -> Response | tuple[str, int]:
    """An Atom feed of a search with its filters: the newest of the whole relevant set."""
    try:
        params = _parse()
        _, results = find_all(_service().searcher(), _service().corpus(), replace(params, sort="date"),
                              limit=MAX_ENTRIES)
    except BadParameter as exc:
        return error_page(400, str(exc))
    except Unavailable as exc:
        return error_page(503, f"Search is unavailable right now: {exc}")
    # Ids and links from the configured address, never from the request's Host header (which the
    # client chooses): a feed reader keeps the ids, and a forged host would poison them.
    host = (current_app.config["BASE_URL"] or request.host_url).rstrip("/")
    body = atom_feed(
        f"RightsSearch: {params.q}", host + search_url(params, "pages.feed", sort="relevance", page=1),
        host + search_url(params, sort="date", page=1), results,
        lambda doc_id: host + url_for("pages.document", doc_id=doc_id),
    )
    return Response(body, mimetype="application/atom+xml")


@bp.get("/export.csv")
def export_csv() -> Response | tuple[str, int]:
    """The results of a search (all pages, up to the EXPORT_LIMIT setting) as CSV, in the requested order."""
    try:
        ranking, results = find_all(_service().searcher(), _service().corpus(), _parse(),
                                    current_app.config["EXPORT_LIMIT"])
    except BadParameter as exc:
        return error_page(400, str(exc))
    except Unavailable as exc:
        return error_page(503, f"Search is unavailable right now: {exc}")
    headers = {"Content-Disposition": 'attachment; filename="rightssearch.csv"',
               "X-Total-Count": str(ranking.total), "X-Total-Relation": ranking.relation}
    return Response(to_csv(results, ranking.total), mimetype="text/csv", headers=headers)


def _errors_as_json(view: Callable[..., Response]) -> Callable[..., Response | tuple[Response, int]]:
    """Answer a bad parameter or a missing index as the API does (JSON), for downloads programs read."""

    @wraps(view)
    def answer(*args: object, **kwargs: object) -> Response | tuple[Response, int]:
        from search_app.api import error_response

        try:
            return view(*args, **kwargs)
        except BadParameter as exc:
            return error_response(400, str(exc))
        except Unavailable as exc:
            return error_response(503, f"search is unavailable: {exc}")

    return answer


def _export_set() -> tuple[SearchParams, Ranking, list[Result]]:
    """The request's search, all pages up to the EXPORT_LIMIT setting, in the requested order."""
    params = _parse()
    ranking, results = find_all(_service().searcher(), _service().corpus(), params,
                                current_app.config["EXPORT_LIMIT"])
    return params, ranking, results


@bp.get("/export.json")
@_errors_as_json
def export_json() -> Response:
    """The results of a search (all pages, up to the EXPORT_LIMIT setting) as JSON, in the requested order."""
    params, ranking, results = _export_set()
    f = params.filters
    filters = {"from": f.date_from, "to": f.date_to, "source": list(f.sources), "country": list(f.countries),
               "tag": list(f.tags), "lang": list(f.langs), "theme": list(f.themes), "symbol": list(f.symbols),
               "un_body": list(f.un_bodies)}
    body = {"query": params.q, "mode": params.mode, "sort": params.sort, "filters": filters,
            "total": ranking.total, "total_relation": ranking.relation, "exported": len(results),
            "truncated": len(results) < ranking.total, "results": [export_row(r) for r in results]}
    return Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="rightssearch.json"'})


@bp.get("/export.<any(bib, ris, 'csl.json'):suffix>")
@_errors_as_json
def export_citations(suffix: str) -> Response:
    """The results of a search (all pages, up to the EXPORT_LIMIT setting) as citations, in the requested
    order: BibTeX, RIS or CSL-JSON."""
    _, ranking, results = _export_set()
    response = _citation_file(cite((r.document, r.publisher) for r in results), "rightssearch", suffix)
    response.headers.update({"X-Total-Count": str(ranking.total), "X-Total-Relation": ranking.relation})
    return response


@bp.get("/documents/<doc_id>/cite.<any(bib, ris, 'csl.json'):suffix>")
def citation(doc_id: str, suffix: str) -> Response | tuple[str, int]:
    """One document as a citation: BibTeX, RIS or CSL-JSON."""
    try:
        corpus = _service().corpus()
        doc = corpus.get(doc_id)
        if doc is None:
            return error_page(404, "There is no document with that id.")
        citations = cite([(doc, publisher_of(corpus, doc))])
    except Unavailable as exc:
        return error_page(503, f"Search is unavailable right now: {exc}")
    return _citation_file(citations, citations[0].key, suffix)


def _citation_file(citations: list[Citation], name: str, suffix: str) -> Response:
    """Citations in the format of `suffix`, as a file to save (`name`.`suffix`)."""
    content_type, write = FORMATS[suffix]
    return Response(write(citations), content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{suffix}"'})
