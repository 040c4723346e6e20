"""Export a local sentence-transformers model to ONNX once, offline, and cache the result.

The transformer is traced with `torch.onnx` (eager attention, so that ONNX Runtime can fuse it),
its operators fused with ONNX Runtime's transformer optimiser, then (for the int8 flavour) its
weights quantised per channel to int8 with dynamic activation quantisation. Pooling and
normalisation stay in NumPy (`indexer.backends`), read from the model's own configuration.

Files are named by the model and a digest of its files and of this recipe, so changing either
makes a fresh export; a file lock keeps two processes (gunicorn workers) from exporting at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

# Bump when the recipe below changes: old exports are then ignored, not reused.
RECIPE = "torchscript-opset17-eager-fused-v1"
FLAVOURS = ("fp32", "int8")
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class ExportError(Exception):
    """The model cannot be exported to ONNX."""


def model_digest(model_dir: Path) -> str:
    """A short digest of the recipe and the model's files (small ones by content, weights by size, mtime)."""
    digest = hashlib.sha256(RECIPE.encode())
    for path in sorted(model_dir.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or path.suffix == ".md":
            continue
        stat = path.stat()
        digest.update(str(path.relative_to(model_dir)).encode())
        if stat.st_size < 1_000_000:
            digest.update(path.read_bytes())
        else:  # hashing 90 MB of weights on every start-up would cost more than it protects
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def onnx_path(model_dir: Path, cache_dir: Path, name: str, flavour: str) -> Path:
    """Where the export of `model_dir` in `flavour` lives (whether or not it exists yet)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name).strip("-") or "model"
    return cache_dir / f"{safe}-{model_digest(model_dir)}-{flavour}.onnx"


def ensure_onnx(model_dir: Path, cache_dir: Path, name: str, flavour: str) -> Path:
    """Return the cached ONNX export of the model, exporting it first if needed."""
    if flavour not in FLAVOURS:
        raise ExportError(f"unknown ONNX flavour {flavour!r}; choose one of {', '.join(FLAVOURS)}")
    target = onnx_path(model_dir, cache_dir, name, flavour)
    if target.exists():
        return target
    with ExitStack() as stack:
        try:
            stack.enter_context(cache_lock(cache_dir))
        except OSError as exc:
            raise ExportError(f"cannot write the ONNX cache at {cache_dir}: {exc}") from exc
        if target.exists():  # another process exported it while we waited
            return target
        log.info("exporting %s to ONNX (%s), once; cached at %s", name, flavour, target)
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".export-") as tmp, _quiet():
            work = Path(tmp)
            fused = _fused_fp32(model_dir, work)
            if flavour == "int8":
                _quantise(fused, work / "int8.onnx")
                fused = work / "int8.onnx"
            shutil.move(str(fused), target.with_suffix(".part"))
            os.replace(target.with_suffix(".part"), target)
    return target


@contextmanager
def cache_lock(cache_dir: Path) -> Iterator[None]:
    """Hold the models folder's lock, so two processes (gunicorn workers) never make one file at once.

    OSError if the folder cannot be created or written.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / ".export.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _fused_fp32(model_dir: Path, work: Path) -> Path:
    """Trace the transformer to ONNX and fuse its attention, GELU and layer norms."""
    raw = work / "raw.onnx"
    _trace(model_dir, raw)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "bert":
        return raw  # the fusions below know BERT-style encoders; others run unfused
    from onnxruntime.transformers.optimizer import optimize_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = optimize_model(str(raw), model_type="bert", num_heads=int(config["num_attention_heads"]),
                               hidden_size=int(config["hidden_size"]), opt_level=1, use_gpu=False)
    fused = work / "fused.onnx"
    model.save_model_to_file(str(fused))
    return fused


def _trace(model_dir: Path, out: Path) -> None:
    """Export the transformer's last hidden state with dynamic batch and sequence axes."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise ExportError(f"exporting to ONNX needs torch and transformers: {exc}") from exc

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN202
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    try:
        # Eager attention traces to plain MatMul/Softmax, which ONNX Runtime fuses into one operator.
        model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    except (OSError, ValueError) as exc:
        raise ExportError(f"cannot load {model_dir} for export: {exc}") from exc
    example = tuple(torch.ones(2, 16, dtype=torch.long) for _ in _INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's notes on Python booleans do not affect BERT
        torch.onnx.export(LastHiddenState(model), example, str(out), dynamo=False, input_names=list(_INPUTS),
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17)


def _quantise(source: Path, out: Path) -> None:
    """Per-channel int8 weights, activations quantised on the fly."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(out), per_channel=True, weight_type=QuantType.QInt8,
                     # fused operators come from a contrib domain shape inference cannot type
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporter's and optimiser's chatter (node counts, "consider pre-processing")."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
