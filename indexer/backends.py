"""Embedding backends: the same model run by PyTorch (fp32 or bf16) or by ONNX Runtime (fp32 or int8).

Every backend turns a batch of texts into L2-normalised float32 vectors and exposes the model's
tokenizer for chunking. The ONNX backends need only `onnxruntime` and `tokenizers` at query time,
so a search process starts without importing torch (about 10 s here).

    backend      needs                          vs torch fp32
    torch        torch, sentence-transformers   the reference
    torch-bf16   a CPU with native bf16         cosine ~0.9999; falls back to torch elsewhere
    onnx         onnxruntime (+ torch once)     cosine 1.0000
    onnx-int8    onnxruntime (+ torch once)     cosine ~0.993, about 2x faster than torch
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

BACKENDS = ("auto", "torch", "torch-bf16", "onnx", "onnx-int8")


class Backend(Protocol):
    """What the embedder needs from a backend."""

    name: str
    dimension: int
    max_tokens: int

    @property
    def tokenizer(self): ...  # noqa: ANN201 - called like a Hugging Face tokenizer

    def encode(self, texts: Sequence[str], kind: str, batch_size: int) -> np.ndarray:
        """Embed texts as "query" or "document", `batch_size` at a time, in the order given."""
        ...


def cpu_has_bf16() -> bool:
    """Whether the CPU computes bf16 natively (AVX512-BF16 or AMX); emulated bf16 is slower than fp32."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


class TorchBackend:
    """sentence-transformers on PyTorch, optionally under bf16 autocast."""

    def __init__(self, model_path: str, threads: int, bf16: bool = False) -> None:
        import torch
        from sentence_transformers import SentenceTransformer  # slow import: only when needed

        # Set explicitly: torch's default pool was seen to take 500 ms per query here, 25 ms once set.
        torch.set_num_threads(threads)
        self._torch = torch
        self.model = SentenceTransformer(model_path, device="cpu")
        self.bf16 = bf16
        self.name = "torch-bf16" if bf16 else "torch"
        self.dimension = int(self.model.get_embedding_dimension() or 0)
        self.max_tokens = int(self.model.max_seq_length)

    @property
    def tokenizer(self):  # noqa: ANN201 - a Hugging Face tokenizer
        """The model's Hugging Face tokenizer."""
        return self.model.tokenizer

    def encode(self, texts: Sequence[str], kind: str, batch_size: int) -> np.ndarray:
        """Embed texts as queries or documents (sentence-transformers sorts them by length itself)."""
        encode = self.model.encode_query if kind == "query" else self.model.encode_document
        with self._torch.autocast("cpu", dtype=self._torch.bfloat16, enabled=self.bf16):
            vectors = encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                             convert_to_numpy=False, convert_to_tensor=True, show_progress_bar=False)
        return vectors.float().numpy()


