"""Languages and publishers: each document's language (declared or detected) is stored, indexed with
its own stemmer, shown, filtered and counted; sources show their publisher's name; a query finds
releases in another language when a multilingual model is configured."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus.config import load_settings
from corpus.documents import Document
from corpus.store import CorpusStore
from indexer.keywords import query_terms, tokens
from tests.conftest import HRW, read_jsonl, run_cli, write_jsonl

# Short releases in three languages; three about detained journalists, three about water and land.
RELEASES = [
    ("en1", "en", "Journalists detained after reporting on protests",
     "Three journalists were arrested by the police after they reported on the protests in the capital. "
     "Their lawyers say they were beaten in custody and denied medical care."),
    ("en2", "en", "Villages flooded by a new dam",
     "Families were evicted without compensation when the reservoir of the new hydroelectric dam flooded "
     "their villages and farmland along the river."),
    ("fr1", "fr", "Des journalistes arrêtés après avoir couvert les manifestations",
     "Trois journalistes ont été arrêtés par la police après avoir rendu compte des manifestations dans la "
     "capitale. Leurs avocats affirment qu'ils ont été battus en détention et privés de soins médicaux."),
    ("fr2", "fr", "Des villages inondés par un nouveau barrage",
     "Des familles ont été expulsées sans indemnisation lorsque le réservoir du nouveau barrage "
     "hydroélectrique a inondé leurs villages et leurs terres agricoles le long du fleuve."),
    ("es1", "es", "Periodistas detenidos tras informar sobre las protestas",
     "Tres periodistas fueron detenidos por la policía después de informar sobre las protestas en la "
     "capital. Sus abogados afirman que fueron golpeados bajo custodia y privados de atención médica."),
    ("es2", "es", "Aldeas inundadas por una nueva represa",
     "Familias fueron desalojadas sin indemnización cuando el embalse de la nueva represa hidroeléctrica "
     "inundó sus aldeas y tierras de cultivo a lo largo del río."),
]


@pytest.fixture(scope="module")
def languages_data(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """Six releases in English, French and Spanish (no urls, no declared language) imported under a
    publisher's name, and five HRW rows whose urls say who published them; indexed by the real model."""
    from indexer.build import build_index

    data = tmp_path_factory.mktemp("languages")
    rows = [{"id": i, "title": t, "body": b, "date": "2024-05-0" + i[-1]} for i, _, t, b in RELEASES]
    monitor = write_jsonl(data / "monitor.jsonl", rows)
    hrw = write_jsonl(data / "hrw-sample.jsonl", read_jsonl(HRW, 5))
    run_cli("corpus", "import", str(monitor), "--publisher", "Rights Monitor", "-q", data=data)
    run_cli("corpus", "import", str(hrw), "-q", data=data)
    build_index(load_settings(data), embedder, progress=False)
    return data


@pytest.fixture(scope="module")
def languages_client(languages_data: Path, embedder):
    from search_app import create_app

    app = create_app({"DATA_DIR": str(languages_data), "EMBEDDER": embedder, "TESTING": True,
                      "RATE_LIMIT_PER_MINUTE": 0})
    return app.test_client()


@pytest.mark.slow
def test_the_store_detects_a_language_the_source_does_not_declare(languages_data: Path) -> None:
    with CorpusStore(load_settings(languages_data).db_path, readonly=True) as store:
        found = {d.id: d.lang for d in store.iter_documents() if d.source == "monitor"}
    assert found == {i: lang for i, lang, _, _ in RELEASES}


def test_a_declared_language_wins_and_a_too_short_text_has_none(tmp_path: Path) -> None:
    with CorpusStore(tmp_path / "c.sqlite3") as store:
        store.upsert_many([
            Document("a", "Rapport", "Un texte écrit en français, mais déclaré en anglais.", lang="en"),
            Document("b", "China, Pakistan", "Geneva"),
        ])
        assert store.get("a").lang == "en" and store.get("b").lang == ""
        # The source corrects its declaration: the text is the same, the language changes.
        stats = store.upsert_many([Document("a", "Rapport", "Un texte écrit en français, mais déclaré en anglais.",
                                            lang="fr")])
        assert stats.updated == 1 and store.get("a").lang == "fr"


