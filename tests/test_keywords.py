"""The keyword index: BM25 as written in the textbook, champion lists, coverage, updates, files."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import HRW, read_jsonl

from indexer.chunk import Passage
from indexer.keywords import K1, B, KeywordIndex, query_terms, tokens

# Queries of several words, common and rare, so that the ranking's shortcuts have something to skip.
QUERIES = (["journalists", "detained", "protest"], ["human", "rights", "police", "torture", "Egypt"],
           ["women", "court", "sentenced", "activists", "prison", "government"], ["the", "rights"])


@pytest.fixture(scope="module")
def passages() -> list[tuple[int, str, str]]:
    """(id, title, text) of real release paragraphs, ids not starting at 0 and with gaps."""
    rows = []
    for number, record in enumerate(read_jsonl(HRW, 30)):
        for part, paragraph in enumerate(p for p in record["body"].split("\n\n") if p.strip()):
            rows.append((1000 + 1000 * number + part, record["title"], paragraph))
    return rows


def _passages(rows: list[tuple[int, str, str]]) -> list[Passage]:
    return [Passage(_owner(pid), pid % 1000, text, title) for pid, title, text in rows]


def _index(rows: list[tuple[int, str, str]]) -> KeywordIndex:
    return KeywordIndex.build([r[0] for r in rows], _passages(rows))


def _bm25(rows: list[tuple[int, str, str]], query: list[str], title_weight: float = 0.5) -> dict[int, float]:
    """BM25 computed directly from its definition, one passage at a time."""
    bags, lengths = {}, {}
    for pid, title, text in rows:
        body, head = tokens(text), tokens(title)
        bags[pid] = Counter(body) + Counter({t: title_weight * c for t, c in Counter(head).items()})
        lengths[pid] = len(body) + title_weight * len(head)
    average = sum(lengths.values()) / len(lengths)
    scores: dict[int, float] = {}
    for term in {t for w in query for t in tokens(w)}:
        df = sum(1 for bag in bags.values() if term in bag)
        idf = math.log(1 + (len(rows) - df + 0.5) / (df + 0.5))
        for pid, bag in bags.items():
            if term in bag:
                tf = bag[term]
                norm = K1 * (1 - B + B * lengths[pid] / average)
                scores[pid] = scores.get(pid, 0.0) + idf * tf * (K1 + 1) / (tf + norm)
    return scores


def _owner(pid: int) -> str:
    """The document of a passage id (ids past a million are a re-added document's)."""
    return f"doc-{pid % 1_000_000 // 1000}"


def _coverage(rows: list[tuple[int, str, str]], query: list[str]) -> dict[str, float]:
    """Each document's share of the query terms' IDF that its passages hold, from the definition."""
    held: dict[str, set[str]] = {}
    for pid, title, text in rows:
        held.setdefault(_owner(pid), set()).update(tokens(text), tokens(title))
    idf = {}
    for term in query_terms(query):
        df = sum(1 for _, title, text in rows if term in tokens(text) + tokens(title))
        idf[term] = math.log(1 + (len(rows) - df + 0.5) / (df + 0.5))
    total = sum(idf.values())
    return {doc: sum(w for t, w in idf.items() if t in terms) / total for doc, terms in held.items()}


def _check_top(index: KeywordIndex, expected: dict[int, float], query: list[str], limit: int,
               allowed: np.ndarray | None) -> None:
    """`top` returns the best `limit` allowed passages with their exact scores (ties in any order)."""
    pids = index.row_ids.tolist()
    kept = {pid: s for pid, s in expected.items()
            if allowed is None or allowed[index.row_docs[pids.index(pid)]]}
    best = sorted(kept.values(), reverse=True)[:limit]
    rows, scores = index.score(query_terms(query)).top(limit, allowed)
    assert scores.tolist() == pytest.approx(best, rel=1e-5)
    for row, score in zip(rows.tolist(), scores.tolist(), strict=True):
        assert kept[pids[row]] == pytest.approx(score, rel=1e-5)


def _filters(index: KeywordIndex) -> list[np.ndarray | None]:
    """No filter, one keeping most documents, and one keeping a single document (below one in eight)."""
    broad = np.ones(len(index.documents), dtype=bool)
    broad[::3] = False
    narrow = np.zeros(len(index.documents), dtype=bool)
    narrow[len(index.documents) // 2] = True
    return [None, broad, narrow]


def test_tokens_fold_case_accents_stopwords_and_endings() -> None:
    assert tokens("The Défenders were DETAINED in Türkiye") == ["defend", "detain", "turkiy"]


def test_search_is_bm25_and_best_first(passages) -> None:
    query = ["journalists", "detained", "protest"]
    expected = _bm25(passages, query)
    found = _index(passages).search(query, 10_000)
    assert {pid for pid, _ in found} == set(expected)
    for pid, score in found:
        assert score == pytest.approx(expected[pid], rel=1e-5)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    assert len(_index(passages).search(query, 5)) == 5
    assert _index(passages).search(["zzzunknownword", "the"], 10) == []


def test_top_passages_are_the_best_by_bm25_within_any_filter(passages) -> None:
    index = _index(passages)
    assert len(index.documents) >= 24  # the narrow filter keeps fewer than one document in eight
    for query in QUERIES:
        expected = _bm25(passages, query)
        for allowed in _filters(index):
            for limit in (1, 3, 10, 40, 10_000):
                _check_top(index, expected, query, limit, allowed)


def test_coverage_and_best_passage_per_document_follow_their_definitions(passages) -> None:
    index = _index(passages)
    for query in [*QUERIES, ["torture", "zzzunknownword"]]:
        expected = _coverage(passages, query)
        coverage = index.coverage(query_terms(query))
        assert dict(zip(index.documents, coverage.tolist(), strict=True)) == pytest.approx(expected)
        scores = _bm25(passages, query)
        docs = np.random.default_rng(len(query)).permutation(len(index.documents))[::2]  # some, in any order
        best = index.score(query_terms(query)).best_for(docs)
        oracle = [max((s for pid, s in scores.items() if _owner(pid) == index.documents[d]), default=0.0)
                  for d in docs.tolist()]
        assert best.tolist() == pytest.approx(oracle, rel=1e-5)


def test_champion_lists_read_only_the_best_postings_of_common_words(passages) -> None:
    index = _index(passages)
    exact = index.search(["rights"], 10_000)
    assert len(exact) > 20
    # With 20 postings per word, a one-word query returns exactly the 20 best passages.
    assert index.search(["rights"], 10_000, champions=20) == exact[:20]


def test_an_update_equals_a_build_of_the_result(passages) -> None:
    old, new = passages[: len(passages) // 2], passages[len(passages) // 2 :]
    removed = [pid for pid, _, _ in old[::3]]
    updated = _index(old).updated(removed, [r[0] for r in new], _passages(new))
    rebuilt = _index([r for r in passages if r[0] not in set(removed)])
    query = ["human", "rights", "defenders", "courts"]
    assert len(updated) == len(rebuilt)
    assert dict(updated.search(query, 10_000)) == pytest.approx(dict(rebuilt.search(query, 10_000)))
    def owners(index) -> dict[int, str]:  # noqa: ANN001 - each passage id's document
        return {pid: index.documents[d] for pid, d in zip(index.row_ids.tolist(), index.row_docs.tolist(), strict=True)}

    assert owners(updated) == owners(rebuilt) == {r[0]: f"doc-{r[0] // 1000}" for r in passages
                                                  if r[0] not in set(removed)}


def test_an_updated_document_is_ranked_and_covered_as_a_new_one(passages) -> None:
    # Re-adding a document's passages under new ids (as an update does) moves them after every
    # other passage, while the document keeps its number.
    moved = _owner(passages[0][0])
    renumbered = sorted((pid + 1_000_000 if _owner(pid) == moved else pid, title, text)
                        for pid, title, text in passages)
    readded = [r for r in renumbered if r[0] > 1_000_000]
    index = _index(passages).updated([pid for pid, _, _ in passages if _owner(pid) == moved],
                                     [r[0] for r in readded], _passages(readded))
    assert index.documents[0] == moved and index.row_docs[-1] == 0
    rebuilt = _index(renumbered)
    for query in QUERIES:
        expected = _bm25(renumbered, query)
        for allowed in [*_filters(index), np.arange(len(index.documents)) == 0]:
            _check_top(index, expected, query, 10, allowed)
        coverage = index.coverage(query_terms(query))
        assert dict(zip(index.documents, coverage.tolist(), strict=True)) == pytest.approx(
            dict(zip(rebuilt.documents, rebuilt.coverage(query_terms(query)).tolist(), strict=True)))
        docs = np.arange(len(index.documents))
        oracle = [max((s for pid, s in expected.items() if _owner(pid) == index.documents[d]), default=0.0)
                  for d in docs.tolist()]
        assert index.score(query_terms(query)).best_for(docs).tolist() == pytest.approx(oracle, rel=1e-5)


def test_saved_index_loads_memory_mapped_and_answers_the_same(passages, tmp_path: Path) -> None:
    index = _index(passages)
    index.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path)
    assert loaded.search(["police", "torture"], 50) == index.search(["police", "torture"], 50)
    (tmp_path / "keywords.post_ptr.npy").write_bytes((tmp_path / "keywords.post_ptr.npy").read_bytes()[:150])
    with pytest.raises(ValueError):
        KeywordIndex.load(tmp_path)
