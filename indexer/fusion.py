"""From passage rankings to document scores: normalise, group by document, fuse the modes.

Keyword (BM25) and vector (cosine) scores live on different scales, so each passage ranking is
first min-max normalised over its top `WINDOW` passages. A document scores as its best passage,
plus a small bonus for each further passage that matched (`passage_bonus`). The two sides are
then fused by a weighted sum of the normalised scores (`semantic_weight`); a document that one
side did not reach gets 0 from that side. Everything is arrays indexed by document number, so a
result set of the whole corpus costs a few vector operations. Pure functions: the relevant-set
code feeds them, tests check them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Passages per side over which scores are normalised: the depth the app always retrieves.
WINDOW = 100


@dataclass(frozen=True)
class Side:
    """One side's view of every document: its score, best raw passage score and that passage."""

    score: np.ndarray  # float64: normalised best passage + bonus x the others; 0 where not reached
    raw: np.ndarray  # float64: the best passage's own score (cosine or BM25); -inf where not reached
    passage: np.ndarray  # int64: the best passage's id; -1 where not reached

    @classmethod
    def empty(cls, documents: int) -> Side:
        """A side that reached no document."""
        return cls(np.zeros(documents), np.full(documents, -np.inf), np.full(documents, -1, dtype=np.int64))

    @property
    def reached(self) -> np.ndarray:
        """Which documents this side scored at all."""
        return self.passage >= 0


def scale(scores: np.ndarray, window: int = WINDOW) -> tuple[float, float]:
    """(low, high): the `window`-th best and the best of descending scores, the ends of the unit range."""
    head = scores[:window]
    return (float(head.min()), float(head.max())) if len(head) else (0.0, 0.0)


def normalise(scores: np.ndarray, ends: tuple[float, float]) -> np.ndarray:
    """Min-max scale scores so `high` becomes 1 and `low` 0 (lower ones clip to 0).

    The ends come from a fixed window of the unfiltered ranking, so the scale depends neither on
    how deep the caller dug nor on the filters: a filter narrows a ranking, it never reorders it.
    """
    low, high = ends
    if high - low <= 0:
        return np.ones(len(scores))
    return np.maximum(0.0, (scores.astype(np.float64) - low) / (high - low))


def group(passages: np.ndarray, docs: np.ndarray, scores: np.ndarray, documents: int, bonus: float,
          ends: tuple[float, float]) -> Side:
    """Collapse a passage ranking (ids, their document numbers, scores; best first) into documents."""
    side = Side.empty(documents)
    if not len(passages):
        return side
    normalised = normalise(scores, ends)
    # The ranking is best first, so a document's first occurrence is its best passage.
    owners, first = np.unique(docs, return_index=True)
    total = np.bincount(docs, weights=normalised, minlength=documents)
    side.score[owners] = normalised[first] + bonus * (total[owners] - normalised[first])
    side.raw[owners] = scores[first]
    side.passage[owners] = passages[first]
    return side


def fuse(semantic: Side, keyword: Side, semantic_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """(score, best passage) per document: the weighted sum of both sides' scores, and the passage of
    the side that contributes more (it best explains the match)."""
    sem_share, kw_share = semantic_weight * semantic.score, (1.0 - semantic_weight) * keyword.score
    from_keyword = ~semantic.reached | (keyword.reached & (kw_share > sem_share))
    return sem_share + kw_share, np.where(from_keyword, keyword.passage, semantic.passage)
