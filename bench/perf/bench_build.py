"""Whole-build throughput against plain sentence-transformers, and the cost of a 10-document update.

    python bench/perf/bench_build.py [--docs N] [--changed 10]

The same documents (both shared corpora whole, or the first `--docs` of them, half from each) go
through: plain `SentenceTransformer.encode` (batch 32, fp32) of titles and bodies cut into 200-word
passages, timed around the encode call only; and the whole `python -m indexer build` (imports,
model, chunking, embedding, FAISS and keyword index), timed from the outside. The plain encode is
timed before and after ours, since the machine is shared. The one-time preparation of the models
folder (ONNX export, word-piece table: once per machine and model, not per build) is timed and
printed on its own first. Then `--changed` documents get a new paragraph and
`python -m indexer update` is timed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
CORPORA = ROOT.parent / "shared" / "data" / "corpora"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_embed import plain_encoder  # noqa: E402

from corpus.config import load_settings  # noqa: E402
from corpus.store import CorpusStore  # noqa: E402
from indexer.manifest import Manifest  # noqa: E402


def cli(*args: str) -> tuple[float, str]:
    """Run `python -m <args>`; return wall seconds and stderr."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - started, out.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, help="documents, half from each corpus (default: all)")
    parser.add_argument("--changed", type=int, default=10)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="rs-build-"))
    rows = []
    for name in ("hrw-news-2024.jsonl", "hrdsattack.jsonl"):
        lines = open(CORPORA / name, encoding="utf-8").read().splitlines()
        rows += [json.loads(line) for line in lines[: (args.docs + 1) // 2 if args.docs else None]]
    source = data / "docs.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cli("corpus", "import", str(source), "-q", "--data", str(data))
    with CorpusStore(load_settings(data).db_path) as store:
        documents = list(store.iter_documents())
    texts = []
    for doc in documents:
        words = f"{doc.title} {doc.body}".split()
        texts += [" ".join(words[i : i + 200]) for i in range(0, len(words), 200)]
    print(f"{len(documents)} documents, {len(texts)} 200-word passages, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    seconds, _ = cli("indexer", "prepare", "--data", str(data))
    print(f"one-time models folder preparation (ONNX export, word-piece table): {seconds:.1f} s")
    plain = plain_encoder()

    def plain_seconds() -> float:
        started = time.perf_counter()
        plain.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        return time.perf_counter() - started

    before = plain_seconds()
    ours, _ = cli("indexer", "build", "-q", "--data", str(data))
    after = plain_seconds()
    manifest = Manifest.read(load_settings(data).index_path)
    baseline = (before + after) / 2
    print(f"plain encode: {before:.1f} s before, {after:.1f} s after "
          f"({len(texts) / baseline:.1f} passages/s)")
    print(f"indexer build ({manifest.embed_backend}, {manifest.index_type}): {ours:.1f} s wall for "
          f"{manifest.passages} passages ({manifest.passages / ours:.1f} passages/s; "
          f"{manifest.build_seconds:.1f} s inside the build)")
    print(f"plain encode time / our whole build time: {baseline / ours:.2f}x (goal >= 2.0)")

    with CorpusStore(load_settings(data).db_path) as store:
        store.upsert_many(dataclasses.replace(d, body=d.body + "\n\nThis release was updated with new facts.")
                          for d in documents[: args.changed])
    seconds, stderr = cli("indexer", "update", "-q", "--data", str(data))
    print(f"update of {args.changed} changed documents: {seconds:.1f} s wall; "
          f"{stderr.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
