"""Main-text extraction on the shared article-extraction benchmark: our cleaner and plain trafilatura.

    python bench/extraction.py [--jobs N]

Prints precision, recall and F1 (word 4-gram shingles, per-page precision and recall averaged,
F1 of the averages: the metric of ../shared/README.md) over the 181 pages.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from corpus.clean import _BOILERPLATE, _NEVER, clean_html, paragraphs, parse  # noqa: E402
from corpus.evaluate import Score, average, score_page  # noqa: E402

BENCHMARK = ROOT.parent / "shared" / "data" / "article-extraction-benchmark"


def ours(html: bytes, url: str) -> str:
    """The cleaner as the crawler runs it on a site without a profile."""
    return clean_html(html, url).body


def bs4_heuristic(html: bytes, url: str) -> str:
    """A readability-style extractor with beautifulsoup4 alone, as a yardstick for trafilatura.

    Drop scripts and boilerplate, take the element whose own <p> children hold the most text,
    and render it with the cleaner's paragraph walk.
    """
    soup = parse(html)
    for node in soup.select(f"{_NEVER}, {_BOILERPLATE}, header"):
        if not node.decomposed:
            node.decompose()
    best, best_score = None, 0
    for parent in {p.parent for p in soup.find_all("p") if p.parent is not None}:
        score = sum(len(p.get_text()) for p in parent.find_all("p", recursive=False))
        if score > best_score:
            best, best_score = parent, score
    return "\n\n".join(paragraphs(best)) if best is not None else ""


def plain_trafilatura(html: bytes, url: str) -> str:
    """trafilatura with its default options: the published baseline."""
    return trafilatura.extract(html, url=url) or ""


EXTRACTORS = {
    "ours (corpus.clean)": ours,
    "trafilatura (defaults)": plain_trafilatura,
    "bs4 heuristic": bs4_heuristic,
}


@cache
def ground_truth() -> dict[str, dict[str, str]]:
    """{id: {articleBody, url}} of the benchmark, read once per worker."""
    return json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))


def score_one(args: tuple[str, str, str]) -> Score:
    name, key, url = args
    truth = ground_truth()[key]["articleBody"]
    html = (BENCHMARK / "html" / f"{key}.html").read_bytes()
    return score_page(EXTRACTORS[name](html, url), truth)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args()
    truth = ground_truth()
    print(f"{len(truth)} pages from {BENCHMARK}")
    print(f"{'extractor':<26} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>8}")
    with ProcessPoolExecutor(args.jobs) as pool:
        for name in EXTRACTORS:
            started = time.perf_counter()
            jobs = [(name, key, row["url"]) for key, row in sorted(truth.items())]
            result = average(pool.map(score_one, jobs, chunksize=8))
            seconds = time.perf_counter() - started
            print(f"{name:<26} {result.precision:9.4f} {result.recall:7.4f} {result.f1:7.4f} {seconds:8.1f}")


if __name__ == "__main__":
    main()
