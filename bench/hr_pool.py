"""Pool the top documents of the keyword and semantic modes for judging the HR queries.

    python bench/hr_pool.py --data DIR [--depth 10]

Prints, per query, the union of both modes' top `depth` documents with the judgement already in
bench/hr-qrels.tsv (or `?` when unjudged), so a judge reads only what still needs reading.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.config import load_settings  # noqa: E402
from corpus.store import CorpusStore  # noqa: E402
from indexer.eval import load_qrels, load_queries  # noqa: E402
from indexer.search import Query, Searcher  # noqa: E402

BENCH = Path(__file__).resolve().parent


def main() -> None:
    """Print the judging pool of every HR query."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--depth", type=int, default=10)
    args = parser.parse_args()
    queries, qrels = load_queries(BENCH / "hr-queries.jsonl"), load_qrels(BENCH / "hr-qrels.tsv")
    settings = load_settings(args.data)
    # Unbounded: a judging pool is the top of each ranking, not only what the relevant set keeps.
    searcher = Searcher(replace(settings, semantic_threshold=-1.0, keyword_coverage=0.0))
    corpus = CorpusStore(settings.db_path, create=False)
    for qid, text in queries.items():
        print(f"\n{qid}: {text}")
        pool: dict[str, str] = {}
        for mode in ("keyword", "semantic"):
            ranking = searcher.search(Query(text, mode))
            matches = ranking.matches(range(min(args.depth, ranking.total)))
            titles = corpus.get_many(m.doc_id for m in matches)
            for match, snippet in zip(matches, searcher.describe(ranking, matches), strict=True):
                pool.setdefault(match.doc_id, f"{titles[match.doc_id].title[:70]} | {snippet.passage[:90]!r}")
        for doc_id, line in pool.items():
            print(f"  {qrels.get(qid, {}).get(doc_id, '?')} {doc_id[:50]:<50} {line}")


if __name__ == "__main__":
    main()
