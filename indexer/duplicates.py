"""One story, one result: documents that are copies or near-copies of each other, found at build time.

Two documents are one story when they share at least `SAME_STORY` of their five-word sequences
(Jaccard similarity of the sets of word 5-shingles of their bodies). On the shared corpora the
pairs fall in two clear bands: copies and republications of one text from 0.62 up (the same HRW
release under two or three addresses, one wire story in two outlets), and different articles on one
event at 0.31 and below (bench/duplicates_report.py, docs/research-features.md); 0.5 sits in the gap.

Comparing every pair does not scale, so each document gets a MinHash signature (`HASHES` minimum
hashes of its shingles, whose agreement estimates the Jaccard similarity), and signatures are
compared only when they agree on one of `BANDS` bands of `ROWS` hashes (locality-sensitive hashing:
a pair at 0.5 becomes a candidate with probability 0.94, at 0.6 with 0.994, an unrelated pair
almost never). Candidates whose signatures estimate 0.5 or more are joined; a story is a connected
group, named by its lowest document number. Signatures are kept in the index folder, so an update
hashes only the documents it adds.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

SAME_STORY = 0.5
SHINGLE = 5  # words
MIN_SHINGLES = 20  # a text shorter than this says too little to be called anyone's copy
HASHES, BANDS, ROWS = 64, 21, 3
SIGNATURES = "duplicates.npy"
_PRIME = (1 << 31) - 1  # a, b and x below it keep a x + b inside 64 bits, and a x wraps many times
_rng = np.random.default_rng(20240501)  # fixed: signatures must agree between builds and updates
_A = _rng.integers(1, _PRIME, HASHES, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, HASHES, dtype=np.uint64)
_NONE = np.iinfo(np.uint32).max  # the signature of a text too short to have one
_WORD = re.compile(r"\w+")


def signature(text: str) -> np.ndarray:
    """The MinHash signature (HASHES uint32) of a text's word 5-shingles, all `_NONE` for a short text."""
    words = _WORD.findall(text.casefold())
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    if len(shingles) < MIN_SHINGLES:
        return np.full(HASHES, _NONE, dtype=np.uint32)
    hashed = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles), dtype=np.uint64, count=len(shingles))
    # HASHES random permutations (a x + b) mod p; the minimum of each over the shingles is the signature.
    values = ((hashed % np.uint64(_PRIME))[:, None] * _A[None, :] + _B[None, :]) % np.uint64(_PRIME)
    return values.min(axis=0).astype(np.uint32)


def signatures(texts: Sequence[str]) -> np.ndarray:
    """One signature row per text."""
    return np.stack([signature(t) for t in texts]) if texts else np.zeros((0, HASHES), dtype=np.uint32)


def stories(rows: np.ndarray, threshold: float = SAME_STORY) -> np.ndarray:
    """Each document's story: the lowest document number among the near-copies it is joined to."""
    count = len(rows)
    has = (rows != _NONE).any(axis=1)
    first, second = _candidates(rows, has)
    if len(first):
        agree = (rows[first] == rows[second]).mean(axis=1)
        first, second = first[agree >= threshold], second[agree >= threshold]
    graph = coo_matrix((np.ones(len(first), dtype=np.int8), (first, second)), shape=(count, count))
    _, labels = connected_components(graph, directed=False)
    lowest = np.full(labels.max() + 1 if count else 0, count, dtype=np.int64)
    np.minimum.at(lowest, labels, np.arange(count))
    return lowest[labels].astype(np.int32)


def _candidates(rows: np.ndarray, has: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of documents agreeing on a whole band: each with the previous one of its bucket."""
    docs = np.flatnonzero(has)
    pairs = []
    for band in range(BANDS):
        part = rows[docs, band * ROWS : (band + 1) * ROWS].astype(np.uint64)
        key = part[:, 0] * np.uint64(0x9E3779B1) ^ part[:, 1] * np.uint64(0x85EBCA77) ^ part[:, 2]
        order = np.lexsort((docs, key))
        same = key[order][1:] == key[order][:-1]
        pairs.append(np.stack([docs[order][:-1][same], docs[order][1:][same]]))
    joined = np.concatenate(pairs, axis=1) if pairs else np.zeros((2, 0), dtype=np.int64)
    joined = np.unique(joined, axis=1) if joined.size else joined
    return joined[0], joined[1]


def updated(previous: np.ndarray, count: int, changed: dict[int, str], removed: Sequence[int]) -> np.ndarray:
    """Signatures of an updated index: the previous rows, grown to `count` documents, with the
    `changed` ones ({document number: text}) hashed again and the `removed` ones emptied."""
    rows = np.full((count, HASHES), _NONE, dtype=np.uint32)
    rows[: len(previous)] = previous
    rows[list(removed)] = _NONE
    for number, text in changed.items():
        rows[number] = signature(text)
    return rows


def save(folder: Path, rows: np.ndarray) -> None:
    """Keep the signatures (numbered like the index's documents) for the next update."""
    np.save(folder / SIGNATURES, rows)


def load(folder: Path) -> np.ndarray:
    """The signatures saved in an index folder."""
    return np.load(folder / SIGNATURES)
