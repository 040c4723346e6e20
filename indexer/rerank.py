"""Optional second stage: a cross-encoder rescoring the top documents' best passages.

Off by default (`rerank_model = ""`): no cross-encoder ships in a PyPI package that loads
offline, so users point the setting at a local folder (or a hub name when online).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from indexer.embed import ModelError, resolve_model


class Reranker:
    """A sentence-transformers CrossEncoder scoring (query, passage) pairs; higher is better."""

    def __init__(self, model: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import CrossEncoder  # slow import: only when reranking is on

        try:
            self.model = CrossEncoder(resolve_model(model), device="cpu")
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load reranking model {model!r}: {exc}") from exc

    def scores(self, query: str, passages: Sequence[str]) -> list[float]:
        """Score each passage against the query, in one batch."""
        if not passages:
            return []
        out = self.model.predict([(query, p) for p in passages], show_progress_bar=False)
        return [float(s) for s in out]
