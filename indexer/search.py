"""The query side of the index: rank a query's whole relevant set, then describe one page of it.

The seam between the index and the app is two calls: `Searcher.search(query)` returns the
`Ranking` of every relevant document (with counts, facets and orders over all of it), and
`Searcher.describe(ranking, matches)` writes snippets for the few matches a page shows. Another
engine could stand behind the same two calls. Documents themselves (titles, urls, text) are the
corpus's; the caller fetches them for the matches it shows.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from corpus.config import Settings
from indexer.backends import default_threads
from indexer.embed import Embedder
from indexer.fields import FieldRow
from indexer.live import LiveIndex, LoadedIndex
from indexer.manifest import Manifest
from indexer.relevant import MODES, Bounds, Query, QueryTooSlow, RankedSet, relevant_set
from indexer.rerank import Reranker
from indexer.snippets import Snippet, snippets_for
from indexer.vectors import use_threads

__all__ = ["MODES", "Match", "Query", "QueryTooSlow", "Ranking", "Searcher"]


@dataclass(frozen=True)
class Match:
    """One document of a result set: its place in the ranking, its score, best passage and fields."""

    rank: int  # 1-based position in the relevance ranking
    doc_id: str
    score: float
    passage_id: int
    fields: FieldRow
    versions: tuple[str, ...] = ()  # ids of the document's near-copies (indexer/duplicates.py), not listed


@dataclass(frozen=True)
class Ranking:
    """A query's relevant set over the whole corpus, with what every view of it needs."""

    query: Query
    index: LoadedIndex  # the build it was ranked in: passage ids mean nothing in another
    ranked: RankedSet
    vector: np.ndarray | None
    took_ms: float

    @property
    def total(self) -> int:
        """How many documents answer the query within its filters."""
        return len(self.ranked.docs)

    @property
    def relation(self) -> str:
        """"eq" when `total` is exact, "gte" when it is a lower bound (an approximate vector index)."""
        return "eq" if self.ranked.exact else "gte"

    def order(self, sort: str) -> np.ndarray:
        """Positions in the set (0-based relevance ranks), by relevance or by date, newest first."""
        if sort == "relevance":
            return np.arange(self.total)
        if sort == "date":
            return self.index.fields.newest_first(self.ranked.docs)
        raise ValueError(f"unknown sort {sort!r}")

    @cached_property
    def facets(self) -> dict[str, dict[str, int]]:
        """Counts per facet over the whole set, a story once per value any of its answering documents has."""
        return self.index.fields.facets(self.ranked.members)

    @cached_property
    def months(self) -> dict[str, int]:
        """The set's dated documents per month (yyyy-mm), in calendar order."""
        return self.index.fields.months(self.ranked.docs)

    def matches(self, positions: np.ndarray | list[int]) -> list[Match]:
        """The set's documents at these positions, as rows."""
        ranked, documents, fields = self.ranked, self.index.keywords.documents, self.index.fields
        return [Match(p + 1, documents[int(ranked.docs[p])], float(ranked.scores[p]), int(ranked.passages[p]),
                      fields.row(int(ranked.docs[p])),
                      tuple(documents[v] for v in fields.versions(int(ranked.docs[p])).tolist()))
                for p in np.asarray(positions, dtype=np.int64).tolist()]


