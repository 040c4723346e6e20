"""The relevant set over the whole corpus, checked against a brute-force oracle.

The oracle scores every passage of the shared corpora itself: cosines with NumPy from the
stored vectors, BM25 and term coverage in plain Python from the passage texts, filters from the
corpus database's documents (not from the index's stored fields). The product must return the
same set, with the same scores, for random queries, modes and filter combinations.
"""

from __future__ import annotations

import math
import random
import sqlite3
import string
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from corpus.config import load_settings
from corpus.store import CorpusStore
from indexer.filters import Filters, facts_of
from indexer.fusion import WINDOW
from indexer.keywords import K1, B, query_terms, tokens
from indexer.passages import KeywordQuery
from indexer.search import Query, Searcher

pytestmark = pytest.mark.slow

QUERIES = (
    "journalists arrested and detained", "torture in prisons", "travel bans on Chinese defenders",
    "reprisals against people who cooperate with the UN", "Haiti kidnappings", "detained",
    "women human rights defenders killed in Colombia", "freedom of expression online",
    "land rights activists evicted", "death penalty executions", "\"human rights defenders\" Kenya",
    "execution by nitrogen gas",  # a clear lead (0.29 of cosine over the tenth passage): the other weight
)


@dataclass
class Oracle:
    """Every passage's vector, words and document, and every document's filter fields."""

    ids: np.ndarray
    vectors: np.ndarray
    doc_of: list[str]
    bags: list[Counter]
    lengths: np.ndarray
    texts: list[str]
    documents: dict  # id -> (Document, Facts)
    title_weight: float

    def passing(self, filters: Filters) -> set[str]:
        """Documents that pass the filters, judged from the corpus's own documents."""
        kept = set()
        for doc_id, (doc, facts) in self.documents.items():
            if (filters.date_from or filters.date_to) and not doc.date:
                continue
            if filters.date_from and doc.date < filters.date_from or filters.date_to and doc.date > filters.date_to:
                continue
            tags = {t.casefold() for t in facts.tags}
            if (all(s == doc.source for s in filters.sources) and all(c in facts.countries for c in filters.countries)
                    and all(t.casefold() in tags for t in filters.tags)):
                kept.add(doc_id)
        return kept

    def bm25(self, terms: list[str]) -> np.ndarray:
        n, average = len(self.bags), float(self.lengths.mean())
        scores = np.zeros(n)
        for term in terms:
            df = sum(1 for bag in self.bags if term in bag)
            if not df:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for i, bag in enumerate(self.bags):
                tf = bag.get(term, 0)
                if tf:
                    scores[i] += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * self.lengths[i] / average))
        return scores

    def coverage(self, terms: list[str]) -> dict[str, float]:
        n = len(self.bags)
        held: dict[str, set[str]] = {}
        for doc, bag in zip(self.doc_of, self.bags, strict=True):
            held.setdefault(doc, set()).update(t for t in terms if t in bag)
        idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5))
               for t in terms for df in [sum(1 for bag in self.bags if t in bag)]}
        total = sum(idf.values())
        return {doc: sum(idf[t] for t in found) / total if total else 0.0 for doc, found in held.items()}

    def side(self, scores: np.ndarray, passing: set[str], bonus: float, ends: np.ndarray) -> dict[str, float]:
        """Each passing document's best passage, scaled so the `ends` (the unfiltered window) span 0..1,
        plus `bonus` times its other passages."""
        low, high = float(ends.min()), float(ends.max())
        best: dict[str, float] = {}
        total: dict[str, float] = {}
        for doc, score in zip(self.doc_of, scores.tolist(), strict=True):
            if doc in passing:
                value = max(0.0, (score - low) / (high - low))
                best[doc] = max(best.get(doc, 0.0), value)
                total[doc] = total.get(doc, 0.0) + value
        return {doc: best[doc] + bonus * (total[doc] - best[doc]) for doc in best}

    def lead(self, vector: np.ndarray) -> float:
        """How far the best passage's cosine is above the tenth best's."""
        head = np.sort(self.vectors @ vector)[::-1]
        return float(head[0] - head[9])

    def relevant(self, query: Query, vector: np.ndarray, settings) -> dict[str, float]:
        """{document id: score} of the relevant set, by brute force over every passage."""
        parsed = KeywordQuery.parse(query.text)
        terms = query_terms(parsed.words + parsed.phrases)
        passing = self.passing(query.filters)
        if parsed.phrases:
            passing &= {doc for doc, text in zip(self.doc_of, self.texts, strict=True)
                        if all(f" {p.lower()} " in text for p in parsed.phrases)}
        cosines = self.vectors @ vector
        best_cosine: dict[str, float] = {}
        for doc, c in zip(self.doc_of, cosines.tolist(), strict=True):
            best_cosine[doc] = max(best_cosine.get(doc, -1.0), c)
        coverage = self.coverage(terms) if terms else {}
        semantic = self.side(cosines, passing, settings.passage_bonus, np.sort(cosines)[::-1][:WINDOW])
        bm25 = self.bm25(terms)
        matched = np.sort(bm25[bm25 > 0])[::-1][:WINDOW]  # the keyword side ranks passages holding a term
        keyword = self.side(bm25, passing, settings.passage_bonus, matched) if len(matched) else {}
        # A query whose best passage anywhere reaches the threshold admits documents down to the floor.
        found = float(cosines.max()) >= settings.semantic_threshold
        bound = settings.semantic_threshold
        if found:
            bound = min(settings.semantic_floor, settings.semantic_threshold)
        members = set()
        for doc in passing:
            if parsed.phrases:
                members.add(doc)
                continue
            if query.mode != "keyword" and best_cosine.get(doc, -1.0) >= bound:
                members.add(doc)
            if query.mode != "semantic" and coverage.get(doc, 0.0) >= settings.keyword_coverage:
                members.add(doc)
        # Hybrid leans to the meaning side when the best passage leads the tenth clearly, else to the words.
        shift = settings.weight_shift if self.lead(vector) >= settings.clear_gap else -settings.weight_shift
        weight = {"hybrid": settings.semantic_weight + shift, "semantic": 1.0, "keyword": 0.0}[query.mode]
        return {doc: weight * semantic.get(doc, 0.0) + (1 - weight) * keyword.get(doc, 0.0) for doc in members}


