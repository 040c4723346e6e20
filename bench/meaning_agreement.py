"""How often the word-piece meaning highlight picks the sentence the model itself would, and at what cost.

    python bench/meaning_agreement.py --data /tmp/hr

For the top passages of TRAINING queries (our HR train half, then SciFact train queries), the
sentence closest to the query is chosen twice: by embedding every sentence with the model (what
snippets did until 2026-11-29) and by `indexer.meaning.TokenVectors`. Prints how often they pick
the same sentence, how often the cheap choice is among the model's two best, the rate a random
pick would reach, and milliseconds per passage for each.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCIFACT = ROOT.parent / "shared" / "data" / "beir-scifact"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from corpus.config import load_settings  # noqa: E402
from indexer.search import Query, Searcher  # noqa: E402
from indexer.snippets import sentences  # noqa: E402


def train_queries(scifact: int) -> list[str]:
    """The HR training half, then the first `scifact` SciFact training queries."""
    def ids(qrels: Path) -> set[str]:
        return {line.split("\t")[0] for line in qrels.read_text(encoding="utf-8").splitlines()[1:]}

    hr = ids(ROOT / "bench" / "hr-qrels-train.tsv")
    texts = [q["text"] for q in map(json.loads, open(ROOT / "bench" / "hr-queries.jsonl", encoding="utf-8"))
             if q["_id"] in hr]
    sci = ids(SCIFACT / "qrels" / "train.tsv")
    texts += [q["text"] for q in map(json.loads, open(SCIFACT / "queries.jsonl", encoding="utf-8"))
              if q["_id"] in sci][:scifact]
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/hr"), help="an indexed data folder")
    parser.add_argument("--scifact", type=int, default=60, help="SciFact training queries to add")
    parser.add_argument("--k", type=int, default=5, help="passages per query")
    args = parser.parse_args()
    searcher = Searcher(load_settings(args.data))
    embedder = searcher.embedder
    tokens = embedder.token_vectors()
    same = top2 = chance = passages = 0
    model_s = token_s = 0.0
    queries = train_queries(args.scifact)
    for query in queries:
        vector = embedder.encode_query(query)
        ranking = searcher.search(Query(query, "semantic"))
        for snippet in searcher.describe(ranking, ranking.matches(range(min(args.k, ranking.total)))):
            parts = sentences(snippet.passage)
            if len(parts) < 2:
                continue
            t = time.perf_counter()
            by_model = embedder.encode_documents(parts) @ vector
            model_s += time.perf_counter() - t
            t = time.perf_counter()
            cheap = tokens.closest(parts, vector)
            token_s += time.perf_counter() - t
            best = np.argsort(-by_model)
            same += cheap == best[0]
            top2 += cheap in best[:2]
            chance += 1 / len(parts)
            passages += 1
    print(f"{len(queries)} training queries, {passages} passages of 2+ sentences, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"same sentence as the model: {same / passages:.3f}; among the model's best two: "
          f"{top2 / passages:.3f}; a random sentence: {chance / passages:.3f}")
    print(f"ms per passage: model {model_s / passages * 1000:.1f}, "
          f"word-piece vectors {token_s / passages * 1000:.2f}")


if __name__ == "__main__":
    main()
