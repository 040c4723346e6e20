"""Near-duplicate documents in the shared corpora: exact shingle overlaps against what the index groups.

    python bench/duplicates_report.py [--threshold 0.5]

Computes, for every pair of documents of both shared corpora sharing five-word sequences, their
exact Jaccard similarity and containment (shared shingles over the smaller set), lists the pairs
above 0.2 containment (to read where the threshold falls), and compares the exact groups at the
threshold with the MinHash/LSH stories the build computes (indexer/duplicates.py): pairs found,
pairs missed, groups and their titles. Takes a few seconds; figures go to docs/research-features.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexer import duplicates  # noqa: E402

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpora"
COMMON = 50  # a shingle in more documents than this is boilerplate, not evidence of copying


def shingles(text: str) -> set[int]:
    """The hashed word 5-shingles of a text, as the index makes them."""
    words = duplicates._WORD.findall(text.casefold())
    return {zlib.crc32(" ".join(words[i : i + duplicates.SHINGLE]).encode()) for i in range(len(words) - 4)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threshold", type=float, default=duplicates.SAME_STORY)
    args = parser.parse_args()
    docs = [json.loads(line) | {"file": path.name} for path in sorted(CORPORA.glob("*.jsonl"))
            for line in path.open(encoding="utf-8")]
    sets = [shingles(d["body"]) for d in docs]
    postings: dict[int, list[int]] = defaultdict(list)
    for number, found in enumerate(sets):
        for shingle in found:
            postings[shingle].append(number)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for holders in postings.values():
        if len(holders) <= COMMON:
            for pair in itertools.combinations(holders, 2):
                shared[pair] += 1
    pairs = []
    for (a, b), n in shared.items():
        jaccard, containment = n / len(sets[a] | sets[b]), n / min(len(sets[a]), len(sets[b]))
        if containment >= 0.2:
            pairs.append((jaccard, containment, a, b))
    pairs.sort(reverse=True)
    print(f"{len(docs)} documents; pairs sharing at least 20% of the smaller one's five-word sequences:")
    for jaccard, containment, a, b in pairs:
        print(f"  J {jaccard:.3f}  C {containment:.3f}  {docs[a]['title'][:55]!r} | {docs[b]['title'][:55]!r}")
    print(f"pairs over 30% containment: {sum(c > 0.3 for _, c, _, _ in pairs)}; "
          f"over Jaccard {args.threshold}: {sum(j >= args.threshold for j, _, _, _ in pairs)}")
    started = time.perf_counter()
    rows = duplicates.signatures([d["body"] for d in docs])
    story = duplicates.stories(rows, args.threshold)
    seconds = time.perf_counter() - started
    exact = {(a, b) for j, _, a, b in pairs if j >= args.threshold}
    found = {(a, b) for a, b in itertools.combinations(range(len(docs)), 2) if story[a] == story[b]}
    groups = [np.flatnonzero(story == s) for s in np.unique(story) if (story == s).sum() > 1]
    print(f"MinHash/LSH ({duplicates.HASHES} hashes, {duplicates.BANDS} bands of {duplicates.ROWS}) in "
          f"{seconds:.2f} s: {len(groups)} groups of {sum(len(g) for g in groups)} documents; exact pairs over "
          f"the threshold {len(exact)}, grouped {len(exact & found)}, grouped without being over it "
          f"{len(found - exact)}")
    for group in groups:
        print("  group: " + " | ".join(f"{docs[i]['file'][:4]}:{docs[i]['title'][:50]!r}" for i in group))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
