"""The Atom feed and the CSV and JSON exports of a search, read back with real parsers."""

from __future__ import annotations

import csv
import io

import feedparser
import pytest

from search_app.export import neutralise

QUERY = "journalists arrested and detained"


def top(facet: dict[str, int]) -> str:
    """The most frequent facet value (JSON objects carry no order)."""
    return min(facet, key=lambda v: (-facet[v], v))


def api_total(client, **params) -> dict:
    return client.get("/api/search", query_string={"q": QUERY, **params}).get_json()


@pytest.mark.slow
def test_feed_is_valid_atom_newest_first_with_stable_ids(client) -> None:
    response = client.get("/feed", query_string={"q": QUERY})
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and QUERY in feed.feed.title
    entries = feed.entries
    assert 0 < len(entries) <= 50
    dates = [e.published for e in entries if "published" in e]
    assert dates == sorted(dates, reverse=True)
    ids = [e.id for e in entries]
    assert len(set(ids)) == len(ids) and all("/documents/" in i for i in ids)
    again = feedparser.parse(client.get("/feed", query_string={"q": QUERY}).data)
    assert [e.id for e in again.entries] == ids


@pytest.mark.slow
def test_feed_applies_the_same_filters(client) -> None:
    country = top(api_total(client)["facets"]["country"])
    feed = feedparser.parse(client.get("/feed", query_string={"q": QUERY, "country": country}).data)
    assert not feed.bozo and feed.entries
    assert len(feed.entries) == min(50, api_total(client, country=country)["total"])
    assert all(country in {t.term for t in e.tags} for e in feed.entries)
    assert client.get("/feed", query_string={"q": QUERY, "from": "nope"}).status_code == 400


@pytest.mark.slow
def test_csv_export_has_one_row_per_result_with_provenance(client) -> None:
    country = top(api_total(client)["facets"]["country"])
    params = {"q": QUERY, "country": country, "sort": "date"}
    response = client.get("/export.csv", query_string=params)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == api_total(client, country=country)["total"]
    assert all(country in r["countries"].split("; ") for r in rows)
    assert all(len(r["content_hash"]) == 64 and r["captured_at"] and r["title"] for r in rows)
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.slow
def test_json_export_matches_the_search(client) -> None:
    body = client.get("/export.json", query_string={"q": QUERY, "per_page": 5}).get_json()
    search = api_total(client, per_page=100)
    assert body["total"] == search["total"] == len(body["results"])
    assert [r["id"] for r in body["results"][:100]] == [r["id"] for r in search["results"]]
    assert set(body["results"][0]) >= {"url", "title", "date", "source", "countries", "captured_at",
                                       "content_hash"}
    bad = client.get("/export.json", query_string={"q": QUERY, "sort": "x"})
    assert bad.status_code == 400 and bad.get_json()["ok"] is False


@pytest.mark.parametrize(
    ("cell", "written"),
    [("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
     ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("Kenya: police", "Kenya: police"), (0.5, "0.5"),
     (-1, "-1"), (None, "")],
)
def test_csv_cells_that_look_like_formulas_are_neutralised(cell, written: str) -> None:
    assert neutralise(cell) == written
