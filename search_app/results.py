"""One search as every view needs it: the filtered result set, its facets, timeline and one page.

The page, the JSON API, the Atom feed and the exports all call `find`, so they agree on what
"the results" of a request are.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from corpus.cache import PageCache
from corpus.config import Settings
from corpus.documents import Document
from indexer.filters import Hit, by_month, facets, facts_of, narrow, order
from indexer.fusion import DocHit
from indexer.search import Result, Searcher
from search_app.params import SearchParams

# How many documents of the ranking form the result set that filters, facets and pages draw from.
RESULT_POOL = 200


@dataclass(frozen=True)
class ResultPage:
    """A search narrowed by its filters: counts over all of it, and the hits of one page."""

    params: SearchParams
    took_ms: float
    total: int
    hits: list[Hit]  # this page
    results: list[Result]  # this page's hits with their snippets, in the same order
    matching: list[Hit]  # the whole filtered result set, in the requested order
    facets: dict[str, dict[str, int]]
    months: dict[str, int]

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, math.ceil(self.total / self.params.per_page))


def find(searcher: Searcher, params: SearchParams, pool: int = RESULT_POOL) -> ResultPage:
    """Run the search, narrow it by the filters, count facets, order it and cut out the page."""
    started = time.perf_counter()
    matching: list[Hit] = []
    start = (params.page - 1) * params.per_page

    def choose(ranked: list[DocHit]) -> list[DocHit]:
        # Called by the Searcher with its whole ranking; snippets are then made for this page only.
        documents = searcher.corpus().get_many(h.doc_id for h in ranked)
        present = [h for h in ranked if h.doc_id in documents]
        hits = [Hit(rank, h.score, documents[h.doc_id], facts_of(documents[h.doc_id]))
                for rank, h in enumerate(present, start=1)]
        matching.extend(order(narrow(hits, params.filters), params.sort))
        by_id = {h.doc_id: h for h in present}
        return [by_id[h.document.id] for h in matching[start : start + params.per_page]]

    response = searcher.search(params.q, k=pool, mode=params.mode, choose=choose)
    described = {r.id: r for r in response.results}
    page = [h for h in matching[start : start + params.per_page] if h.document.id in described]
    took = round((time.perf_counter() - started) * 1000, 2)
    return ResultPage(params, took, len(matching), page, [described[h.document.id] for h in page], matching,
                      facets(matching), by_month(matching))


def hit_json(hit: Hit, result: Result) -> dict:
    """A result in the API: the search result's fields plus rank, countries and tags."""
    body = result.to_json()
    body.update(rank=hit.rank, countries=list(hit.facts.countries), tags=list(hit.facts.tags))
    return body


def provenance(document: Document, settings: Settings) -> dict[str, str | bool | None]:
    """Where a document's text came from, when it was captured, and whether the source changed since.

    The crawler notes in the document's metadata when it saw the source change (`source_changed_at`),
    and its cache keeps noting changes after that (a newer sitemap date, a page gone). Imported files
    have no source page to watch, so for them "changed" stays unknown (None).
    """
    changed = [document.metadata.get("source_changed_at") or ""]
    crawled = "fetched_at" in document.metadata
    if crawled and document.url and settings.cache_path.exists():
        with PageCache(settings.cache_path) as cache:
            changed.append(cache.changed_since(document.url) or "")
    changed_at = max(changed) or None
    return {
        "url": document.url,
        "captured_at": document.captured_at,
        "first_seen": document.metadata.get("first_seen"),
        "content_hash": document.metadata.get("content_hash") or document.content_hash,
        "source_changed_at": changed_at,
        "source_changed": bool(changed_at and changed_at > document.captured_at) if crawled else None,
    }
