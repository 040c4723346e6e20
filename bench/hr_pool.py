"""Pool the top documents of the keyword and semantic modes for judging the HR queries.

    python bench/hr_pool.py --data DIR [--depth 10]

Prints, per query, the union of both modes' top `depth` documents with the judgement already in
bench/hr-qrels.tsv (or `?` when unjudged), so a judge reads only what still needs reading.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.config import load_settings  # noqa: E402
from indexer.eval import load_qrels, load_queries  # noqa: E402
from indexer.search import Searcher  # noqa: E402

BENCH = Path(__file__).resolve().parent


def main() -> None:
    """Print the judging pool of every HR query."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--depth", type=int, default=10)
    args = parser.parse_args()
    queries, qrels = load_queries(BENCH / "hr-queries.jsonl"), load_qrels(BENCH / "hr-qrels.tsv")
    searcher = Searcher(load_settings(args.data))
    for qid, text in queries.items():
        print(f"\n{qid}: {text}")
        pool: dict[str, str] = {}
        for mode in ("keyword", "semantic"):
            for result in searcher.search(text, k=args.depth, mode=mode).results:
                pool.setdefault(result.id, f"{result.title[:70]} | {result.passage[:90]!r}")
        for doc_id, line in pool.items():
            print(f"  {qrels.get(qid, {}).get(doc_id, '?')} {doc_id[:50]:<50} {line}")


if __name__ == "__main__":
    main()
