"""Help instead of errors: mistyped filters, countries named in the question, a page past the end,
what the index covers, an empty corpus, and the matched passage in exports."""

from __future__ import annotations

import csv
import io
import re
import socket
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from bs4 import BeautifulSoup

from corpus.countries import named_in_query

QUERY = "journalists arrested and detained"


def soup_of(client, **params) -> tuple[int, BeautifulSoup]:
    response = client.get("/", query_string=params)
    return response.status_code, BeautifulSoup(response.get_data(as_text=True), "html.parser")


def said(page: BeautifulSoup, selector: str) -> str:
    """The text of an element as a reader hears it (markup and line breaks gone)."""
    return " ".join(page.select_one(selector).get_text().split())


def result_ids(page: BeautifulSoup) -> list[str]:
    return [a["href"].split("/documents/")[1].split("?")[0].split("#")[0]
            for a in page.select("li.result a[href*='/documents/']:not(.similar-link)")]


def api(client, **params) -> dict:
    return client.get("/api/search", query_string=params).get_json()


@pytest.mark.parametrize(
    ("query", "countries"),
    [
        ("journalists detained in Kyrgyzstan", ("Kyrgyzstan",)),
        ("journalists detained in kyrgyzstan", ("Kyrgyzstan",)),  # typed in lowercase
        ("travel bans on chinese defenders", ("China",)),  # an adjective
        ("South Sudan and Sudan", ("South Sudan", "Sudan")),  # the longer name wins where it fits
        ("tell us about cooking turkey", ()),  # everyday words in lowercase are not countries
        ("US sanctions on Turkey", ("United States", "Turkey")),
        ("reprisals against people who cooperate with the UN", ()),
    ],
)
def test_countries_named_in_a_query(query: str, countries: tuple[str, ...]) -> None:
    assert named_in_query(query) == countries


@pytest.mark.slow
def test_a_mistyped_country_keeps_the_results_and_suggests_the_right_one(client) -> None:
    status, page = soup_of(client, q=QUERY, country="Kyrgystan")
    assert status == 200
    assert result_ids(page) == result_ids(soup_of(client, q=QUERY)[1])  # as if the filter were not there
    notice = said(page, ".notice.hint")
    assert "“Kyrgystan” is not a country we know" in notice and "Did you mean Kyrgyzstan?" in notice
    link = page.select_one("a[data-suggestion=country]")
    assert parse_qs(urlparse(link["href"]).query)["country"] == ["Kyrgyzstan"]
    # A program gets the error, with the same suggestion.
    response = client.get("/api/search", query_string={"q": QUERY, "country": "Kyrgystan"})
    assert response.status_code == 400 and "did you mean 'Kyrgyzstan'?" in response.get_json()["error"]


@pytest.mark.slow
def test_an_unknown_source_or_theme_is_set_aside_and_named(client) -> None:
    everything = result_ids(soup_of(client, q=QUERY)[1])
    status, page = soup_of(client, q=QUERY, source="hrw-news-2042")
    assert status == 200 and result_ids(page) == everything
    text = said(page, ".notice.hint")
    assert "“hrw-news-2042” is not a source in the index" in text and "Did you mean hrw-news-2024?" in text
    theme = min(api(client, q=QUERY)["facets"]["tag"], key=len)
    status, page = soup_of(client, q=QUERY, tag=theme + "zz", source="hrdsattack")
    assert status == 200
    assert "is not a tag of any release, so that tag filter" in said(page, ".notice.hint")
    # The known filter stays in force; only the unknown one is dropped.
    assert result_ids(page) == result_ids(soup_of(client, q=QUERY, source="hrdsattack")[1])


@pytest.mark.slow
def test_a_page_past_the_end_says_so_and_links_the_last_page(client) -> None:
    found = api(client, q=QUERY)
    status, page = soup_of(client, q=QUERY, page=999)
    assert status == 200 and not page.select("li.result")
    notice = said(page, ".notice.hint")
    assert f"There is no page 999: the results end on page {found['pages']}" in notice
    last = parse_qs(urlparse(page.select_one("a[data-last-page]")["href"]).query)
    assert last["page"] == [str(found["pages"])]
    assert not page.select("nav.pager a[rel=prev]")  # no "← Previous" to page 998


