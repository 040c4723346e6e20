"""How well `corpus.symbols` finds UN document symbols, and what the shared corpora cite.

    python bench/symbols_report.py [--samples N] [--seed S]

Prints precision and recall of `find_symbols` on the test set of `tests/test_symbols.py` (each case's
expected symbols against those found), then, per shared corpus: documents citing at least one symbol
(written as a symbol, or only in words), the most cited symbols and bodies, and N sample citations
with their context to review by reading.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.symbols import Symbol, find_symbols  # noqa: E402
from tests.test_symbols import IN_WORDS, NEAR_MISSES, NO_CLEAR_BODY, WRITTEN  # noqa: E402

CORPORA = sorted((ROOT.parent / "shared" / "data" / "corpora").glob("*.jsonl"))


def test_set_scores() -> None:
    """Print precision and recall on each table of the test set and on all of it."""
    tables = {
        "written symbols": WRITTEN,
        "near-misses": [(text, []) for text in NEAR_MISSES],
        "in words, body clear": IN_WORDS,
        "in words, body unclear": [(text, []) for text in NO_CLEAR_BODY],
    }
    totals = Counter[str]()
    print("test set                 cases   expected  found  correct  precision  recall")
    for name, cases in tables.items():
        counts = Counter[str]()
        for text, expected in cases:
            found = [symbol.symbol for symbol in find_symbols(text)]
            counts.update(expected=len(expected), found=len(found), correct=len(set(found) & set(expected)))
        totals.update(counts)
        _score_line(name, len(cases), counts)
    _score_line("all", sum(map(len, tables.values())), totals)


def _score_line(name: str, cases: int, counts: Counter[str]) -> None:
    precision = counts["correct"] / counts["found"] if counts["found"] else 1.0
    recall = counts["correct"] / counts["expected"] if counts["expected"] else 1.0
    print(f"{name:<24} {cases:>5} {counts['expected']:>10} {counts['found']:>6} {counts['correct']:>8}"
          f" {precision:>10.3f} {recall:>7.3f}")


def corpus_report(path: Path) -> list[tuple[str, Symbol]]:
    """Run find_symbols over one corpus (title and body), print what its documents cite, return it."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    cited: list[tuple[str, Symbol]] = []
    as_symbol = only_in_words = 0
    for row in rows:
        text = f"{row.get('title') or ''}\n\n{row.get('body') or ''}"
        found = find_symbols(text)
        cited += [(text, symbol) for symbol in found]
        if any(not symbol.in_words for symbol in found):
            as_symbol += 1
        elif found:
            only_in_words += 1
    print(f"\n== {path.name}: {len(rows)} documents")
    print(f"cite at least one symbol: {as_symbol + only_in_words} "
          f"({as_symbol} write a symbol, {only_in_words} cite only in words); {len(cited)} citations")
    symbols = Counter(symbol.symbol for _, symbol in cited)
    bodies = Counter(symbol.body for _, symbol in cited)
    print("most cited symbols:", ", ".join(f"{name} ({n})" for name, n in symbols.most_common(10)) or "-")
    print("most cited bodies:", ", ".join(f"{name} ({n})" for name, n in bodies.most_common()) or "-")
    return cited


def print_samples(cited: list[tuple[str, Symbol]], samples: int, rng: random.Random) -> None:
    """Print a sample of citations, each with the text around its first appearance."""
    print(f"\n== {min(samples, len(cited))} of {len(cited)} citations, to read")
    for text, symbol in rng.sample(cited, min(samples, len(cited))):
        at = text.find(symbol.cited_as)
        context = " ".join(text[max(0, at - 120):at + len(symbol.cited_as) + 60].split())
        print(f"\n  {symbol.symbol} [{symbol.body}] {symbol.url}\n    ...{context}...")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20, help="citations to print for reading")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    test_set_scores()
    cited = [citation for path in CORPORA for citation in corpus_report(path)]
    print_samples(cited, args.samples, random.Random(args.seed))


if __name__ == "__main__":
    main()
