"""Themes for every release: from the source's own tags where it gave some, else assigned by meaning.

The vocabulary is a data file (`indexer/themes.toml`: 32 themes after the UN Universal Human Rights
Index, each with a one-line description, example sentences and the labels sources use for it). At
build and update time each theme becomes one vector (the normalised mean of its description's and
examples' embeddings), and a document is given a theme when one of its passages is at least
`theme_threshold` close to it in cosine, at most `max_themes` themes per document, the closest first.
The threshold was tuned on the HRDsAttack articles' violation and victim labels, training split,
and is reported on the held-out splits by bench/themes_report.py (docs/research-features.md).

A theme a source tag names (an alias) is the source's; the others are assigned, and pages mark them so.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

THEMES_FILE = Path(__file__).with_name("themes.toml")


@dataclass(frozen=True)
class Theme:
    """One theme of the vocabulary."""

    key: str
    name: str
    description: str
    examples: tuple[str, ...]
    aliases: tuple[str, ...]
    threshold: float | None = None  # stricter than the tuned one, for a theme the model over-assigns

    @property
    def texts(self) -> list[str]:
        """What is embedded to recognise the theme."""
        return [f"{self.name}: {self.description}", *self.examples]


@cache
def load_themes(path: Path = THEMES_FILE) -> tuple[Theme, ...]:
    """The vocabulary, in file order (the order facets and pages list themes in)."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(Theme(key, t["name"], t["description"], tuple(t.get("examples", ())),
                       tuple(a.casefold() for a in t.get("aliases", ())), t.get("threshold"))
                 for key, t in data.items())


def vocabulary_digest(themes: Sequence[Theme]) -> str:
    """A short hash of the vocabulary: an index assigned with another one must be rebuilt, not updated."""
    text = "\n".join(f"{t.key}\t{t.name}\t{t.texts}\t{t.aliases}\t{t.threshold}" for t in themes)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def source_themes(labels: Iterable[str], themes: Sequence[Theme]) -> tuple[str, ...]:
    """The names of the themes that a document's own tags or labels name (caseless)."""
    given = {label.strip().casefold() for label in labels}
    return tuple(t.name for t in themes if given.intersection(t.aliases) or t.name.casefold() in given)


class ThemeMatcher:
    """The themes' vectors, and the rule that turns passage vectors into a document's themes."""

    def __init__(self, themes: Sequence[Theme], vectors: np.ndarray, threshold: float, limit: int) -> None:
        self.themes, self.vectors, self.limit = tuple(themes), vectors, limit
        self.thresholds = np.array([max(threshold, t.threshold or 0.0) for t in themes], dtype=np.float32)

    @classmethod
    def embed(cls, themes: Sequence[Theme], encode: Callable[[Sequence[str]], np.ndarray], threshold: float,
              limit: int) -> ThemeMatcher:
        """Embed each theme's texts with `encode` (a list of texts -> normalised vectors) and average them."""
        texts = [text for t in themes for text in t.texts]
        owners = np.repeat(np.arange(len(themes)), [len(t.texts) for t in themes])
        encoded = np.asarray(encode(texts), dtype=np.float32)
        vectors = np.stack([encoded[owners == i].mean(axis=0) for i in range(len(themes))])
        # A model that reads none of a theme's words gives it a zero vector: it then matches nothing.
        norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return cls(themes, vectors / norms, threshold, limit)

    def scores(self, passage_vectors: np.ndarray) -> np.ndarray:
        """Each theme's closeness to a document: the cosine of its closest passage."""
        return (passage_vectors @ self.vectors.T).max(axis=0)

    def assign(self, passage_vectors: np.ndarray) -> tuple[str, ...]:
        """The names of a document's themes (at most `limit`, the closest ones)."""
        if not len(passage_vectors):
            return ()
        scores = self.scores(passage_vectors)
        best = np.argsort(-scores, kind="stable")[: self.limit]
        return tuple(self.themes[i].name for i in best if scores[i] >= self.thresholds[i])

    def assign_all(self, doc_ids: Sequence[str], vectors: np.ndarray) -> dict[str, tuple[str, ...]]:
        """{document id: themes} for passages given as their documents' ids (in runs) and vectors."""
        found: dict[str, tuple[str, ...]] = {}
        if not doc_ids:
            return found
        starts = [0] + [i for i in range(1, len(doc_ids)) if doc_ids[i] != doc_ids[i - 1]] + [len(doc_ids)]
        for start, end in zip(starts, starts[1:], strict=False):
            found[doc_ids[start]] = self.assign(vectors[start:end])
        return found


def ordered(names: Iterable[str], themes: Sequence[Theme]) -> tuple[str, ...]:
    """Theme names once each, in the vocabulary's order."""
    chosen = set(names)
    return tuple(t.name for t in themes if t.name in chosen)


