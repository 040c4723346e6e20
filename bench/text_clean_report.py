"""What the text cleaner (`corpus.text_clean`) does to the bodies of the shared corpora.

    python bench/text_clean_report.py [--samples N] [--seed S] [--rule NAME]

Prints, per corpus: bodies changed, characters removed, how often each rule fired, and N sample
diffs (removed lines with "-", kept lines that changed with "+") to review by reading.
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.text_clean import clean_text  # noqa: E402

CORPORA = sorted((ROOT.parent / "shared" / "data" / "corpora").glob("*.jsonl"))


def report(path: Path, samples: int, rng: random.Random, rule: str | None) -> None:
    """Clean every body of one corpus as the importer does and print the figures and samples."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rules: Counter[str] = Counter()
    changed: list[tuple[dict, str]] = []
    removed = total = 0
    for row in rows:
        body = (row.get("body") or row.get("text") or "").strip()
        cleaned = clean_text(body, title=row.get("title") or "", date=row.get("date"))
        total += len(body)
        if cleaned.body != body:
            changed.append((row, cleaned.body))
            removed += len(body) - len(cleaned.body)
            rules.update(cleaned.rules)
    print(f"== {path.name}: {len(rows)} bodies, {len(changed)} changed ({len(changed) / len(rows):.1%}), "
          f"{removed:,} of {total:,} characters removed ({removed / max(total, 1):.2%})")
    for name, count in rules.most_common():
        print(f"   {name:16} {count}")
    pool = [c for c in changed if rule is None or rule in clean_text(
        (c[0].get("body") or "").strip(), title=c[0].get("title") or "", date=c[0].get("date")).rules]
    for row, body in rng.sample(pool, min(samples, len(pool))):
        print(f"\n-- {row.get('id')}: {row.get('title', '')[:90]}")
        before = (row.get("body") or "").strip().split("\n\n")
        for line in difflib.ndiff(before, body.split("\n\n")):
            if line.startswith(("- ", "+ ")):
                print(f"   {line[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=3, help="sample diffs per corpus (default 3)")
    parser.add_argument("--seed", type=int, default=15, help="random seed for the samples (default 15)")
    parser.add_argument("--rule", help="sample only bodies where this rule fired")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for path in CORPORA:
        report(path, args.samples, rng, args.rule)


if __name__ == "__main__":
    main()
