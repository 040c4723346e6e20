"""Vector stores: FAISS for serving, exact NumPy search as the oracle it is tested against.

The FAISS index type follows the size of the collection. Up to `FLAT_LIMIT` passages an exact
flat index answers within a few milliseconds. Above it, an inverted-file index with half-precision
codes (IVF-fp16: half the memory, a few percent of the vectors scanned per query) is trained on
the vectors themselves, and its `nprobe` raised until recall@10 against exact search on probe
queries reaches `TARGET_RECALL`, or as near as probing allows. IVF rather than HNSW because IVF
supports removing vectors, which `python -m indexer update` needs. Indexes built before 2026-11-30
evening hold 8-bit codes (IVF-SQ8) and are read as they are.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np
from threadpoolctl import threadpool_limits

log = logging.getLogger(__name__)

FLAT_LIMIT = 50_000
TARGET_RECALL = 0.99  # tuned a little above the 0.98 promised, since real queries differ from probes
MIN_RECALL = 0.98  # below this at the largest useful nprobe, the index stays exact
CEILING_SLACK = 0.002  # recall@10 given up against probing a quarter of the lists: 4 of 2,000 neighbours
# Norm of the noise blurring a probe: cosine ~0.3 to its passage, as far as real queries are from
# their best passage (HR and SciFact queries, measured). Nearer probes overrated recall (0.68 real).
PROBE_NOISE = 3.0
PROBE_QUERIES = 200
# Probing starts at this share of the lists. Probes overrate recall where the stored vectors are
# tight clusters of near-copies: 20,300 such vectors in 512 lists gave the probes 0.996 at nprobe 8
# but real queries 0.977, and 0.990 at 16. At 1M passages the probes follow real queries within
# 0.003 and need 128 of 4,096 lists, this same share, so the floor costs the large index nothing.
MIN_PROBED_SHARE = 1 / 32
TRAIN_PER_LIST = 40  # training vectors per inverted list (FAISS warns below 39)


class VectorStore(Protocol):
    """Inner-product search over normalised vectors keyed by integer passage ids."""

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def save(self, path: Path) -> None: ...
    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Tuning:
    """How an approximate index was tuned at build: its lists, probes and measured recall@10."""

    lists: int
    nprobe: int
    recall_at_10: float


class FaissStore:
    """A FAISS index of passage vectors, with ids that survive removals."""

    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @classmethod
    def create(cls, dimension: int) -> FaissStore:
        """An empty exact (flat inner-product) index."""
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))

    @classmethod
    def build(cls, ids: np.ndarray, vectors: np.ndarray, flat_limit: int = FLAT_LIMIT) -> FaissStore:
        """An index of these vectors whose type suits their number: flat, or IVF-fp16 tuned for recall."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(vectors) <= flat_limit:
            store = cls.create(vectors.shape[1])
            store.add(ids, vectors)
            return store
        return cls._build_ivf(ids, vectors)

    @classmethod
    def _build_ivf(cls, ids: np.ndarray, vectors: np.ndarray) -> FaissStore:
        n, dimension = vectors.shape
        lists = max(64, 2 ** round(math.log2(4 * math.sqrt(n))))  # the usual ~4·sqrt(n), as a power of 2
        rng = np.random.default_rng(0)
        train = vectors[rng.choice(n, min(n, lists * TRAIN_PER_LIST * 2), replace=False)]
        quantizer = faiss.IndexFlatIP(dimension)
        # fp16 rather than 8-bit codes: 8-bit ones capped recall@10 near 0.98, which took nprobe 256
        # of 4,096 lists at 1M passages (0.980, 4.9 ms at k = 1,000); fp16 codes reach 0.993 at 128
        # (2.6 ms), for 768 bytes a vector instead of 384 (docs/performance.md).
        index = faiss.IndexIVFScalarQuantizer(quantizer, dimension, lists, faiss.ScalarQuantizer.QT_fp16,
                                              faiss.METRIC_INNER_PRODUCT)
        index.train(train)
        index.add_with_ids(vectors, ids.astype(np.int64))
        store = cls(index)
        tuning = store.tune(ids, vectors, rng)
        if tuning.recall_at_10 < MIN_RECALL:
            # Vectors without cluster structure defeat IVF; exact search is then the honest choice.
            log.warning("IVF reached recall@10 %.3f only; keeping an exact index", tuning.recall_at_10)
            return cls.build(ids, vectors, flat_limit=n)
        log.info("IVF-fp16 index: %d lists, nprobe %d, recall@10 %.3f on %d probe queries", tuning.lists,
                 tuning.nprobe, tuning.recall_at_10, PROBE_QUERIES)
        return store

    def tune(self, ids: np.ndarray, vectors: np.ndarray, rng: np.random.Generator) -> Tuning:
        """Double nprobe until recall@10 against exact search reaches TARGET_RECALL on probe queries,
        or comes within CEILING_SLACK of what probing more lists can give (never below MIN_RECALL).

        Probes are stored vectors blurred with noise (then normalised): like real queries they are
        near, not identical to, passages, so recall is not inflated by trivial self-matches (on the
        1M scale set their recall stays within 0.0025 below real queries' at every nprobe; on the
        8,411 real passages they overrate it: docs/performance.md). Probing stops at a quarter of
        the lists: beyond that IVF gains too little over exact search. Codes can cap recall below
        1 whatever the probing (8-bit ones at 0.982 for the probes at 1M passages), so the target is
        relative to that ceiling: chasing 0.99 there probed four times the lists (1,024 of 4,096) for
        +0.003 of real queries' recall.
        """
        ivf = faiss.extract_index_ivf(self.index)
        picked = vectors[rng.choice(len(vectors), min(PROBE_QUERIES, len(vectors)), replace=False)]
        probes = picked + rng.normal(scale=PROBE_NOISE / math.sqrt(vectors.shape[1]), size=picked.shape)
        probes = (probes / np.linalg.norm(probes, axis=1, keepdims=True)).astype(np.float32)
        truth = ids.astype(np.int64)[exact_top_k(vectors, probes, 10)]

        def recall_with(nprobe: int) -> float:
            ivf.nprobe = nprobe
            return recall_at_k(self.index.search(probes, 10)[1], truth)

        nprobe, recall = smallest_nprobe(recall_with, cap=max(1, ivf.nlist // 4),
                                         start=max(1, int(ivf.nlist * MIN_PROBED_SHARE)))
        ivf.nprobe = nprobe
        return Tuning(ivf.nlist, nprobe, recall)

    @classmethod
    def load(cls, path: Path, *, writable: bool = False) -> FaissStore:
        """Read an index written by `save`; memory-mapped (read-only) unless it is to be changed."""
        # Mapped read-only in place (FAISS's "in-file codes" mapping): workers share the pages and start
        # at once. The older IO_FLAG_MMAP reads inverted lists through a slower path: at 1M passages
        # (IVF4096-fp16, nprobe 128, k 1,000, one thread) 5.2 ms a query against 2.4 ms mapped so.
        flags = 0 if writable else faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
        index = faiss.read_index(str(path), flags)
        try:
            # FAISS splits a batch of queries across threads by default, which leaves one query (the
            # app's case) on one core; splitting its inverted lists uses both (1M passages: 33 -> 24 ms,
            # once ONNX Runtime's idle threads stop spinning on the other core: indexer.backends).
            faiss.extract_index_ivf(index).parallel_mode = 1
        except RuntimeError:
            pass  # flat: nothing to split
        return cls(index)

    @property
    def dimension(self) -> int:
        """Vector width."""
        return int(self.index.d)

    @property
    def kind(self) -> str:
        """"flat", or "ivf<lists>-<codes>-nprobe<n>" (codes fp16, or sq8 in older builds), as recorded
        in the manifest."""
        try:
            ivf = faiss.downcast_index(faiss.extract_index_ivf(self.index))
        except RuntimeError:
            return "flat"
        codes = "fp16" if ivf.sq.qtype == faiss.ScalarQuantizer.QT_fp16 else "sq8"
        return f"ivf{ivf.nlist}-{codes}-nprobe{ivf.nprobe}"

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under the given passage ids."""
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: np.ndarray) -> int:
        """Remove passages by id; return how many were removed."""
        return int(self.index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def flat_contents(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of a flat index, to retrain them as another type."""
        if self.kind != "flat":
            raise ValueError("only a flat index gives its vectors back exactly")
        return faiss.vector_to_array(self.index.id_map), self.index.index.reconstruct_n(0, len(self))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (scores, ids) of the k nearest passages, best first; ids of -1 are padding."""
        scores, ids = self.index.search(_row(query), k)
        return scores[0], ids[0]

    def within(self, query: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
        """Return (scores, ids) of every passage with inner product at least `radius`, best first.

        Exact on a flat index; on IVF, complete within the lists that `nprobe` visits.
        """
        _, scores, ids = self.index.range_search(_row(query), float(radius))
        order = np.argsort(-scores, kind="stable")
        return scores[order], ids[order]

    def save(self, path: Path) -> None:
        """Write the index to one file."""
        faiss.write_index(self.index, str(path))


def smallest_nprobe(recall_with: Callable[[int], float], cap: int, start: int = 1) -> tuple[int, float]:
    """(nprobe, its recall): the first of `start`, twice that... up to `cap` whose recall reaches TARGET_RECALL;
    if none does, the first within CEILING_SLACK of the recall at `cap`, but never one below
    MIN_RECALL (`cap` when nothing does; the caller then keeps an exact index). Each nprobe is
    measured once, and no further than the target."""
    recalls: dict[int, float] = {}
    nprobe = min(start, cap)
    while True:
        recalls[nprobe] = recall_with(nprobe)
        if recalls[nprobe] >= TARGET_RECALL:
            return nprobe, recalls[nprobe]
        if nprobe >= cap:
            break
        nprobe = min(cap, nprobe * 2)
    goal = max(MIN_RECALL, recalls[nprobe] - CEILING_SLACK)
    chosen = min((n for n, recall in recalls.items() if recall >= goal), default=nprobe)
    return chosen, recalls[chosen]


def use_threads(threads: int) -> None:
    """Let FAISS, and the BLAS libraries under NumPy and FAISS, compute with at most `threads`
    threads in this process (their pools are global).

    BLAS matters too: after NumPy's products at query time, an idle OpenBLAS thread spins waiting
    for more work. In-process with one thread, 300 questions at 8,374 passages used 16.9 ms of CPU
    per 9.5 ms query unbounded, 9.4 ms per 9.4 bounded; in a server worker given one core, that spin
    takes another worker's.
    """
    faiss.omp_set_num_threads(max(1, threads))
    threadpool_limits(max(1, threads), user_api="blas")


def _row(query: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)


def exact_top_k(vectors: np.ndarray, queries: np.ndarray, k: int, block: int = 65_536) -> np.ndarray:
    """Row positions of each query's k best vectors by inner product, best first (blocked: bounded memory)."""
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best = np.empty((len(queries), 0), dtype=np.int64)
    for start in range(0, len(vectors), block):
        scores = queries @ vectors[start : start + block].T
        top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        best_scores = np.hstack([best_scores, np.take_along_axis(scores, top, axis=1)])
        best = np.hstack([best, top + start])
        keep = np.argsort(-best_scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(best_scores, keep, axis=1)
        best = np.take_along_axis(best, keep, axis=1)
    return best


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each row of `truth` (exact ids) that `found` (approximate ids) recovered."""
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


class ExactStore:
    """Brute-force NumPy search: slow, obviously correct, the reference in tests and benchmarks."""

    def __init__(self, dimension: int) -> None:
        self.ids = np.empty(0, dtype=np.int64)
        self.vectors = np.empty((0, dimension), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Append vectors under ids."""
        self.ids = np.concatenate([self.ids, ids.astype(np.int64)])
        self.vectors = np.vstack([self.vectors, vectors.astype(np.float32)])

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact top-k by inner product."""
        scores = self.vectors @ query.astype(np.float32)
        order = np.argsort(-scores, kind="stable")[:k]
        return scores[order], self.ids[order]

    def save(self, path: Path) -> None:
        """Write ids and vectors to a .npz file."""
        np.savez(path, ids=self.ids, vectors=self.vectors)
