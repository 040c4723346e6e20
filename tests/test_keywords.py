"""The keyword index: BM25 as written in the textbook, champion lists, updates, files."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from conftest import HRW, read_jsonl
from indexer.chunk import Passage
from indexer.keywords import B, K1, KeywordIndex, tokens


@pytest.fixture(scope="module")
def passages() -> list[tuple[int, str, str]]:
    """(id, title, text) of real release paragraphs, ids not starting at 0 and with gaps."""
    rows = []
    for number, record in enumerate(read_jsonl(HRW, 30)):
        for part, paragraph in enumerate(p for p in record["body"].split("\n\n") if p.strip()):
            rows.append((1000 + 1000 * number + part, record["title"], paragraph))
    return rows


def _passages(rows: list[tuple[int, str, str]]) -> list[Passage]:
    return [Passage(f"doc-{pid // 1000}", pid % 1000, text, title) for pid, title, text in rows]


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


def test_saved_index_loads_memory_mapped_and_answers_the_same(passages, tmp_path: Path) -> None:
    index = _index(passages)
    index.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path)
    assert loaded.search(["police", "torture"], 50) == index.search(["police", "torture"], 50)
    (tmp_path / "keywords.post_ptr.npy").write_bytes((tmp_path / "keywords.post_ptr.npy").read_bytes()[:150])
    with pytest.raises(ValueError):
        KeywordIndex.load(tmp_path)