@pytest.fixture(scope="module")
def searcher(shared_data: Path, embedder) -> Searcher:
    return Searcher(load_settings(shared_data), embedder)


@pytest.fixture(scope="module")
def oracle(searcher: Searcher) -> Oracle:
    import re

    index = searcher.live.current()
    ids, vectors = index.vectors.flat_contents()
    conn = sqlite3.connect(f"file:{index.path / 'passages.sqlite3'}?mode=ro", uri=True)
    rows = {r[0]: r[1:] for r in conn.execute("SELECT id, doc_id, title, text FROM passages")}
    conn.close()
    weight = index.keywords.title_weight
    bags, lengths, texts, doc_of = [], [], [], []
    for pid in ids.tolist():
        doc_id, title, text = rows[pid]
        body, head = tokens(text), tokens(title)
        bag: Counter = Counter(body)
        for term in head:
            bag[term] += weight
        bags.append(bag)
        lengths.append(len(body) + weight * len(head))
        words = " ".join(re.findall(r"\w+", f"{title} {text}".lower()))
        texts.append(f" {words} ")
        doc_of.append(doc_id)
    with CorpusStore(searcher.settings.db_path, create=False) as corpus:
        documents = {d.id: (d, facts_of(d)) for d in corpus.iter_documents()}
    return Oracle(ids, vectors, doc_of, bags, np.array(lengths), texts, documents, weight)


@pytest.fixture(scope="module")
def story(searcher: Searcher) -> dict[str, int]:
    """{document id: its story}: a document and its near-copies share one (indexer/duplicates.py)."""
    index = searcher.live.current()
    return {doc_id: int(index.fields.story[n]) for doc_id, n in index.document_numbers().items()}