class Tokenizer:
    """A `tokenizers` tokenizer called like a Hugging Face one, for chunking without transformers."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer as RustTokenizer

        self._tok = RustTokenizer.from_file(str(path))
        self._tok.no_truncation()  # tokenizer.json ships a 128-token cut; counts must see everything
        self._tok.no_padding()

    def __call__(self, text: str | list[str], add_special_tokens: bool = True,
                 return_offsets_mapping: bool = False, **_: object) -> dict:
        """Return {"input_ids": ..., "offset_mapping": ...} like a Hugging Face fast tokenizer."""
        single = isinstance(text, str)
        texts = [text] if single else list(text)
        encodings = self._tok.encode_batch(texts, add_special_tokens=add_special_tokens)
        out: dict = {"input_ids": [e.ids for e in encodings]}
        if return_offsets_mapping:
            out["offset_mapping"] = [e.offsets for e in encodings]
        return {k: v[0] for k, v in out.items()} if single else out

    def get_vocab(self) -> dict[str, int]:
        """Word piece -> id, as the Hugging Face method."""
        return self._tok.get_vocab()


class OnnxBackend:
    """The model's transformer in ONNX Runtime; tokenising, pooling and normalising as its config says."""

    def __init__(self, model_dir: Path, onnx_file: Path, threads: int, name: str) -> None:
        from tokenizers import Tokenizer as RustTokenizer

        self.name = name
        config = _SentenceConfig.read(model_dir)
        self.dimension = config.dimension
        self.max_tokens = config.max_tokens
        self.pooling = config.pooling
        self.normalize = config.normalize
        self.prompts = config.prompts
        self._tokenizer = Tokenizer(model_dir / "tokenizer.json")
        self._batch_tok = RustTokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._batch_tok.enable_truncation(self.max_tokens)
        self._pad_id = int((self._batch_tok.padding or {}).get("pad_id", 0))
        self._batch_tok.no_padding()  # batches are padded after sorting by length
        self.threads = threads
        self.session = self._session(onnx_file, threads)
        # Bulk embedding runs one single-threaded inference per core, concurrently on one session,
        # instead of one inference split over all cores: no per-operator hand-off between threads
        # (1,024 of our passages: 32.5-33.3 vs 28.5-28.7 passages/s). That session is made on first
        # use: a search process embeds one query at a time and never needs it.
        self._onnx_file = onnx_file
        self._bulk: object | None = None
        self._bulk_lock = threading.Lock()
        self._inputs = {i.name for i in self.session.get_inputs()}

    @staticmethod
    def _session(onnx_file: Path, threads: int):  # noqa: ANN205 - an onnxruntime.InferenceSession
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # ORT's notes on unused initialisers are not the user's problem
        # Idle ORT threads otherwise spin on the cores after each run, where FAISS searches next:
        # at 1M passages the vector search (split over both cores) took 33 ms after a spinning
        # query embedding, 24 ms without.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])

    @property
    def tokenizer(self) -> Tokenizer:
        """A tokenizer callable like the Hugging Face one (no truncation)."""
        return self._tokenizer

    def encode(self, texts: Sequence[str], kind: str, batch_size: int) -> np.ndarray:
        """Embed texts in batches of similar token counts, so padding costs about 2% instead of 13%."""
        prompt = self.prompts.get(kind, "")
        encodings = self._batch_tok.encode_batch([prompt + t for t in texts])
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        if len(batches) < 2 or self.threads < 2:
            for chosen in batches:
                out[chosen] = self._run(self.session, [encodings[i] for i in chosen])
            return out

        bulk = self._bulk_session()

        def lane(first: int) -> None:  # ONNX Runtime releases the GIL while it runs
            for chosen in batches[first :: self.threads]:
                out[chosen] = self._run(bulk, [encodings[i] for i in chosen])

        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(lane, range(self.threads)))
        return out

    def _bulk_session(self):  # noqa: ANN202 - an onnxruntime.InferenceSession
        """One single-threaded session that every lane runs concurrently (ORT allows that)."""
        with self._bulk_lock:
            if self._bulk is None:
                self._bulk = self._session(self._onnx_file, 1)
            return self._bulk

    def _run(self, session, encodings: list) -> np.ndarray:  # noqa: ANN001 - ORT session, tokenizers encodings
        """Pad one batch, run the transformer, pool and normalise."""
        ids = np.full((len(encodings), max(len(e.ids) for e in encodings)), self._pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        vectors = _pool(hidden, mask, self.pooling)
        if self.normalize:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors.astype(np.float32)


class _SentenceConfig:
    """The parts of a sentence-transformers folder that say how token vectors become one vector."""

    def __init__(self, dimension: int, max_tokens: int, pooling: str, normalize: bool,
                 prompts: dict[str, str]) -> None:
        self.dimension, self.max_tokens, self.pooling = dimension, max_tokens, pooling
        self.normalize, self.prompts = normalize, prompts

    @classmethod
    def read(cls, model_dir: Path) -> _SentenceConfig:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds[:2] != ["Transformer", "Pooling"] or any(k not in ("Transformer", "Pooling", "Normalize")
                                                          for k in kinds):
            raise ValueError(f"modules {kinds} are not Transformer + Pooling (+ Normalize)")
        pooling_path = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((model_dir / pooling_path / "config.json").read_text(encoding="utf-8"))
        if "pooling_mode" in pooling:  # sentence-transformers 6 writes {"pooling_mode": "mean", ...}
            modes = [f"{pooling['pooling_mode']}_token" + ("" if pooling["pooling_mode"] == "cls" else "s")]
            others = []
        else:  # earlier versions: one boolean per mode
            modes = [m for m in ("cls_token", "mean_tokens", "max_tokens")
                     if pooling.get(f"pooling_mode_{m}")]
            others = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v
                      and k[len("pooling_mode_"):] not in ("cls_token", "mean_tokens", "max_tokens")]
        if len(modes) != 1 or others or modes[0] not in ("cls_token", "mean_tokens", "max_tokens"):
            raise ValueError(f"pooling {pooling} is not one of cls, mean or max")
        dimension = pooling.get("word_embedding_dimension", pooling.get("embedding_dimension"))
        bert = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        st_path = model_dir / "config_sentence_transformers.json"
        st_config = json.loads(st_path.read_text(encoding="utf-8")) if st_path.exists() else {}
        return cls(int(dimension), _max_tokens(model_dir, bert), modes[0], "Normalize" in kinds,
                   dict(st_config.get("prompts") or {}))


def _max_tokens(model_dir: Path, bert: dict) -> int:
    """The model's input length: its sentence-transformers setting, else (version 6) the tokenizer's."""
    if "max_seq_length" in bert:
        return int(bert["max_seq_length"])
    tokenizer_path = model_dir / "tokenizer_config.json"
    tokenizer = json.loads(tokenizer_path.read_text(encoding="utf-8")) if tokenizer_path.exists() else {}
    config_path = model_dir / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
    # A tokenizer without a limit says 1e30; the position table is the real one.
    return int(min(tokenizer.get("model_max_length", 512), config.get("max_position_embeddings", 512)))


def _pool(hidden: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """Pool token vectors the way sentence-transformers' Pooling module does."""
    if mode == "cls_token":
        return hidden[:, 0].copy()
    weights = mask[..., None].astype(np.float32)
    if mode == "max_tokens":
        return np.where(weights > 0, hidden, -1e9).max(axis=1)
    return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def default_threads() -> int:
    """All cores: one build or one worker should use the machine."""
    return os.cpu_count() or 1
