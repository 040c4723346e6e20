"""Answer queries: vector and keyword retrieval over passages, fused, grouped into documents.

A `Searcher` is opened once per process. It follows the live index symlink, so a rebuild that
swaps in a new index is picked up by the next query, without a restart and without failing the
queries already running on the old one.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from corpus.config import Settings
from corpus.documents import Document
from corpus.store import CorpusStore
from indexer.embed import Embedder
from indexer.manifest import PASSAGES, VECTORS, IndexLoadError, Manifest
from indexer.passages import KeywordQuery, PassageStore
from indexer.snippets import make_snippet
from indexer.vectors import FaissStore

log = logging.getLogger(__name__)

MODES = ("hybrid", "semantic", "keyword")
RRF_K = 60


@dataclass(frozen=True)
class Result:
    """One document answering a query, with the passage that matched best."""

    id: str
    url: str
    title: str
    date: str | None
    source: str
    score: float
    snippet: str
    passage: str
    tags: tuple[str, ...] = ()

    def to_json(self) -> dict:
        """The API's result shape."""
        return {
            "id": self.id, "url": self.url, "title": self.title, "date": self.date,
            "source": self.source, "score": round(self.score, 6), "snippet": self.snippet,
            "passage": self.passage, "tags": list(self.tags),
        }


@dataclass(frozen=True)
class SearchResponse:
    """Results of one query and how long it took."""

    query: str
    mode: str
    took_ms: float
    results: list[Result]


@dataclass
class _Loaded:
    path: Path
    manifest: Manifest
    vectors: FaissStore
    passages: PassageStore


@dataclass
class _DocHit:
    doc_id: str
    score: float
    passage_id: int


class Searcher:
    """The query side of the index: loads once, answers many, follows rebuilds."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self._local = threading.local()
        self._current()  # fail now, with a clear message, if there is no usable index
        self.corpus()  # ...or no corpus database to show results from

    @property
    def embedder(self) -> Embedder:
        """The query encoder, loaded on first use."""
        if self._embedder is None:
            self._embedder = Embedder(self.settings.model, self.settings.batch_size)
        return self._embedder

    @property
    def manifest(self) -> Manifest:
        """The manifest of the index being served."""
        return self._current().manifest

    def _current(self) -> _Loaded:
        """The live index, reloaded if the symlink now points at a newer build."""
        link = self.settings.index_path
        try:
            target = Path(os.path.realpath(link))
        except OSError as exc:
            raise IndexLoadError(f"cannot resolve the index at {link}: {exc}") from exc
        loaded = self._loaded
        if loaded is not None and loaded.path == target:
            return loaded
        with self._lock:
            if self._loaded is None or self._loaded.path != target:
                self._loaded = self._load(target)
                self._local = threading.local()  # passage connections belong to the old index
            return self._loaded

    def _load(self, folder: Path) -> _Loaded:
        manifest = Manifest.read(folder)
        manifest.check_model(self.settings.model)
        try:
            vectors = FaissStore.load(folder / VECTORS)
        except RuntimeError as exc:
            raise IndexLoadError(f"the vector file in {folder} is unreadable ({exc}); rebuild the index") from exc
        if len(vectors) != manifest.passages or vectors.dimension != manifest.dimension:
            raise IndexLoadError(f"the index at {folder} does not match its manifest; rebuild it")
        try:
            passages = PassageStore(folder / PASSAGES, readonly=True)
            passages.count()  # walks the table: a truncated or garbled file fails here, not mid-query
        except sqlite3.DatabaseError as exc:
            raise IndexLoadError(f"the passage file in {folder} is unreadable ({exc}); rebuild the index") from exc
        log.info("loaded index %s: %d passages of %d documents", folder.name, manifest.passages,
                 manifest.documents)
        return _Loaded(folder, manifest, vectors, passages)

    def _passages(self, loaded: _Loaded) -> PassageStore:
        """A passage-store connection for this thread (SQLite connections are not shared)."""
        store = getattr(self._local, "passages", None)
        if store is None or store.path != loaded.passages.path:
            store = PassageStore(loaded.passages.path, readonly=True)
            self._local.passages = store
        return store

    def corpus(self) -> CorpusStore:
        """A corpus-store connection for this thread."""
        store = getattr(self._local, "corpus", None)
        if store is None:
            store = CorpusStore(self.settings.db_path, create=False)
            self._local.corpus = store
        return store

    def search(self, query: str, k: int = 10, mode: str = "hybrid") -> SearchResponse:
        """Return the k best documents for `query`."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        started = time.perf_counter()
        loaded = self._current()
        passages = self._passages(loaded)
        keyword_query = KeywordQuery.parse(query)
        depth = max(100, k * 10)

        rankings: list[list[tuple[int, float]]] = []
        if mode in ("hybrid", "semantic"):
            scores, ids = loaded.vectors.search(self.embedder.encode_query(query), depth)
            rankings.append([(int(i), float(s)) for s, i in zip(scores, ids, strict=True) if i >= 0])
        if mode in ("hybrid", "keyword"):
            rankings.append(passages.keyword_search(keyword_query, depth))

        passage_rows = passages.get_many({pid for ranking in rankings for pid, _ in ranking})
        hits = _fuse([_group(r, passage_rows) for r in rankings]) if mode == "hybrid" else (
            _group(rankings[0], passage_rows))
        documents = self.corpus().get_many(h.doc_id for h in hits)
        if keyword_query.phrases:
            hits = [h for h in hits if h.doc_id in documents and _contains(documents[h.doc_id],
                                                                          keyword_query.phrases)]
        results = []
        for hit in hits[:k]:
            doc = documents.get(hit.doc_id)
            if doc is None:  # removed from the corpus since the index was built
                continue
            text = passage_rows[hit.passage_id].text
            results.append(Result(
                id=doc.id, url=doc.url, title=doc.title, date=doc.date, source=doc.source,
                score=hit.score, snippet=make_snippet(text, query), passage=text, tags=doc.tags,
            ))
        took = (time.perf_counter() - started) * 1000
        return SearchResponse(query, mode, round(took, 2), results)


def _group(ranking: Iterable[tuple[int, float]], rows: dict) -> list[_DocHit]:
    """Collapse a passage ranking into a document ranking: a document scores as its best passage."""
    best: dict[str, _DocHit] = {}
    for pid, score in ranking:
        passage = rows.get(pid)
        if passage is not None and passage.doc_id not in best:
            best[passage.doc_id] = _DocHit(passage.doc_id, score, pid)
    return list(best.values())


def _fuse(rankings: list[list[_DocHit]]) -> list[_DocHit]:
    """Reciprocal rank fusion of document rankings; the snippet comes from the best-ranked passage."""
    fused: dict[str, _DocHit] = {}
    best_rank: dict[str, int] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking):
            gain = 1.0 / (RRF_K + rank + 1)
            if hit.doc_id in fused:
                fused[hit.doc_id].score += gain
                if rank < best_rank[hit.doc_id]:
                    fused[hit.doc_id].passage_id, best_rank[hit.doc_id] = hit.passage_id, rank
            else:
                fused[hit.doc_id] = _DocHit(hit.doc_id, gain, hit.passage_id)
                best_rank[hit.doc_id] = rank
    return sorted(fused.values(), key=lambda h: -h.score)


def _contains(doc: Document, phrases: tuple[str, ...]) -> bool:
    """Whether every phrase occurs in the document, comparing words only (case and punctuation aside)."""
    words = " ".join(re.findall(r"\w+", f"{doc.title} {doc.body}".lower()))
    return all(f" {p.lower()} " in f" {words} " for p in phrases)
