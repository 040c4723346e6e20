"""One search as every view needs it, in one straight line.

rank the whole relevant set (filters applied inside) -> order it -> count its facets -> cut out
one page -> fetch that page's documents once -> describe them (snippets, meaning marks).

The page, the JSON API, the Atom feed and the exports all call `find` (or `find_all`), so they
agree on what "the results" of a request are: the same set, the same counts.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from corpus.cache import PageCache
from corpus.config import Settings
from corpus.documents import Document
from corpus.store import CorpusStore
from indexer.fields import FieldRow
from indexer.search import Match, Query, Ranking, Searcher
from search_app.params import SearchParams

LEAD_CHARS = 1000  # what "similar releases" searches by: about one passage, what the model reads well


@dataclass(frozen=True)
class Result:
    """A match as a reader sees it: the match, its document, and the passage that matched."""

    match: Match
    document: Document
    publisher: str  # the source's name as readers know it, or the source itself when none is recorded
    snippet: str = ""
    passage: str = ""

    def to_json(self) -> dict:
        """The API's result shape."""
        doc, match = self.document, self.match
        return {
            "rank": match.rank, "id": doc.id, "url": doc.url, "title": doc.title, "date": doc.date,
            "source": doc.source, "publisher": self.publisher, "lang": doc.lang, "score": round(match.score, 6),
            "snippet": self.snippet, "passage": self.passage,
            "countries": list(match.fields.countries), "tags": list(match.fields.tags),
            "themes": list(match.fields.themes), "symbols": list(match.fields.symbols),
            "other_versions": list(match.versions),
        }


@dataclass(frozen=True)
class ResultPage:
    """One page of a search, with counts over the whole relevant set."""

    params: SearchParams
    took_ms: float
    total: int
    relation: str  # "eq": total is exact; "gte": a lower bound
    results: list[Result]
    facets: dict[str, dict[str, int]]
    months: dict[str, int]
    publishers: dict[str, str]  # {source: publisher} for the sources in the facets

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, math.ceil(self.total / self.params.per_page))


def find(searcher: Searcher, corpus: CorpusStore, params: SearchParams) -> ResultPage:
    """Rank the relevant set, count its facets, order it and describe the requested page."""
    started = time.perf_counter()
    ranking = searcher.search(Query(params.q, params.mode, params.filters))
    start = (params.page - 1) * params.per_page
    matches = ranking.matches(ranking.order(params.sort)[start : start + params.per_page])
    results = _results(searcher, corpus, ranking, matches, describe=True)
    known = corpus.publishers()
    publishers = {source: known.get(source) or source for source in ranking.facets["source"]}
    took = round((time.perf_counter() - started) * 1000, 2)
    return ResultPage(params, took, ranking.total, ranking.relation, results, ranking.facets, ranking.months,
                      publishers)


def find_all(searcher: Searcher, corpus: CorpusStore, params: SearchParams,
             limit: int) -> tuple[Ranking, list[Result]]:
    """The first `limit` results of the whole set in the requested order (exports), with their matched
    passages but no snippets."""
    ranking = searcher.search(Query(params.q, params.mode, params.filters))
    matches = ranking.matches(ranking.order(params.sort)[:limit])
    return ranking, _results(searcher, corpus, ranking, matches, describe=False)


def similar_documents(searcher: Searcher, corpus: CorpusStore, document: Document, k: int) -> list[Result]:
    """The k documents closest in meaning to `document`, best first, never itself nor a copy of it."""
    # Quotation marks in the release are not the user's quoted phrases: left in, a quote such as
    # "sad day for media freedom" would restrict the results to documents repeating it.
    text = f"{document.title}\n{document.body[:LEAD_CHARS]}".replace('"', " ").strip()
    ranking = searcher.search(Query(text, "semantic"))
    # Two more than asked: the document itself, and a copy of it, are usually the best matches.
    results = _results(searcher, corpus, ranking, ranking.matches(range(min(k + 2, ranking.total))), describe=True)
    return [r for r in results if r.document.id != document.id and document.id not in r.match.versions
            and not (document.url and r.document.url == document.url)][:k]


def _results(searcher: Searcher, corpus: CorpusStore, ranking: Ranking, matches: list[Match],
             describe: bool) -> list[Result]:
    """Matches joined with their documents (fetched in one query) and, if asked, their snippets."""
    documents = corpus.get_many(m.doc_id for m in matches)
    present = [m for m in matches if m.doc_id in documents]  # removed from the corpus since the build
    publishers = corpus.publishers()

    def result(match: Match, snippet: str, passage: str) -> Result:
        doc = documents[match.doc_id]
        return Result(match, doc, publishers.get(doc.source) or doc.source, snippet, passage)

    if not describe:  # exports: the matched passage as plain text, no snippet to write
        texts = searcher.passages(ranking, present)
        return [result(m, "", t) for m, t in zip(present, texts, strict=True)]
    snippets = searcher.describe(ranking, present)
    return [result(m, s.html, s.passage) for m, s in zip(present, snippets, strict=True)]


def stored_fields(searcher: Searcher | None, document: Document) -> FieldRow:
    """A document's countries, labels and themes as the served index holds them; without an index, or
    for a document added since the build, those its text and labels give (no assigned themes)."""
    found = searcher.fields_of(document.id) if searcher is not None else None
    return found or FieldRow.of(document)


def publisher_of(corpus: CorpusStore, document: Document) -> str:
    """Who published a document, as readers know the name; the source's own name when none is recorded."""
    return corpus.publishers().get(document.source) or document.source


def imported_from(document: Document) -> str:
    """The file a document was imported from when it has no address of its own to cite, else ""."""
    return "" if document.url else str(document.metadata.get("file") or "")


def provenance(document: Document, settings: Settings) -> dict[str, str | bool | None]:
    """Where a document's text came from, when it was captured, and whether the source changed since.

    The crawler notes in the document's metadata when it saw the source change (`source_changed_at`),
    and its cache keeps noting changes after that (a newer sitemap date, a page gone). Imported files
    have no source page to watch, so for them "changed" stays unknown (None).
    """
    changed = [document.metadata.get("source_changed_at") or ""]
    crawled = "fetched_at" in document.metadata
    if crawled and document.url and settings.cache_path.exists():
        with PageCache(settings.cache_path, readonly=True) as cache:
            changed.append(cache.changed_since(document.url) or "")
    changed_at = max(changed) or None
    return {
        "url": document.url,
        "imported_from": imported_from(document),
        "captured_at": document.captured_at,
        "first_seen": document.metadata.get("first_seen"),
        "content_hash": document.metadata.get("content_hash") or document.content_hash,
        "source_changed_at": changed_at,
        "source_changed": bool(changed_at and changed_at > document.captured_at) if crawled else None,
    }
