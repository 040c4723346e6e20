"""Vector stores: FAISS for serving, exact NumPy search as the oracle it is tested against."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import faiss
import numpy as np


class VectorStore(Protocol):
    """Inner-product search over normalised vectors keyed by integer passage ids."""

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def save(self, path: Path) -> None: ...
    def __len__(self) -> int: ...


class FaissStore:
    """A FAISS index of passage vectors, with ids that survive removals."""

    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @classmethod
    def create(cls, dimension: int) -> FaissStore:
        """An empty exact (flat inner-product) index."""
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))

    @classmethod
    def load(cls, path: Path) -> FaissStore:
        """Read an index written by `save`; memory-mapped so start-up stays fast."""
        return cls(faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY))

    @property
    def dimension(self) -> int:
        """Vector width."""
        return int(self.index.d)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under the given passage ids."""
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: np.ndarray) -> int:
        """Remove passages by id; return how many were removed."""
        return int(self.index.remove_ids(ids.astype(np.int64)))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (scores, ids) of the k nearest passages, best first; ids of -1 are padding."""
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k)
        return scores[0], ids[0]

    def save(self, path: Path) -> None:
        """Write the index to one file."""
        faiss.write_index(self.index, str(path))


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
