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

from corpus.config import load_settings  # noqa: E402
from indexer.chunk import Passage  # noqa: E402
from indexer.embed import Embedder  # noqa: E402
from indexer.eval import load_qrels, load_queries, score_run  # noqa: E402
from indexer.fusion import DocHit, fuse, group, normalise  # noqa: E402
from indexer.keywords import KeywordIndex  # noqa: E402
from indexer.passages import KeywordQuery  # noqa: E402
from indexer.search import Searcher  # noqa: E402

DEPTH = 1000
TITLE_WEIGHTS = (0.5, 1.0, 2.0)


def rrf(semantic: list[DocHit], keyword: list[DocHit], weight: float, k: int = 60) -> list[DocHit]:
    """Weighted reciprocal rank fusion, for comparison."""
    scores: dict[str, float] = {}
    for hits, w in ((semantic, weight), (keyword, 1 - weight)):
        for rank, h in enumerate(hits):
            scores[h.doc_id] = scores.get(h.doc_id, 0.0) + w / (k + rank + 1)
    return [DocHit(d, s, -1) for d, s in sorted(scores.items(), key=lambda x: -x[1])]


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
    loaded = searcher._current()
    passages = searcher._passages(loaded)
    rows = passages.conn.execute("SELECT id, doc_id, ordinal, title, text FROM passages ORDER BY id").fetchall()
    ids, stored = [r[0] for r in rows], [Passage(r[1], r[2], r[4], r[3]) for r in rows]
    # The title's weight is fixed when the keyword index is built: build one per weight, in memory.
    keyword_indexes = {tw: KeywordIndex.build(ids, stored, tw) for tw in TITLE_WEIGHTS}
    cached = {}
    for qid in qrels:
        if qid not in queries:
            continue
        text = queries[qid]
        scores, ids = loaded.vectors.search(searcher.embedder.encode_query(text), DEPTH)
        sem = [(int(i), float(s)) for s, i in zip(scores, ids, strict=True) if i >= 0]
        kws = {tw: index.search(KeywordQuery.parse(text).words, DEPTH) for tw, index in keyword_indexes.items()}
        ids = {p for p, _ in sem} | {p for kw in kws.values() for p, _ in kw}
        cached[qid] = (sem, kws, loaded.keywords.doc_ids_of(ids))
    print(f"{len(cached)} training queries")

    def report(name: str, ranked: dict[str, list[DocHit]]) -> None:
        run = {q: [(h.doc_id, h.score) for h in hits[:100]] for q, hits in ranked.items()}
        s = score_run(name, run, qrels)
        print(f"{name:<28} nDCG@10 {s.ndcg:.4f}  recall@100 {s.recall100:.4f}  MRR@10 {s.mrr:.4f}")

    for tw in TITLE_WEIGHTS:
        for bonus in (0.0, 0.1, 0.2):
            docs = {q: (group(normalise(sem), doc_of, bonus), group(normalise(kws[tw]), doc_of, bonus))
                    for q, (sem, kws, doc_of) in cached.items()}
            report(f"semantic bonus={bonus}", {q: s for q, (s, _) in docs.items()})
            report(f"keyword tw={tw} bonus={bonus}", {q: k for q, (_, k) in docs.items()})
            for w in (0.3, 0.4, 0.5, 0.6, 0.7):
                report(f"score tw={tw} w={w} b={bonus}", {q: fuse(s, k, w) for q, (s, k) in docs.items()})
                report(f"rrf tw={tw} w={w} b={bonus}", {q: rrf(s, k, w) for q, (s, k) in docs.items()})

if __name__ == "__main__":
    main()
