"""UN document symbols in the index: a query naming one finds every release citing it (as a symbol or
in words), releases facet and filter by symbol and issuing body, and document pages link the UN's page."""

from __future__ import annotations

import pytest

from corpus.config import load_settings
from tests.conftest import run_cli, write_jsonl

pytestmark = pytest.mark.slow  # every test searches an index built with the real model

RELEASES = [
    {"id": "written", "title": "Council must renew its reprisals resolution",
     "body": "States should implement A/HRC/RES/24/24, the Council's 2013 resolution on cooperation with the "
             "United Nations, and end intimidation of those who engage with it. The Security Council's "
             "S/RES/2664 (2022) on sanctions exemptions matters too."},
    {"id": "in-words", "title": "Reprisals against defenders rise",
     "body": "Ten years after Human Rights Council resolution 24/24 asked the Secretary-General to report on "
             "reprisals, people who cooperate with the UN still face travel bans and detention."},
    {"id": "other", "title": "Assembly adopts resolution on moratorium",
     "body": "General Assembly resolution 77/222 calls for a moratorium on the use of the death penalty, "
             "and many states voted in favour of it this year."},
    {"id": "none", "title": "Journalists detained",
     "body": "Police detained three journalists covering protests; resolution 24/24 of the city council on "
             "parking is unrelated."},
]


@pytest.fixture(scope="module")
def symbols_client(tmp_path_factory: pytest.TempPathFactory, embedder):
    from indexer.build import build_index
    from search_app import create_app

    data = tmp_path_factory.mktemp("symbols")
    run_cli("corpus", "import", str(write_jsonl(data / "un.jsonl", RELEASES)), "-q", data=data)
    build_index(load_settings(data), embedder, progress=False)
    app = create_app({"DATA_DIR": str(data), "EMBEDDER": embedder, "TESTING": True, "RATE_LIMIT_PER_MINUTE": 0})
    return app.test_client()


@pytest.mark.parametrize("query", ["A/HRC/RES/24/24", "a/hrc/res/24/ 24", "HRC resolution 24/24"])
def test_a_symbol_finds_every_release_citing_it(symbols_client, query: str) -> None:
    body = symbols_client.get("/api/search", query_string={"q": query}).get_json()
    assert {r["id"] for r in body["results"]} == {"written", "in-words"} and body["total"] == 2
    assert all("A/HRC/RES/24/24" in r["symbols"] for r in body["results"])


def test_symbols_and_bodies_facet_and_filter(symbols_client) -> None:
    body = symbols_client.get("/api/search", query_string={"q": "resolution", "mode": "keyword"}).get_json()
    assert body["facets"]["un_body"] == {"Human Rights Council": 2, "General Assembly": 1, "Security Council": 1}
    assert body["facets"]["symbol"]["A/HRC/RES/24/24"] == 2 and body["facets"]["symbol"]["S/RES/2664"] == 1
    narrowed = symbols_client.get("/api/search", query_string={"q": "resolution", "mode": "keyword",
                                                                "un_body": "general assembly"}).get_json()
    assert [r["id"] for r in narrowed["results"]] == ["other"]
    narrowed = symbols_client.get("/api/search", query_string={"q": "resolution", "mode": "keyword",
                                                                "symbol": "S/RES/2664 (2022)"}).get_json()
    assert [r["id"] for r in narrowed["results"]] == ["written"]
    page = symbols_client.get("/?q=resolution&mode=keyword").get_data(as_text=True)
    assert "UN body cited" in page and 'data-facet="un_body"' in page


def test_a_bad_symbol_or_body_is_a_clear_error(symbols_client) -> None:
    for parameter, value, says in (("symbol", "24/24", "not a UN document symbol"),
                                   ("un_body", "Human Rights Counsel", "did you mean 'Human Rights Council'")):
        response = symbols_client.get("/api/search", query_string={"q": "reprisals", parameter: value})
        assert response.status_code == 400 and says in response.get_json()["error"]


def test_the_document_page_links_the_un_documents(symbols_client) -> None:
    page = symbols_client.get("/documents/in-words").get_data(as_text=True)
    assert 'href="https://docs.un.org/en/A/HRC/RES/24/24"' in page and "Human Rights Council resolution 24/24" in page
    body = symbols_client.get("/api/documents/written").get_json()
    assert [s["symbol"] for s in body["symbols"]] == ["A/HRC/RES/24/24", "S/RES/2664"]
    assert body["symbols"][1]["url"] == "https://docs.un.org/en/S/RES/2664(2022)"


def test_a_symbol_cited_nowhere_finds_nothing(symbols_client) -> None:
    body = symbols_client.get("/api/search", query_string={"q": "A/HRC/RES/55/1"}).get_json()
    assert body["total"] == 0 and body["results"] == []
