"""The evaluation harness: metrics against hand-computed cases, BEIR file reading, the eval command."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest

from indexer.eval import (
    EvalInputError,
    load_qrels,
    load_queries,
    mrr_at,
    ndcg_at,
    recall_at,
    run_queries,
    score_run,
    write_trec_run,
)
from tests.conftest import run_cli

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_ndcg_uses_graded_gains_log2_discount_and_all_judged_documents() -> None:
    judged = {"a": 2, "b": 1, "c": 1, "z": 0}
    # Retrieved: b (gain 1) at rank 1, x (unjudged) at 2, a (gain 2) at 3.
    dcg = 1 / math.log2(2) + 0 + 2 / math.log2(4)
    # The ideal ranks every judged relevant document, retrieved or not: a, b, c.
    ideal = 2 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at(["b", "x", "a"], judged) == pytest.approx(dcg / ideal)
    assert ndcg_at(["a", "b", "c"], judged) == pytest.approx(1.0)
    assert ndcg_at(["z", "x"], judged) == 0.0


def test_ndcg_cuts_at_k_and_ideal_is_cut_too() -> None:
    judged = {f"d{i}": 1 for i in range(12)}
    assert ndcg_at([f"d{i}" for i in range(12)], judged, k=10) == pytest.approx(1.0)
    # The only hit at rank 11 is past the cutoff.
    assert ndcg_at([f"x{i}" for i in range(10)] + ["d0"], judged, k=10) == 0.0


def test_recall_and_mrr() -> None:
    judged = {"a": 1, "b": 1, "c": 1, "d": 0, "e": 2}
    ranking = ["d", "x", "b", "e"]
    assert recall_at(ranking, judged, k=100) == pytest.approx(2 / 4)
    assert recall_at(ranking, judged, k=3) == pytest.approx(1 / 4)
    assert mrr_at(ranking, judged, k=10) == pytest.approx(1 / 3)
    assert mrr_at(ranking, judged, k=2) == 0.0


def test_score_run_averages_over_queries_and_runs_only_judged_ones() -> None:
    queries = {"q1": "alpha", "q2": "beta", "q3": "unjudged"}
    qrels = {"q1": {"a": 1}, "q2": {"b": 1, "c": 1}, "q3": {"a": 0}}
    ranker = {"alpha": [("a", 2.0), ("x", 1.0)], "beta": [("x", 1.0), ("c", 0.5)]}
    run, _ = run_queries(lambda text, depth: ranker[text][:depth], queries, qrels)
    assert set(run) == {"q1", "q2"}
    scores = score_run("hybrid", run, qrels)
    assert scores.queries == 2
    ideal_q2 = 1 + 1 / math.log2(3)
    assert scores.ndcg == pytest.approx((1.0 + (1 / math.log2(3)) / ideal_q2) / 2)
    assert scores.recall100 == pytest.approx((1.0 + 0.5) / 2)
    assert scores.mrr == pytest.approx((1.0 + 0.5) / 2)


def test_trec_run_format() -> None:
    out = io.StringIO()
    write_trec_run(out, {"q1": [("a", 2.0), ("b", 1.5)]}, "tag")
    assert out.getvalue() == "q1 Q0 a 1 2.000000 tag\nq1 Q0 b 2 1.500000 tag\n"


def test_beir_files_are_read_and_bad_ones_rejected_with_the_line(tmp_path: Path) -> None:
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"_id": "1", "text": "torture"}\n\n{"_id": 2, "text": "bans"}\n')
    assert load_queries(queries) == {"1": "torture", "2": "bans"}
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\n1\tdocA\t2\n1\tdocB\t0\n")
    assert load_qrels(qrels) == {"1": {"docA": 2, "docB": 0}}
    qrels.write_text("1\tdocA\t2\n")
    with pytest.raises(EvalInputError, match="header"):
        load_qrels(qrels)
    queries.write_text('{"text": "no id"}\n')
    with pytest.raises(EvalInputError, match=":1:"):
        load_queries(queries)


def test_hr_benchmark_files_are_consistent() -> None:
    # Two judged sets share the queries file: hr-qrels (hr01..) and hr-meaning-qrels (hm01..), each
    # with train and test halves that split its judgements exactly, by whole queries.
    queries = load_queries(BENCH / "hr-queries.jsonl")
    sets = {"hr-qrels": ("hr", 30), "hr-meaning-qrels": ("hm", 40)}
    judged_ids: list[set[str]] = []
    for name, (prefix, least) in sets.items():
        qrels = load_qrels(BENCH / f"{name}.tsv")
        assert len(qrels) >= least and all(qid.startswith(prefix) for qid in qrels)
        assert all(any(g > 0 for g in judged.values()) for judged in qrels.values())
        assert all(g in (0, 1, 2) for judged in qrels.values() for g in judged.values())
        train, test = (load_qrels(BENCH / f"{name}-{half}.tsv") for half in ("train", "test"))
        assert not set(train) & set(test)
        assert {**train, **test} == qrels
        judged_ids.append(set(qrels))
    assert not judged_ids[0] & judged_ids[1]
    assert set().union(*judged_ids) == set(queries)


@pytest.mark.slow
def test_eval_command_prints_every_mode_and_writes_a_run(shared_data: Path, tmp_path: Path) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"_id": "t", "text": "Temirov Live journalists arrested"}\n')
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\nt\tkyrgyzstan-immediately-cease-harassment-independent-media\t1\n")
    run = tmp_path / "run.trec"
    out = run_cli("indexer", "eval", "--queries", str(queries), "--qrels", str(qrels), "--run", str(run),
                  data=shared_data).stdout
    for mode in ("hybrid", "semantic", "keyword"):
        assert f"{mode} " in out and (tmp_path / f"run.{mode}.trec").exists()
    assert "nDCG@10 1.0000" in out
    first = (tmp_path / "run.hybrid.trec").read_text().splitlines()[0].split()
    assert first[:4] == ["t", "Q0", "kyrgyzstan-immediately-cease-harassment-independent-media", "1"]