@pytest.mark.slow
def test_a_country_named_in_the_query_is_offered_as_a_filter(client) -> None:
    query = "journalists detained in Kyrgyzstan"
    only = api(client, q=query, country="Kyrgyzstan")["total"]
    assert 0 < only < api(client, q=query)["total"]
    status, page = soup_of(client, q=query)
    offer = page.select_one("a.only-country")
    assert offer.get_text(strip=True) == f"Only Kyrgyzstan ({only})"
    assert parse_qs(urlparse(offer["href"]).query)["country"] == ["Kyrgyzstan"]
    facet = [a.select_one(".facet-name").get_text(strip=True) for a in page.select("a[data-facet=country]")]
    assert "Kyrgyzstan" in facet
    # Chosen, it is a filter (a chip), no longer an offer.
    assert not soup_of(client, q=query, country="Kyrgyzstan")[1].select("a.only-country")


@pytest.mark.slow
def test_the_home_page_says_what_the_index_covers(client, shared_data: Path) -> None:
    from corpus.store import CorpusStore

    status, page = soup_of(client)
    assert status == 200
    coverage = said(page, ".coverage")
    with CorpusStore(shared_data / "corpus.sqlite3", readonly=True) as store:
        documents = store.count()
    said_sources = dict(re.findall(r"(?:from |, )([^,(]+?) \((\d+)\)", coverage))
    assert set(said_sources) == {"Human Rights Watch", "hrdsattack"}  # the publisher, where one is known
    assert sum(map(int, said_sources.values())) == documents
    assert re.fullmatch(rf"{documents:,} releases from .*, \d{{4}}–\d{{4}}\.", coverage), coverage
    assert '"travel ban"' in page.select_one(".tips").get_text()


@pytest.mark.slow
def test_an_empty_corpus_is_explained_on_the_command_line_and_the_home_page(
        tmp_path: Path, embedder, capsys: pytest.CaptureFixture[str]) -> None:
    from corpus.cli import main as corpus_main
    from search_app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    data = tmp_path / "data"
    assert corpus_main(["crawl", "--data", str(data), "--start", f"http://127.0.0.1:{port}/news/",
                        "--pattern", "/news/", "-q"]) == 0
    err = capsys.readouterr().err
    assert "the crawl fetched nothing" in err and "the corpus is empty; import files instead" in err
    assert "python -m corpus import --data DATA" in err

    from indexer.cli import main as indexer_main

    assert indexer_main(["update", "--data", str(data), "-q"]) == 0
    assert "the index is empty because the corpus is; import files instead" in capsys.readouterr().err

    app = create_app({"DATA_DIR": str(data), "EMBEDDER": embedder, "TESTING": True, "RATE_LIMIT_PER_MINUTE": 0})
    page = BeautifulSoup(app.test_client().get("/").get_data(as_text=True), "html.parser")
    empty = said(page, ".empty-corpus")
    assert "There is nothing to search yet" in empty and "python -m corpus import" in empty


@pytest.mark.slow
def test_exports_carry_the_matched_passage(client) -> None:
    search = api(client, q=QUERY, per_page=5)
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv", query_string={"q": QUERY}).get_data(
        as_text=True))))
    assert [r["passage"] for r in rows[:5]] == [r["passage"] for r in search["results"]]
    assert all(r["passage"] for r in rows)
    exported = client.get("/export.json", query_string={"q": QUERY}).get_json()["results"]
    assert [r["passage"] for r in exported[:5]] == [r["passage"] for r in search["results"]]


@pytest.mark.slow  # the app's fixture builds the shared corpora's index
def test_an_unknown_page_is_the_sites_own_404(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select_one("form.searchbox") and "Not found" in said(page, "h1")


@pytest.mark.slow
def test_feed_summaries_are_plain_text(client) -> None:
    feed = client.get("/feed", query_string={"q": QUERY}).get_data(as_text=True)
    assert "<summary" in feed and "<mark" not in feed and "&lt;mark" not in feed