def random_filters(rng: random.Random, oracle: Oracle) -> Filters:
    """A random combination of a date range, a source, a country and a theme (each maybe absent)."""
    docs = list(oracle.documents.values())
    doc, facts = rng.choice(docs)
    year = (doc.date or "2024")[:4]
    return Filters(
        date_from=f"{year}-01-01" if rng.random() < 0.4 else None,
        date_to=f"{year}-{rng.choice(['06-30', '12-31'])}" if rng.random() < 0.4 else None,
        sources=(doc.source,) if rng.random() < 0.3 else (),
        countries=facts.countries[:1] if rng.random() < 0.4 else (),
        tags=facts.tags[:1] if rng.random() < 0.25 else (),
    )


def test_random_queries_and_filters_equal_the_brute_force_set(searcher: Searcher, oracle: Oracle, embedder,
                                                              story: dict[str, int]) -> None:
    rng = random.Random(13)
    checked = 0
    for text in QUERIES:
        for mode in ("hybrid", "semantic", "keyword"):
            filters = random_filters(rng, oracle) if rng.random() < 0.7 else Filters()
            query = Query(text, mode, filters)
            expected = oracle.relevant(query, embedder.encode_query(text), searcher.settings)
            ranking = searcher.search(query)
            got = ranking.matches(range(ranking.total))
            # One result per story: the best-scoring of its documents that answer.
            best: dict[int, float] = {}
            for doc, score in expected.items():
                best[story[doc]] = max(best.get(story[doc], -math.inf), score)
            assert ranking.total == len(best), (query, ranking.total, len(best))
            assert {story[m.doc_id] for m in got} == set(best), query
            for match in got:
                assert match.score == pytest.approx(expected[match.doc_id], abs=1e-4), (query, match.doc_id)
                assert match.score == pytest.approx(best[story[match.doc_id]], abs=1e-4), (query, match.doc_id)
            scores = [m.score for m in got]
            assert all(a >= b - 1e-9 for a, b in zip(scores, scores[1:], strict=False)), query
            checked += len(got)
    assert checked > 1000  # the cases are not all empty
    leads = [oracle.lead(embedder.encode_query(text)) for text in QUERIES]
    assert min(leads) < searcher.settings.clear_gap <= max(leads)  # both hybrid weights were checked


def test_a_filter_narrows_the_ranking_without_reordering_it(searcher: Searcher) -> None:
    everything = searcher.search(Query("journalists arrested and detained"))
    filtered = searcher.search(Query("journalists arrested and detained", filters=Filters(sources=("hrdsattack",))))
    all_ids = [m.doc_id for m in everything.matches(range(everything.total))]
    kept = {m.doc_id for m in filtered.matches(range(filtered.total))}
    assert 0 < len(kept) < len(all_ids)
    assert [m.doc_id for m in filtered.matches(range(filtered.total))] == [d for d in all_ids if d in kept]


def test_a_filter_finds_matches_far_down_the_unfiltered_ranking(searcher: Searcher, oracle: Oracle) -> None:
    # "detained" in one summer: every release of that period holding the word (the window of 200 found 28).
    filters = Filters(date_from="2024-06-01", date_to="2024-08-31")
    ranking = searcher.search(Query("detained", "keyword", filters))
    passing = oracle.passing(filters)
    holding = {doc for doc, bag in zip(oracle.doc_of, oracle.bags, strict=True) if "detain" in bag and doc in passing}
    assert {m.doc_id for m in ranking.matches(range(ranking.total))} == holding and len(holding) > 28


def test_nonsense_finds_nothing_in_any_mode(client) -> None:
    rng = random.Random(7)
    strings = ["qwzx"] + ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 10))) for _ in range(19)]
    for text in strings:
        for mode in ("hybrid", "semantic", "keyword"):
            body = client.get("/api/search", query_string={"q": text, "mode": mode}).get_json()
            assert body["total"] == 0 and body["results"] == [] and body["facets"]["source"] == {}, (text, mode)
    page = client.get("/", query_string={"q": "qwzx"}).get_data(as_text=True)
    assert "Nothing close to" in page and "Check the spelling" in page


