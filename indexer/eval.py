"""Measure retrieval against judged queries: BEIR files in, nDCG@10, recall@100 and MRR@10 out.

Queries are BEIR `queries.jsonl` (`_id`, `text`); judgements are a BEIR qrels TSV with the header
`query-id corpus-id score`, whose corpus ids are the imported documents' ids. The metrics follow
the usual trec_eval/pytrec_eval definitions: graded gains (the judged score itself), a log2
discount, and an ideal DCG computed from every judged document of the query, not only the retrieved.
Only queries with at least one relevant (score > 0) judgement are averaged.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

Qrels = Mapping[str, Mapping[str, int]]


class EvalInputError(ValueError):
    """A queries or qrels file that cannot be read."""


def load_queries(path: Path) -> dict[str, str]:
    """Read BEIR queries.jsonl into {query id: text}."""
    queries: dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                queries[str(row["_id"])] = str(row["text"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise EvalInputError(f"{path}:{number}: not a BEIR query line ({exc})") from exc
    return queries


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    """Read a BEIR qrels TSV (header `query-id corpus-id score`) into {query id: {doc id: grade}}."""
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        header = next(rows, None)
        if header is None or [h.strip() for h in header[:3]] != ["query-id", "corpus-id", "score"]:
            raise EvalInputError(f"{path}: the first line must be the header 'query-id corpus-id score'")
        for number, row in enumerate(rows, start=2):
            if not row:
                continue
            try:
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
            except (IndexError, ValueError) as exc:
                raise EvalInputError(f"{path}:{number}: expected query-id, corpus-id, score") from exc
    return qrels


def ndcg_at(ranking: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with graded gains and a log2 discount; the ideal ranks every judged document."""
    dcg = sum(judged.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranking[:k]))
    ideal_gains = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    ideal = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal_gains))
    return dcg / ideal if ideal > 0 else 0.0


def recall_at(ranking: Sequence[str], judged: Mapping[str, int], k: int = 100) -> float:
    """Share of the relevant (grade > 0) documents found in the top k."""
    relevant = {doc for doc, g in judged.items() if g > 0}
    return len(relevant.intersection(ranking[:k])) / len(relevant) if relevant else 0.0


def mrr_at(ranking: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    """Reciprocal rank of the first relevant document in the top k, or 0."""
    for rank, doc in enumerate(ranking[:k], start=1):
        if judged.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


@dataclass(frozen=True)
class Scores:
    """Mean metrics of one run over the judged queries."""

    mode: str
    queries: int
    k: int
    ndcg: float
    recall100: float
    mrr: float
    ms_per_query: float

    def line(self) -> str:
        """One aligned line for the terminal."""
        return (f"{self.mode:<9} nDCG@{self.k} {self.ndcg:.4f}  recall@100 {self.recall100:.4f}  "
                f"MRR@{self.k} {self.mrr:.4f}  ({self.queries} queries, {self.ms_per_query:.1f} ms/query)")


# A ranker maps (query text, depth) to (document id, score) pairs, best first.
Ranker = Callable[[str, int], list[tuple[str, float]]]


def run_queries(ranker: Ranker, queries: Mapping[str, str], qrels: Qrels,
                depth: int = 100) -> tuple[dict[str, list[tuple[str, float]]], float]:
    """Rank every judged query; return the run and the mean milliseconds per query."""
    judged = [q for q in queries if any(g > 0 for g in qrels.get(q, {}).values())]
    run: dict[str, list[tuple[str, float]]] = {}
    started = time.perf_counter()
    for qid in judged:
        run[qid] = ranker(queries[qid], depth)
    elapsed = (time.perf_counter() - started) * 1000
    return run, elapsed / len(judged) if judged else 0.0


def score_run(mode: str, run: Mapping[str, list[tuple[str, float]]], qrels: Qrels, k: int = 10,
              ms_per_query: float = 0.0) -> Scores:
    """Average nDCG@k, recall@100 and MRR@k of a run over its queries."""
    rankings = {q: [doc for doc, _ in ranked] for q, ranked in run.items()}
    n = len(rankings)

    def mean(metric: Callable[[Sequence[str], Mapping[str, int], int], float], cutoff: int) -> float:
        return sum(metric(r, qrels[q], cutoff) for q, r in rankings.items()) / n if n else 0.0

    return Scores(mode, n, k, mean(ndcg_at, k), mean(recall_at, 100), mean(mrr_at, k), ms_per_query)


def write_trec_run(handle: TextIO, run: Mapping[str, list[tuple[str, float]]], tag: str) -> None:
    """Write a run in TREC format: `qid Q0 docid rank score tag`."""
    for qid, ranked in run.items():
        for rank, (doc, score) in enumerate(ranked, start=1):
            handle.write(f"{qid} Q0 {doc} {rank} {score:.6f} {tag}\n")
