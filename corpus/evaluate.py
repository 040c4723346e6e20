"""The article-extraction metric: word 4-gram shingle precision and recall.

Words are ``\\w+`` tokens; a text becomes the multiset of its word 4-grams. Per page, precision is
matched / extracted shingles and recall matched / true shingles (1 when both are empty); a run
averages each over its pages and reports the harmonic mean of the two averages as F1. This is the
metric the shared benchmark README describes, so our figures compare with the published ones.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Score:
    """Precision and recall of one page, or their averages over many."""

    precision: float
    recall: float

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    """The multiset of word n-grams of a text (a short text is one shingle of all its words)."""
    words = _WORD.findall(text or "")
    if 0 < len(words) < size:
        return Counter([tuple(words)])
    return Counter(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def score_page(predicted: str, truth: str) -> Score:
    """Shingle precision and recall of one extracted text against the true one."""
    got, want = shingles(predicted), shingles(truth)
    if not got and not want:
        return Score(1.0, 1.0)
    matched = sum((got & want).values())
    precision = matched / sum(got.values()) if got else 0.0
    recall = matched / sum(want.values()) if want else 0.0
    return Score(precision, recall)


def average(scores: Iterable[Score]) -> Score:
    """Average precision and recall separately; F1 is then taken from the averages."""
    items = list(scores)
    if not items:
        return Score(0.0, 0.0)
    return Score(sum(s.precision for s in items) / len(items), sum(s.recall for s in items) / len(items))
