"""Tune hybrid fusion on TRAINING queries: rank each query once per side, then sweep the settings.

    python bench/fusion_sweep.py --data /tmp/scifact \\
        --queries ../shared/data/beir-scifact/queries.jsonl --qrels ../shared/data/beir-scifact/qrels/train.tsv

Both passage rankings (vector and BM25) are computed once per query and cached, so each setting
costs only the fusion. Besides the weighted score fusion the Searcher uses, it scores reciprocal
rank fusion (RRF, k=60) as the usual baseline. Never point it at test qrels: that is fitting the test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from corpus.config import load_settings  # noqa: E402
from indexer.chunk import Passage  # noqa: E402
from indexer.embed import Embedder  # noqa: E402
from indexer.eval import load_qrels, load_queries, score_run  # noqa: E402
from indexer.fusion import Side, fuse, group, scale  # noqa: E402
from indexer.keywords import KeywordIndex, query_terms  # noqa: E402
from indexer.passages import KeywordQuery  # noqa: E402
from indexer.search import Searcher  # noqa: E402

DEPTH = 1000
TITLE_WEIGHTS = (0.5, 1.0, 2.0)
Ranked = list[tuple[str, float]]


def ranked(documents: list[str], score: np.ndarray, reached: np.ndarray) -> Ranked:
    """The documents a side reached, best first, as (id, score)."""
    docs = np.flatnonzero(reached)
    docs = docs[np.argsort(-score[docs], kind="stable")]
    return [(documents[d], float(score[d])) for d in docs.tolist()]


def rrf(semantic: Ranked, keyword: Ranked, weight: float, k: int = 60) -> Ranked:
    """Weighted reciprocal rank fusion, for comparison."""
    scores: dict[str, float] = {}
    for hits, w in ((semantic, weight), (keyword, 1 - weight)):
        for rank, (doc, _) in enumerate(hits):
            scores[doc] = scores.get(doc, 0.0) + w / (k + rank + 1)
    return sorted(scores.items(), key=lambda x: -x[1])


def main() -> None:
    """Print nDCG@10 / recall@100 / MRR@10 for a grid of fusion settings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--qrels", type=Path, required=True)
    args = parser.parse_args()
    if "test" in args.qrels.name:
        sys.exit("refusing to tune on test qrels")
    queries, qrels = load_queries(args.queries), load_qrels(args.qrels)
    settings = load_settings(args.data)
    # One thread: far faster than contending for all cores on a shared machine.
    searcher = Searcher(settings, Embedder(settings.model, threads=1, backend=settings.embed_backend,
                                           cache_dir=settings.models_path))
    loaded = searcher.live.current()
    rows = loaded.passages().conn.execute(
        "SELECT id, doc_id, ordinal, title, text FROM passages ORDER BY id").fetchall()
    ids, stored = [r[0] for r in rows], [Passage(r[1], r[2], r[4], r[3]) for r in rows]
    # The title's weight is fixed when the keyword index is built: build one per weight, in memory.
    keyword_indexes = {tw: KeywordIndex.build(ids, stored, tw) for tw in TITLE_WEIGHTS}
    documents, row_ids, row_docs = loaded.keywords.documents, loaded.keywords.row_ids, loaded.keywords.row_docs

    def side_input(passage_ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return passage_ids, row_docs[np.searchsorted(row_ids, passage_ids)], scores

    cached = {}
    for qid in qrels:
        if qid not in queries:
            continue
        text = queries[qid]
        scores, found = loaded.vectors.search(searcher.embedder.encode_query(text), DEPTH)
        sem = side_input(found[found >= 0], scores[found >= 0])
        terms = query_terms(KeywordQuery.parse(text).words)
        kws = {}
        for tw, index in keyword_indexes.items():
            kw_rows, kw_scores = index.ranked_rows(terms, DEPTH)
            kws[tw] = side_input(index.row_ids[kw_rows], kw_scores)
        cached[qid] = (sem, kws)
    print(f"{len(cached)} training queries")

    def sides(inputs: tuple[np.ndarray, np.ndarray, np.ndarray], bonus: float) -> Side:
        passages, docs, scores = inputs
        return group(passages, docs, scores, len(documents), bonus, scale(scores))

    def report(name: str, run: dict[str, Ranked]) -> None:
        s = score_run(name, {q: hits[:100] for q, hits in run.items()}, qrels)
        print(f"{name:<28} nDCG@10 {s.ndcg:.4f}  recall@100 {s.recall100:.4f}  MRR@10 {s.mrr:.4f}")

    for tw in TITLE_WEIGHTS:
        for bonus in (0.0, 0.1, 0.2):
            docs = {q: (sides(sem, bonus), sides(kws[tw], bonus)) for q, (sem, kws) in cached.items()}
            one = {q: (ranked(documents, s.score, s.reached), ranked(documents, k.score, k.reached))
                   for q, (s, k) in docs.items()}
            report(f"semantic bonus={bonus}", {q: s for q, (s, _) in one.items()})
            report(f"keyword tw={tw} bonus={bonus}", {q: k for q, (_, k) in one.items()})
            for w in (0.3, 0.4, 0.5, 0.6, 0.7):
                report(f"score tw={tw} w={w} b={bonus}",
                       {q: ranked(documents, fuse(s, k, w)[0], s.reached | k.reached) for q, (s, k) in docs.items()})
                report(f"rrf tw={tw} w={w} b={bonus}", {q: rrf(s, k, w) for q, (s, k) in one.items()})


if __name__ == "__main__":
    main()
