"""Calibrate the relevant set's two bounds on training queries; report them on held-out queries.

    python bench/relevance_calibration.py --data /tmp/hr --queries bench/hr-queries.jsonl \
        --train bench/hr-qrels-train.tsv --test bench/hr-qrels-test.tsv

Cosines depend on the corpus and the model (SciFact's relevant abstracts sit lower than our
releases), so each collection is calibrated on its own training queries: the product's defaults
come from the HR training half; SciFact's evaluation passes its own values.

For every judged query it computes, over the whole corpus, each document's best-passage cosine
(the semantic half's criterion) and its IDF-weighted coverage of the query's terms (the lexical
half's), then:

- semantic_threshold: the highest cosine that keeps `--keep` (default 95%) of the training
  queries' judged-relevant documents in the semantic half, raised if need be to stay MARGIN above
  the best cosine of `--nonsense` random letter strings (the "unrelated" side of the calibration);
- keyword_coverage: the highest coverage (in steps of 0.05) that, united with that semantic half,
  keeps `--keep-union` (default 99%) of them in the relevant set.

Printed for the train and held-out sets alike: recall of each half and of their union (share of
judged-relevant documents inside the set), the set's median size, and its judged precision (share
of the set's documents judged relevant: a floor, since unjudged documents count as not relevant).
Also printed: the random strings' best cosines, and a sweep of both bounds around the chosen values.
"""

from __future__ import annotations

import argparse
import os
import random
import string
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from corpus.config import load_settings  # noqa: E402
from indexer.embed import Embedder  # noqa: E402
from indexer.eval import load_qrels, load_queries  # noqa: E402
from indexer.keywords import query_terms  # noqa: E402
from indexer.live import LoadedIndex  # noqa: E402
from indexer.passages import KeywordQuery  # noqa: E402

MARGIN = 0.02  # how far above the closest random string the semantic threshold stays


def nonsense_strings(count: int) -> list[str]:
    """Random letter strings, one to three words, some in mixed case: queries that mean nothing."""
    rng = random.Random(0)
    strings = []
    for i in range(count):
        letters = string.ascii_letters if i % 3 == 2 else string.ascii_lowercase
        words = 1 if i % 4 else rng.randint(2, 3)
        strings.append(" ".join("".join(rng.choices(letters, k=rng.randint(3, 12))) for _ in range(words)))
    return strings