def test_a_database_from_before_languages_gets_them_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE documents (id TEXT PRIMARY KEY, url TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL, date TEXT, tags TEXT NOT NULL DEFAULT '[]', body TEXT NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}', content_hash TEXT NOT NULL, first_seen TEXT NOT NULL,
            captured_at TEXT NOT NULL);
    """)
    _, _, title, body = RELEASES[4]
    conn.execute("INSERT INTO documents VALUES ('es1', '', 'x', ?, NULL, '[]', ?, '{}', 'h', 't', 't')", (title, body))
    conn.commit()
    conn.close()
    with CorpusStore(path, readonly=True) as store:  # read-only: unknown, and nothing written
        assert store.get("es1").lang == "" and store.publishers() == {}
    with CorpusStore(path) as store:
        assert store.get("es1").lang == "es"


def test_each_language_is_stemmed_and_stopped_by_its_own_rules() -> None:
    # English keeps Porter and its stopwords, as every figure in docs/retrieval.md was measured with.
    assert tokens("The defenders were arrested") == ["defend", "arrest"]
    assert tokens("Les défenseurs ont été arrêtés", "fr") == ["defenseur", "arret"]
    assert tokens("Los periodistas fueron detenidos", "es") == ["period", "deten"]
    assert tokens("Les défenseurs", "xx") == tokens("Les défenseurs")  # unknown: read as English
    # A query is read as each indexed language would read it.
    assert set(query_terms(["arrêtés"], ("en", "fr"))) == {"arret", tokens("arrêtés")[0]}


@pytest.mark.slow
def test_the_keyword_side_matches_inflected_forms_within_a_language(languages_client) -> None:
    body = languages_client.get("/api/search?q=arrêté&mode=keyword").get_json()
    assert [r["id"] for r in body["results"]] == ["fr1"]  # "arrêtés" in fr1, under the French stemmer
    body = languages_client.get("/api/search?q=detenido&mode=keyword").get_json()
    assert [r["id"] for r in body["results"]] == ["es1"]


@pytest.mark.slow
def test_language_is_shown_filtered_and_counted(languages_client) -> None:
    # "capital", "capitale": one word in all three languages' releases.
    body = languages_client.get("/api/search?q=capital&mode=keyword&per_page=20").get_json()
    assert set(body["facets"]["lang"]) <= {"en", "fr", "es"}
    assert sum(body["facets"]["lang"].values()) == body["total"]  # every document has its language
    assert {r["lang"] for r in body["results"]} >= {"en", "fr", "es"}
    french = languages_client.get("/api/search?q=journalists arrested by police&lang=fr").get_json()
    assert french["results"] and {r["lang"] for r in french["results"]} == {"fr"}
    assert french["facets"]["lang"] == {"fr": french["total"]}
    page = languages_client.get("/?q=capital&mode=keyword").get_data(as_text=True)
    assert "French" in page and "Spanish" in page and 'data-facet="lang"' in page
    page = languages_client.get("/?q=journalists&lang=es").get_data(as_text=True)
    assert "Spanish <span aria-hidden" in page  # the active filter, by name


@pytest.mark.slow
def test_a_bad_language_code_is_a_clear_error(languages_client) -> None:
    response = languages_client.get("/api/search?q=dams&lang=français")
    assert response.status_code == 400 and "language code" in response.get_json()["error"]


@pytest.mark.slow
def test_results_facets_and_exports_name_the_publisher(languages_client) -> None:
    hrw_title = read_jsonl(HRW, 1)[0]["title"]
    for query, source, publisher in (("capital", "monitor", "Rights Monitor"),
                                     (hrw_title, "hrw-sample", "Human Rights Watch")):
        body = languages_client.get("/api/search", query_string={"q": query}).get_json()
        assert body["publishers"][source] == publisher and body["results"][0]["publisher"] == publisher
    page = languages_client.get("/?q=capital").get_data(as_text=True)
    assert "Rights Monitor" in page and ">monitor<" not in page
    rows = languages_client.get("/export.json?q=dam").get_json()["results"]
    monitor = next(r for r in rows if r["source"] == "monitor")
    assert monitor["publisher"] == "Rights Monitor" and monitor["imported_from"] == "monitor.jsonl"
    assert all(r["imported_from"] == "" for r in rows if r["url"])


@pytest.mark.slow
def test_a_document_without_an_address_says_which_file_it_came_from(languages_client) -> None:
    page = languages_client.get("/documents/fr2").get_data(as_text=True)
    assert "imported from the file <code>monitor.jsonl</code>" in page and 'lang="fr"' in page
    body = languages_client.get("/api/documents/fr2").get_json()
    assert body["lang"] == "fr" and body["publisher"] == "Rights Monitor"
    assert body["provenance"]["imported_from"] == "monitor.jsonl"


# A tiny "multilingual model" made in the test: a one-layer BERT whose English, French and Spanish
# words for one idea share one embedding, so translations get one vector. It stands in for a real
# multilingual sentence-transformers model (which would need a download) to test the path: a model
# configured by path, an index built with it, a query in one language answered in another.
CONCEPTS = [
    ("journalists", "journalistes", "periodistas"), ("threatened", "menaces", "amenazados"),
    ("in", "en", "en"), ("prison", "prison", "prision"), ("water", "eau", "agua"),
    ("dams", "barrages", "represas"), ("flood", "inondent", "inundan"), ("villages", "villages", "aldeas"),
]


def _tiny_multilingual_model(folder: Path) -> Path:
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    words = sorted({w for concept in CONCEPTS for w in concept})
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "."]
    tokenizer = BertTokenizerFast(vocab={w: i for i, w in enumerate(specials + words)}, do_lower_case=True,
                                  strip_accents=True)
    # No transformer layer and no position signal: a text's vector is the mean of its words' vectors.
    config = BertConfig(vocab_size=len(specials) + len(words), hidden_size=32, num_hidden_layers=0,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    torch.manual_seed(0)
    bert = BertModel(config).eval()
    table = bert.embeddings.word_embeddings.weight.data
    bert.embeddings.position_embeddings.weight.data.zero_()
    bert.embeddings.token_type_embeddings.weight.data.zero_()
    table[: len(specials)] = 0  # [CLS], [SEP] and full stops say nothing
    ids = {w: i for i, w in enumerate(specials + words)}
    for concept in CONCEPTS:
        for word in concept[1:]:
            table[ids[word]] = table[ids[concept[0]]]
    raw = folder / "bert"
    bert.save_pretrained(raw)
    tokenizer.save_pretrained(raw)
    encoder = Transformer(str(raw), max_seq_length=128)
    model = SentenceTransformer(modules=[encoder, Pooling(32, "mean"), Normalize()])
    model.save(str(folder / "model"))
    return folder / "model"


@pytest.mark.slow
def test_a_multilingual_model_finds_releases_in_another_language(tmp_path: Path) -> None:
    from indexer.build import build_index
    from indexer.embed import Embedder
    from search_app import create_app

    model = str(_tiny_multilingual_model(tmp_path))
    data = tmp_path / "data"
    rows = [{"id": "fr", "title": "Journalistes menacés en prison", "body": "Journalistes menacés en prison.",
             "lang": "fr"},
            {"id": "en", "title": "Water dams flood villages", "body": "Water dams flood villages.", "lang": "en"}]
    run_cli("corpus", "import", str(write_jsonl(tmp_path / "two.jsonl", rows)), "-q", data=data)
    settings = load_settings(data, model=model, embed_backend="torch", models_dir=str(tmp_path / "models"))
    embedder = Embedder.from_settings(settings)
    build_index(settings, embedder, progress=False)
    app = create_app({"DATA_DIR": str(data), "MODEL": model, "EMBEDDER": embedder, "TESTING": True,
                      "RATE_LIMIT_PER_MINUTE": 0})
    for query, expected in (("journalists threatened in prison", "fr"), ("represas inundan aldeas", "en")):
        body = app.test_client().get(f"/api/search?q={query}&mode=semantic").get_json()
        assert body["results"][0]["id"] == expected, body["results"]
