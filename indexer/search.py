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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.config import Settings
from corpus.documents import Document
from corpus.store import CorpusStore
from indexer.embed import Embedder
from indexer.fusion import DocHit, fuse, group, normalise
from indexer.keywords import KeywordIndex
from indexer.manifest import PASSAGES, VECTORS, IndexLoadError, Manifest
from indexer.passages import KeywordQuery, PassageStore
from indexer.rerank import Reranker
from indexer.snippets import make_snippet, query_stems, sentences, word_matches
from indexer.vectors import FaissStore

log = logging.getLogger(__name__)

MODES = ("hybrid", "semantic", "keyword")
# Passages fetched per side at most (evaluation's k=100 already reaches it).
MAX_DEPTH = 1000


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
    keywords: KeywordIndex


class Searcher:
    """The query side of the index: loads once, answers many, follows rebuilds."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._reranker: Reranker | None = None
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self._local = threading.local()
        self._current()  # fail now, with a clear message, if there is no usable index
        self.corpus()  # ...or no corpus database to show results from

    @property
    def embedder(self) -> Embedder:
        """The query encoder, loaded on first use."""
        if self._embedder is None:
            self._embedder = Embedder.from_settings(self.settings)
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
        try:
            keywords = KeywordIndex.load(folder)
        except (OSError, ValueError, KeyError) as exc:
            raise IndexLoadError(f"the keyword index in {folder} is unreadable ({exc}); rebuild it") from exc
        if (len(vectors) != manifest.passages or vectors.dimension != manifest.dimension
                or len(keywords) != manifest.passages):
            raise IndexLoadError(f"the index at {folder} does not match its manifest; rebuild it")
        try:
            passages = PassageStore(folder / PASSAGES, readonly=True)
            passages.count()  # walks the table: a truncated or garbled file fails here, not mid-query
        except sqlite3.DatabaseError as exc:
            raise IndexLoadError(f"the passage file in {folder} is unreadable ({exc}); rebuild the index") from exc
        log.info("loaded index %s: %d passages of %d documents", folder.name, manifest.passages,
                 manifest.documents)
        return _Loaded(folder, manifest, vectors, passages, keywords)

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

    def rank(self, query: str, k: int = 10, mode: str = "hybrid") -> list[DocHit]:
        """Return the k best documents for `query` as (document id, score, best passage) hits."""
        return self._rank(query, k, mode, self._current())[0]

    def _rank(self, query: str, k: int, mode: str,
              loaded: _Loaded) -> tuple[list[DocHit], np.ndarray | None]:
        """The ranking in `loaded`, and the query vector when one was computed (snippets reuse it)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        passages = self._passages(loaded)
        keyword_query = KeywordQuery.parse(query)
        # Passages, not documents, come back from each side: dig deep enough to fill k documents.
        # Capped: 1,000 passages hold a few hundred documents, and every step below is O(depth).
        depth = max(100, min(k * 10, MAX_DEPTH))

        semantic: list[tuple[int, float]] = []
        keyword: list[tuple[int, float]] = []
        vector = None
        if mode in ("hybrid", "semantic"):
            vector = self.embedder.encode_query(query)
            scores, ids = loaded.vectors.search(vector, depth)
            found = ids >= 0
            semantic = list(zip(ids[found].tolist(), scores[found].tolist(), strict=True))
        if keyword_query.phrases:
            # FTS5 finds every passage holding the phrases; they are few, so its scoring is cheap.
            keyword = passages.keyword_search(keyword_query, depth)
        elif mode in ("hybrid", "keyword"):
            keyword = loaded.keywords.search(keyword_query.words, depth)

        doc_of = loaded.keywords.doc_ids_of({pid for pid, _ in semantic + keyword})
        bonus = self.settings.passage_bonus
        sem_docs = group(normalise(semantic), doc_of, bonus)
        kw_docs = group(normalise(keyword), doc_of, bonus)
        if mode == "hybrid":
            hits = fuse(sem_docs, kw_docs, self.settings.semantic_weight)
        elif mode == "semantic":
            hits = sem_docs
            if keyword_query.phrases:  # phrase documents the vectors did not reach still count, last
                found = {h.doc_id for h in hits}
                hits += [DocHit(h.doc_id, 0.0, h.passage_id) for h in kw_docs if h.doc_id not in found]
        else:
            hits = kw_docs
        if keyword_query.phrases:
            hits = self._with_phrases(hits, keyword_query.phrases, passages, max(k, self.settings.rerank_depth))
        if self.settings.rerank_model:
            hits = self._rerank(query, hits[: max(k, self.settings.rerank_depth)], passages)
        return hits[:k], vector

    def _rerank(self, query: str, hits: list[DocHit], passages: PassageStore) -> list[DocHit]:
        """Rescore hits by the cross-encoder on their best passage (title in front), best first."""
        if self._reranker is None:
            self._reranker = Reranker(self.settings.rerank_model)
        rows = passages.get_many(h.passage_id for h in hits)
        scores = self._reranker.scores(query, [rows[h.passage_id].embed_text for h in hits])
        rescored = [DocHit(h.doc_id, score, h.passage_id) for h, score in zip(hits, scores, strict=True)]
        return sorted(rescored, key=lambda h: -h.score)

    def _with_phrases(self, hits: list[DocHit], phrases: tuple[str, ...], passages: PassageStore,
                      k: int) -> list[DocHit]:
        """Keep the hits whose document contains every phrase, checked on the full text."""
        # The keyword index narrows cheaply (stemmed tokens); the document text has the last word.
        allowed = set.intersection(*(passages.docs_with_phrase(p) for p in phrases))
        candidates = [h for h in hits if h.doc_id in allowed]
        kept: list[DocHit] = []
        for start in range(0, len(candidates), k):
            batch = candidates[start : start + k]
            documents = self.corpus().get_many(h.doc_id for h in batch)
            kept.extend(h for h in batch if h.doc_id in documents and _contains(documents[h.doc_id], phrases))
            if len(kept) >= k:
                break
        return kept

    def search(self, query: str, k: int = 10, mode: str = "hybrid",
               choose: Callable[[list[DocHit]], list[DocHit]] | None = None) -> SearchResponse:
        """Return the k best documents for `query`, with snippets.

        `choose`, if given, picks which of the k ranked hits to return: filters and pages over a
        deep ranking (search_app/results.py) use it, so snippets are made for one page only.
        """
        started = time.perf_counter()
        # One index for the whole query: passage ids mean nothing in a build swapped in meanwhile.
        loaded = self._current()
        hits, vector = self._rank(query, k, mode, loaded)
        if choose is not None:
            hits = choose(hits)
        passage_rows = self._passages(loaded).get_many(h.passage_id for h in hits)
        documents = self.corpus().get_many(h.doc_id for h in hits)
        hits = [h for h in hits if h.doc_id in documents]  # removed from the corpus since the build
        texts = [passage_rows[h.passage_id].text for h in hits]
        meanings = self._meaning_sentences(texts, query, vector)
        results = []
        for hit, text, meaning in zip(hits, texts, meanings, strict=True):
            doc = documents[hit.doc_id]
            results.append(Result(
                id=doc.id, url=doc.url, title=doc.title, date=doc.date, source=doc.source, score=hit.score,
                snippet=make_snippet(text, query, meaning=meaning), passage=text, tags=doc.tags,
            ))
        took = (time.perf_counter() - started) * 1000
        return SearchResponse(query, mode, round(took, 2), results)

    def _meaning_sentences(self, texts: list[str], query: str, vector: np.ndarray | None) -> list[int | None]:
        """For each passage in which no query word matches, the sentence closest in meaning to the query.

        Sentences are compared through the model's word-piece vectors (indexer.meaning), not embedded
        one by one: that cost 54 ms per passage, so only one result a query could have it.
        """
        if vector is None:
            return [None] * len(texts)
        stems = query_stems(query)
        found: list[int | None] = []
        for text in texts:
            parts = sentences(text)
            wordless = not any(word_matches(s, stems) for s in parts)
            found.append(self.embedder.token_vectors().closest(parts, vector) if wordless else None)
        return found


def _contains(doc: Document, phrases: tuple[str, ...]) -> bool:
    """Whether every phrase occurs in the document, comparing words only (case and punctuation aside)."""
    words = " ".join(re.findall(r"\w+", f"{doc.title} {doc.body}".lower()))
    return all(f" {p.lower()} " in f" {words} " for p in phrases)
