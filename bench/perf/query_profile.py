"""Where a query's time goes, in-process, and what the keyword champion lists cost at each size.

    python bench/perf/query_profile.py --data /tmp/rs-scale-1m
    python bench/perf/query_profile.py --data /tmp/rs-scale-1m --champions 100000,200000,300000

Runs `search_app.results.find` (what /api/search calls) for real queries (our HR queries, then
SciFact's; one in three filtered by country, one in three by date, as in bench_scale.py) and prints
its p50/p90/p99 and the mean milliseconds per query spent in each stage, timed by wrapping the
stage's function (stages nest: ranking the whole set holds the vector, keyword and embedding stages),
with the query vector cache off; then the same searches' second pages with it on, as a reader paging.
With `--champions`, also times keyword search alone at the app's depth (1,000) for each number of
postings read per word, best of three passes, and its top-10 agreement with reading every posting
(a passage scoring as high as the exact 10th counts as found: synthetic copies tie).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench" / "perf")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from werkzeug.datastructures import MultiDict  # noqa: E402

import indexer.relevant as relevant  # noqa: E402
import indexer.search as search  # noqa: E402
from corpus.config import Settings, load_settings  # noqa: E402
from corpus.store import CorpusStore  # noqa: E402
from indexer.embed import Embedder  # noqa: E402
from indexer.fields import DocumentFields  # noqa: E402
from indexer.keywords import KeywordIndex, PassageScores  # noqa: E402
from indexer.passages import KeywordQuery  # noqa: E402
from indexer.vectors import FaissStore  # noqa: E402
from search_app import results  # noqa: E402
from search_app.params import SearchParams, parse_search  # noqa: E402
from bench_scale import cpu_name, mix, queries  # noqa: E402  (the same real queries and filters as the scale bench)

STAGES = [  # (owner, attribute, label)
    (search.Searcher, "search", "rank the whole set"), (Embedder, "encode_query", "query embedding"),
    (FaissStore, "search", "vector: nearest"), (FaissStore, "within", "vector: range"),
    (KeywordIndex, "score", "keyword: BM25 of every passage"), (PassageScores, "top", "keyword: best passages"),
    (KeywordIndex, "coverage", "keyword: coverage"), (PassageScores, "best_for", "keyword: best per document"),
    (DocumentFields, "mask", "filter mask"),
    (relevant, "group", "group"), (relevant, "fuse", "fuse"), (DocumentFields, "facets", "facets"),
    (DocumentFields, "months", "timeline"), (CorpusStore, "get_many", "corpus rows (one page)"),
    (search.Searcher, "describe", "describe (snippets, meaning marks)"),
]


def timed(spent: dict[str, float]) -> None:
    """Wrap each stage so that its seconds add up in `spent`."""
    for owner, name, label in STAGES:
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args, _original=original, _label=label, **kwargs):  # noqa: ANN002, ANN003, ANN202
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - started

        setattr(owner, name, wrapper)


def breakdown(data: Path, texts: list[str]) -> None:
    spent: dict[str, float] = {}
    timed(spent)
    settings = load_settings(data)
    # Questions the process has not seen: without the query vector cache, the warm-up's queries
    # would skip the model when timed.
    searcher = search.Searcher(replace(settings, query_cache=0))
    corpus = CorpusStore(settings.db_path, create=False)
    find = [parse_search(MultiDict({"q": t, **filters}), 1000, 10) for t, filters in mix(texts)]
    for params in find[:5]:  # load the model, the word-piece table and the hot pages first
        results.find(searcher, corpus, params)
    spent.clear()
    took = []
    for params in find:
        started = time.perf_counter()
        results.find(searcher, corpus, params)
        took.append((time.perf_counter() - started) * 1000)
    p50, p90, p99 = np.percentile(took, [50, 90, 99])
    print(f"find(), {len(find)} queries: p50 {p50:.1f} ms, p90 {p90:.1f} ms, p99 {p99:.1f} ms, "
          f"mean {np.mean(took):.1f} ms")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<20} {seconds / len(find) * 1000:6.1f} ms/query")
    repeats(settings, corpus, find, searcher.embedder)


def repeats(settings: Settings, corpus: CorpusStore, find: list[SearchParams], embedder: Embedder) -> None:
    """The same searches' second pages (a reader paging), without and with the query vector cache."""
    for cache in (0, settings.query_cache):
        searcher = search.Searcher(replace(settings, query_cache=cache), embedder)
        for params in find:
            results.find(searcher, corpus, params)
        took = []
        for params in find:
            again = replace(params, page=2)
            started = time.perf_counter()
            results.find(searcher, corpus, again)
            took.append((time.perf_counter() - started) * 1000)
        p50, p99 = np.percentile(took, [50, 99])
        print(f"find(), the same {len(find)} searches' page 2, query_cache {cache}: p50 {p50:.1f} ms, "
              f"p99 {p99:.1f} ms")


def champions(data: Path, texts: list[str], sizes: list[int], depth: int = 1000) -> None:
    keywords = KeywordIndex.load(load_settings(data).index_path.resolve())
    words = [KeywordQuery.parse(t).words for t in texts]
    exact = [keywords.search(w, 100, champions=len(keywords)) for w in words]
    for size in [*sizes, len(keywords)]:
        passes = []
        for _ in range(3):
            started = time.perf_counter()
            found = [keywords.search(w, depth, champions=size) for w in words]
            passes.append((time.perf_counter() - started) / len(words) * 1000)
        agree = [sum(s >= b[min(9, len(b) - 1)][1] - 1e-4 for _, s in a[:10]) / min(10, len(b))
                 for a, b in zip(found, exact, strict=True) if b]
        name = "every posting" if size == len(keywords) else f"{size:,} postings"
        print(f"keyword search, {name} per word, depth {depth}: {min(passes):.2f} ms "
              f"(best of 3), top-10 agreement {np.mean(agree):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="an indexed data folder")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--champions", default="", help="comma-separated postings per word to compare")
    args = parser.parse_args()
    texts = queries(args.queries)
    print(f"{args.data}, {os.cpu_count()} cores ({cpu_name()}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    breakdown(args.data, texts)
    if args.champions:
        champions(args.data, texts, [int(n) for n in args.champions.split(",")])


if __name__ == "__main__":
    main()