def closeness(index: LoadedIndex, embedder: Embedder, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(best-passage cosine, term coverage) of every document of the index for one query."""
    scores, ids = index.vectors.search(embedder.encode_query(text), len(index.vectors))
    rows = np.searchsorted(index.keywords.row_ids, ids)
    best = np.full(len(index.fields), -1.0)
    np.maximum.at(best, index.keywords.row_docs[rows], scores)
    parsed = KeywordQuery.parse(text)
    terms = query_terms(parsed.words + parsed.phrases)
    coverage = index.keywords.coverage(terms) if terms else np.zeros(len(index.fields))
    return best, coverage


def report(name: str, judged: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], tau: float,
           kappa: float) -> None:
    """Recall of each half and of the union, median set size and judged precision, at (tau, kappa)."""
    found = {"semantic": [0, 0], "lexical": [0, 0], "union": [0, 0]}
    sizes, precisions = [], []
    for best, coverage, relevant in judged.values():
        halves = {"semantic": best >= tau, "lexical": coverage >= kappa}
        halves["union"] = halves["semantic"] | halves["lexical"]
        for half, member in halves.items():
            found[half][0] += int(member[relevant].sum())
            found[half][1] += len(relevant)
        sizes.append(int(halves["union"].sum()))
        precisions.append(halves["union"][relevant].sum() / max(1, halves["union"].sum()))
    recall = {half: hit / max(1, n) for half, (hit, n) in found.items()}
    print(f"{name:<6} recall: semantic {recall['semantic']:.3f}  lexical {recall['lexical']:.3f}  "
          f"union {recall['union']:.3f}  | set size median {int(np.median(sizes))}, "
          f"judged precision {np.mean(precisions):.3f} ({len(judged)} queries)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="indexed data folder of the collection")
    parser.add_argument("--queries", type=Path, required=True, help="BEIR queries.jsonl")
    parser.add_argument("--train", type=Path, required=True, help="training qrels (calibrate on these)")
    parser.add_argument("--test", type=Path, required=True, help="held-out qrels (report on these)")
    parser.add_argument("--keep", type=float, default=0.95, help="training recall the semantic half keeps")
    parser.add_argument("--keep-union", type=float, default=0.99, help="training recall the union keeps")
    parser.add_argument("--nonsense", type=int, default=400,
                        help="random strings the threshold must stay above (0: none; in a biomedical corpus "
                        "such strings are gene and compound names, not nonsense)")
    args = parser.parse_args()

    embedder = Embedder()
    settings = load_settings(args.data)
    index = LoadedIndex.open(settings.index_path.resolve(), settings.model)
    numbers = index.document_numbers()
    queries = load_queries(args.queries)
    sets: list[dict[str, tuple]] = []
    for path in (args.train, args.test):
        judged = {}
        for qid, grades in load_qrels(path).items():
            relevant = np.array([numbers[d] for d, g in grades.items() if g > 0 and d in numbers], dtype=int)
            if len(relevant) and qid in queries:
                judged[qid] = (*closeness(index, embedder, queries[qid]), relevant)
        sets.append(judged)
    train, test = sets
    nonsense = [float(closeness(index, embedder, s)[0].max()) for s in nonsense_strings(args.nonsense)]

    relevant_cosines = np.concatenate([best[rel] for best, _, rel in train.values()])
    tau = max(float(np.quantile(relevant_cosines, 1 - args.keep, method="lower")), max(nonsense, default=-1) + MARGIN)
    kappa = 0.05
    for candidate in np.round(np.arange(1.0, 0.0, -0.05), 2):
        found = sum(int(((best >= tau) | (cov >= candidate))[rel].sum()) for best, cov, rel in train.values())
        if found / len(relevant_cosines) >= args.keep_union:
            kappa = float(candidate)
            break
    print(f"{args.data} ({len(index.fields)} documents), {cpu_name()}")
    print(f"semantic_threshold {tau:.3f} (keeps {np.mean(relevant_cosines >= tau):.1%} of train's relevant "
          f"documents{f'; at least {MARGIN} above every random string' if nonsense else ''}), keyword_coverage {kappa:.2f} (the union "
          f"keeps {args.keep_union:.0%})")
    if nonsense:
        print(f"{len(nonsense)} random strings: best cosine median {np.median(nonsense):.3f}, "
              f"99th percentile {np.quantile(nonsense, 0.99):.3f}, max {max(nonsense):.3f}")
    report("train", train, tau, kappa)
    report("test", test, tau, kappa)
    print("sweep (held-out recall of the union / median set size):")
    for t in (tau - 0.05, tau, tau + 0.05):
        cells = []
        for k in sorted({max(0.0, kappa + step) for step in (-0.2, -0.1, 0.0, 0.1)}):
            found = sum(int(((b >= t) | (c >= k))[r].sum()) for b, c, r in test.values())
            total = sum(len(r) for _, _, r in test.values())
            size = np.median([((b >= t) | (c >= k)).sum() for b, c, _ in test.values()])
            cells.append(f"κ {k:.2f}: {found / total:.3f} / {size:.0f}")
        print(f"  τ {t:.3f}  " + "   ".join(cells))
    return 0


def cpu_name() -> str:
    """The processor's model name and its widest vector extension."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    return f"{name}, {'AVX-512 VNNI' if 'avx512_vnni' in info else 'AVX2' if 'avx2' in info else 'no AVX2'}"


if __name__ == "__main__":
    raise SystemExit(main())