class Searcher:
    """Ranks queries over the live index (following rebuilds) and describes their matches."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None,
                 model_threads: Executor | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._reranker: Reranker | None = None
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # query text -> vector, oldest first
        self._vectors_lock = threading.Lock()
        # Threads that compute query embeddings; a server whose own threads are not OS threads
        # (gevent's greenlets) passes native ones, or the model would wait for the rest.
        self._model_threads = model_threads or ThreadPoolExecutor(settings.threads or default_threads(),
                                                                  thread_name_prefix="query-embedding")
        if settings.threads:
            use_threads(settings.threads)
        self.live = LiveIndex(settings.index_path, settings.model)
        self.live.current()  # fail now, with a clear message, if there is no usable index
        self.bounds = Bounds(settings.semantic_threshold, settings.keyword_coverage, settings.semantic_weight,
                             settings.passage_bonus, settings.semantic_floor, settings.weight_shift,
                             settings.clear_gap)

    @property
    def embedder(self) -> Embedder:
        """The query encoder, loaded on first use."""
        if self._embedder is None:
            self._embedder = Embedder.from_settings(self.settings)
        return self._embedder

    @property
    def manifest(self) -> Manifest:
        """The manifest of the index being served."""
        return self.live.current().manifest

    @property
    def problem(self) -> str | None:
        """Why the newest build is not the one serving (it failed to load), or None."""
        return self.live.problem

    def coverage(self) -> dict[str, dict[str, int]]:
        """What the served index holds: counts per source, country, theme and year over all of it."""
        return self.live.current().coverage

    def fields_of(self, doc_id: str) -> FieldRow | None:
        """A document's stored fields (countries, themes...) in the served index, or None if not in it."""
        index = self.live.current()
        number = index.document_numbers().get(doc_id)
        return None if number is None else index.fields.row(number)

    def search(self, query: Query) -> Ranking:
        """Every document that answers `query` within its filters, ranked.

        Raises QueryTooSlow when ranking takes longer than the `query_budget_seconds` setting.
        """
        started = time.perf_counter()
        deadline = time.monotonic() + self.settings.query_budget_seconds
        index = self.live.current()  # one build for the whole query
        # In a large index the model runs on another thread while this one ranks the keyword half,
        # which does not need the vector (1M passages, a core per worker: find() p50 25.9 -> 22.2
        # ms). In a small one that half takes less than the hand-off, and a gevent worker waiting
        # for the model accepts more connections than its peer (8,374 passages, 8 clients: one of 2
        # workers did three quarters of the work, 125-133 answers/s instead of 138-168).
        beside = index.manifest.passages >= self.settings.embed_beside_from
        pending = self._vector_future(query.text, beside) if query.mode != "keyword" else None
        ranked = relevant_set(index, query, pending and pending.result, self.bounds, deadline)
        if self.settings.rerank_model:
            ranked = self._rerank(index, query.text, ranked)
        vector = self._remember(query.text, pending.result()) if pending else None
        return Ranking(query, index, ranked, vector, (time.perf_counter() - started) * 1000)

    def query_vector(self, text: str) -> np.ndarray:
        """The query's embedding (read-only), from the `query_cache` most recently used ones if there.

        A reader pages, filters, sorts and opens results of one question: each is a new request with
        the same text, and the model is half of what such a request costs.
        """
        return self._remember(text, self._vector_future(text).result())

    def _vector_future(self, text: str, beside: bool = False) -> Future[np.ndarray]:
        """The query's embedding: remembered, computed now, or (`beside`) being computed on the
        model's threads."""
        with self._vectors_lock:
            vector = self._vectors.get(text)
            if vector is not None:
                self._vectors.move_to_end(text)
        encode = self.embedder.encode_query  # loads the model on this thread, once
        if vector is None and beside:
            return self._model_threads.submit(encode, text)
        done: Future[np.ndarray] = Future()
        done.set_result(encode(text) if vector is None else vector)
        return done

    def _remember(self, text: str, vector: np.ndarray) -> np.ndarray:
        """Keep `vector` among the `query_cache` most recent; return it read-only."""
        vector.setflags(write=False)  # shared between requests: nobody may change it in place
        if self.settings.query_cache > 0:
            with self._vectors_lock:
                self._vectors[text] = vector
                while len(self._vectors) > self.settings.query_cache:
                    self._vectors.popitem(last=False)
        return vector

    def passages(self, ranking: Ranking, matches: list[Match]) -> list[str]:
        """The text of each match's best passage ("" if the build no longer has it)."""
        passages = ranking.index.passages().get_many(m.passage_id for m in matches)
        return [passages[m.passage_id].text if m.passage_id in passages else "" for m in matches]

    def describe(self, ranking: Ranking, matches: list[Match]) -> list[Snippet]:
        """The matched passage and its snippet for each match (one page of them, not the whole set)."""
        texts = self.passages(ranking, matches)
        closest = self.embedder.token_vectors().closest if ranking.vector is not None else None
        return snippets_for(texts, ranking.query.text, ranking.vector, closest)

    def rank(self, text: str, k: int = 10, mode: str = "hybrid") -> list[Match]:
        """The k best documents for `text` (evaluation and the command line)."""
        ranking = self.search(Query(text, mode))
        return ranking.matches(range(min(k, ranking.total)))

    def _rerank(self, index: LoadedIndex, text: str, ranked: RankedSet) -> RankedSet:
        """Rescore the head of the set by the cross-encoder on its best passages (title in front)."""
        if self._reranker is None:
            self._reranker = Reranker(self.settings.rerank_model)
        head = min(self.settings.rerank_depth, len(ranked.docs))
        if head == 0:
            return ranked
        rows = index.passages().get_many(ranked.passages[:head].tolist())
        scores = np.asarray(self._reranker.scores(text, [rows[int(p)].embed_text for p in ranked.passages[:head]]))
        order = np.concatenate([np.argsort(-scores, kind="stable"), np.arange(head, len(ranked.docs))])
        rescored = np.concatenate([scores, ranked.scores[head:]])
        return RankedSet(ranked.docs[order], rescored[order], ranked.passages[order], ranked.exact,
                         ranked.members)
