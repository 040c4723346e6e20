"""From passage rankings to one document ranking: normalise, group by document, fuse the modes.

Keyword (BM25) and vector (cosine) scores live on different scales, so each ranking is first
min-max normalised over its top `WINDOW` passages. A document scores as its best passage, plus a
small bonus for each further passage that matched (`passage_bonus`). The two document rankings
are then fused by a weighted sum of the normalised scores (`semantic_weight`); a document that one
side did not return gets 0 from that side. Pure functions: the Searcher feeds them, tests check them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Passages per side over which scores are normalised: the depth the app always retrieves.
WINDOW = 100


@dataclass(frozen=True)
class DocHit:
    """A document in a ranking: its score and the passage that scored best for it."""

    doc_id: str
    score: float
    passage_id: int


def normalise(ranking: Sequence[tuple[int, float]], window: int = WINDOW) -> list[tuple[int, float]]:
    """Min-max scale scores so the top one is 1 and the `window`-th is 0 (deeper ones clip to 0).

    A fixed window keeps the scale independent of how deep the caller dug (k=10 in the app, 100
    in evaluation), so the top of the fused ranking is the same either way.
    """
    if not ranking:
        return []
    head = [s for _, s in ranking[:window]]
    low, high = min(head), max(head)
    span = high - low
    return [(pid, max(0.0, (s - low) / span) if span > 0 else 1.0) for pid, s in ranking]


def group(ranking: Sequence[tuple[int, float]], doc_of: Mapping[int, str], bonus: float = 0.0) -> list[DocHit]:
    """Collapse a (passage id, score) ranking into documents: best passage plus `bonus` x the others."""
    best: dict[str, DocHit] = {}
    extra: dict[str, float] = {}
    for pid, score in ranking:
        doc_id = doc_of.get(pid)
        if doc_id is None:
            continue
        seen = best.get(doc_id)
        if seen is None or score > seen.score:
            if seen is not None:
                extra[doc_id] = extra.get(doc_id, 0.0) + seen.score
            best[doc_id] = DocHit(doc_id, score, pid)
        else:
            extra[doc_id] = extra.get(doc_id, 0.0) + score
    hits = [DocHit(h.doc_id, h.score + bonus * extra.get(h.doc_id, 0.0), h.passage_id) for h in best.values()]
    return sorted(hits, key=lambda h: -h.score)


def fuse(semantic: Sequence[DocHit], keyword: Sequence[DocHit], semantic_weight: float) -> list[DocHit]:
    """Weighted sum of two document rankings' scores; the snippet passage comes from the stronger side."""
    fused: dict[str, DocHit] = {}
    for hits, weight in ((semantic, semantic_weight), (keyword, 1.0 - semantic_weight)):
        for hit in hits:
            share = weight * hit.score
            seen = fused.get(hit.doc_id)
            if seen is None:
                fused[hit.doc_id] = DocHit(hit.doc_id, share, hit.passage_id)
            else:
                # Keep the passage of whichever side contributes more: it best explains the match.
                passage = hit.passage_id if share > seen.score else seen.passage_id
                fused[hit.doc_id] = DocHit(hit.doc_id, seen.score + share, passage)
    return sorted(fused.values(), key=lambda h: -h.score)