def test_facets_timeline_and_date_order_describe_the_whole_set(client, searcher: Searcher, oracle: Oracle,
                                                               story: dict[str, int]) -> None:
    query = "torture"
    ranking = searcher.search(Query(query, "keyword"))
    members = [m.doc_id for m in ranking.matches(range(ranking.total))]
    holding = {doc for doc, bag in zip(oracle.doc_of, oracle.bags, strict=True) if "tortur" in bag}
    stories: dict[int, set[str]] = {}
    for doc in holding:
        stories.setdefault(story[doc], set()).add(doc)
    # Every release holding the word, not a window of 200; near-copies once (320 releases, 316 stories).
    assert len(members) == len(stories) == 316 and len(holding) == 320
    body = client.get("/api/search", query_string={"q": query, "mode": "keyword", "per_page": 100}).get_json()
    assert body["total"] == 316 and body["total_relation"] == "eq" and body["pages"] == 4
    # A story counts once for each value any of its documents has.
    countries = Counter(c for docs in stories.values() for c in {c for d in docs for c in oracle.documents[d][1].countries})
    assert body["facets"]["country"] == {c: n for c, n in countries.items()}
    years = Counter(y for docs in stories.values()
                    for y in {oracle.documents[d][0].date[:4] for d in docs if oracle.documents[d][0].date})
    assert body["facets"]["year"] == dict(years)
    assert sum(ranking.months.values()) == sum(1 for d in members if len(oracle.documents[d][0].date or "") >= 7)
    newest = max(oracle.documents[d][0].date or "" for d in members)
    seen: list[str] = []
    for page in range(1, 5):
        dated = client.get("/api/search", query_string={"q": query, "mode": "keyword", "sort": "date",
                                                        "per_page": 100, "page": page}).get_json()
        assert (dated["results"][0]["date"] or "") == max(oracle.documents[d][0].date or "" for d in members
                                                  if d not in seen)  # every page opens with the newest left
        seen += [r["id"] for r in dated["results"]]
    dates = [oracle.documents[d][0].date or "" for d in seen]
    assert dates == sorted(dates, reverse=True) and dates[0] == newest
    assert len(seen) == len(set(seen)) == 316  # page N+1 continues page N, no gap, no repeat


def test_pages_continue_each_other_in_relevance_order(client) -> None:
    params = {"q": "human rights defenders attacked", "per_page": 7}
    first = client.get("/api/search", query_string=params).get_json()
    one_long = client.get("/api/search", query_string={**params, "per_page": 21}).get_json()
    pages = [r["id"] for page in (1, 2, 3) for r in client.get(
        "/api/search", query_string={**params, "page": page}).get_json()["results"]]
    assert pages == [r["id"] for r in one_long["results"]] and first["total"] == one_long["total"] > 21


def test_hr_test_half_keeps_its_judged_relevant_documents_inside_the_set(searcher: Searcher,
                                                                         story: dict[str, int]) -> None:
    from conftest import ROOT
    from indexer.eval import load_qrels, load_queries

    queries = load_queries(ROOT / "bench" / "hr-queries.jsonl")
    found = judged = 0
    for qid, grades in load_qrels(ROOT / "bench" / "hr-qrels-test.tsv").items():
        ranking = searcher.search(Query(queries[qid]))
        members = {story[m.doc_id] for m in ranking.matches(range(ranking.total))}
        relevant = {doc for doc, grade in grades.items() if grade > 0}
        # A judged document is in the set when its story is (listed as another version of the one shown).
        found, judged = found + sum(story[doc] in members for doc in relevant), judged + len(relevant)
    # 0.941 when the bounds were calibrated on the train half (docs/retrieval.md).
    assert found / judged >= 0.93, f"recall of the relevant set on the HR test half: {found / judged:.3f}"


def test_a_question_about_something_held_also_finds_it_said_in_other_words(searcher: Searcher,
                                                                           embedder) -> None:
    # hm15, a meaning question of the training half: its best passage reaches the threshold (0.54),
    # the Italy-Albania release itself stays below it (0.456) but above the floor (0.44).
    text = "a government sending people rescued at sea to centres abroad to decide their asylum claims"
    target = "italy-migration-deal-albania-costly-cruel-farce"
    settings = searcher.settings
    strict = Searcher(replace(settings, semantic_floor=settings.semantic_threshold), embedder)
    for which, expected in ((searcher, True), (strict, False)):
        ranking = which.search(Query(text, "semantic"))
        assert (target in {m.doc_id for m in ranking.matches(range(ranking.total))}) is expected
