"""Time each stage of a query: encoding, vector search, keyword search, fusion, snippets.

    python bench/latency.py --data DIR --queries bench/hr-queries.jsonl [--repeat 3]

Fusion is timed as everything hybrid does beyond the two searches: mapping passages to documents,
normalising, grouping and fusing. Medians in milliseconds, after one warm-up pass.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.config import load_settings  # noqa: E402
from indexer.eval import load_queries  # noqa: E402
from indexer.fusion import fuse, group, normalise  # noqa: E402
from indexer.passages import KeywordQuery  # noqa: E402
from indexer.search import Searcher  # noqa: E402


def main() -> None:
    """Print the median time of each stage over the queries."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    searcher = Searcher(load_settings(args.data))
    settings = searcher.settings
    loaded = searcher._current()
    queries = list(load_queries(args.queries).values())
    times: dict[str, list[float]] = {}

    def timed(name: str, fn, record: bool):  # noqa: ANN001, ANN202 - a tiny stopwatch
        started = time.perf_counter()
        out = fn()
        if record:
            times.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return out

    for round_ in range(args.repeat + 1):
        record = round_ > 0  # the first pass warms caches and the model
        for text in queries:
            vector = timed("encode query", lambda t=text: searcher.embedder.encode_query(t), record)
            scores, ids = timed("vector search", lambda v=vector: loaded.vectors.search(v, 100), record)
            semantic = [(int(i), float(s)) for s, i in zip(scores, ids, strict=True) if i >= 0]
            keyword = timed("keyword search",
                            lambda t=text: loaded.keywords.search(KeywordQuery.parse(t).words, 100), record)

            def fusion(sem=semantic, kw=keyword):  # noqa: ANN001, ANN202
                doc_of = loaded.keywords.doc_ids_of({p for p, _ in sem + kw})
                return fuse(group(normalise(sem), doc_of, settings.passage_bonus),
                            group(normalise(kw), doc_of, settings.passage_bonus), settings.semantic_weight)

            timed("fusion", fusion, record)
            for mode in ("keyword", "semantic", "hybrid"):
                timed(f"search() total, {mode}", lambda t=text, m=mode: searcher.search(t, 10, m), record)
    for name, values in times.items():
        print(f"{name:<26} median {statistics.median(values):7.2f} ms   "
              f"p90 {sorted(values)[int(0.9 * len(values))]:7.2f} ms")


if __name__ == "__main__":
    main()
