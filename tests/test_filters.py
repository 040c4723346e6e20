"""Filters, facets, sorting and pages through HTTP, over the shared corpora.

The oracle for every count is the unfiltered result set itself, fetched page by page and
filtered here in the test: a facet count must equal that direct count and the `total` that
selecting the value yields. A result stands for its story (it and its near-copies, `other_versions`):
a story counts for a value when any of its documents has it, as a filter keeps it then.
"""

from __future__ import annotations

from collections import Counter

import pytest

from corpus.documents import Document
from search_app.results import provenance

QUERY = "journalists arrested and detained"


def search(client, **params) -> dict:
    response = client.get("/api/search", query_string={"q": QUERY, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def everything(client, **params) -> list[dict]:
    """Every result of a search, following its pages."""
    first = search(client, per_page=100, **params)
    results = list(first["results"])
    for page in range(2, first["pages"] + 1):
        results += search(client, per_page=100, page=page, **params)["results"]
    assert len(results) == first["total"]
    return results


def story_values(client, result: dict) -> dict[str, set[str]]:
    """The countries, labels (caseless), sources and years of a result's whole story."""
    docs = [result] + [client.get(f"/api/documents/{v}").get_json() for v in result["other_versions"]]
    return {"countries": {c for d in docs for c in d["countries"]},
            "tags": {t.casefold() for d in docs for t in d["tags"]},
            "sources": {d["source"] for d in docs}, "years": {(d["date"] or "")[:4] for d in docs}}


def by_count(facet: dict[str, int]) -> list[str]:
    """Facet values, most frequent first (JSON objects carry no order)."""
    return sorted(facet, key=lambda v: (-facet[v], v))


@pytest.fixture(scope="module")
def pool(app) -> list[dict]:
    """The whole unfiltered result set of QUERY, in relevance order."""
    return everything(app.test_client())


@pytest.mark.slow
def test_results_carry_total_pages_facets_countries_and_tags(client, pool) -> None:
    body = search(client, k=5)
    assert body["total"] == len(pool) > 20 and body["per_page"] == 5 and len(body["results"]) == 5
    assert set(body["facets"]) == {"source", "lang", "country", "theme", "tag", "symbol", "un_body", "year"}
    for result in body["results"]:
        assert isinstance(result["countries"], list) and isinstance(result["tags"], list)
    assert sum(body["facets"]["source"].values()) == body["total"]
    assert any(r["countries"] for r in pool) and any(r["tags"] for r in pool)


@pytest.mark.slow
def test_facet_counts_equal_direct_counts_and_the_totals_they_select(client, pool) -> None:
    facets = search(client)["facets"]
    stories = [story_values(client, r) for r in pool]
    assert any(r["other_versions"] for r in pool)  # copies are in the set, grouped
    for country in by_count(facets["country"])[:4]:
        count = facets["country"][country]
        assert count == sum(country in s["countries"] for s in stories)
        assert search(client, country=country)["total"] == count
    for tag in by_count(facets["tag"])[:3]:
        count = facets["tag"][tag]
        assert count == sum(tag in s["tags"] for s in stories)
        assert search(client, tag=tag)["total"] == count
    for source, count in facets["source"].items():
        assert search(client, source=source)["total"] == count == sum(source in s["sources"] for s in stories)
    for year in by_count(facets["year"])[:3]:
        count = facets["year"][year]
        assert search(client, **{"from": year, "to": year})["total"] == count
        assert count == sum(year in s["years"] for s in stories)


@pytest.mark.slow
def test_filters_combine_and_facets_count_over_the_filtered_set(client, pool) -> None:
    # A year of releases that carry themes, so that themes can be combined with it below.
    year = by_count(dict(Counter(r["date"][:4] for r in pool if r["date"] and r["tags"])))[0]
    in_year = [r for r in pool if (r["date"] or "").startswith(year)]
    country = by_count(dict(Counter(c for r in in_year for c in r["countries"])))[0]
    params = {"country": country, "from": f"{year}-01", "to": f"{year}-12-31"}
    expected = [r for r in in_year if country in r["countries"]]
    got = everything(client, **params)
    assert [r["id"] for r in got] == [r["id"] for r in expected] and expected
    narrowed = search(client, **params)["facets"]
    assert narrowed["country"][country] == len(expected)
    tag = by_count(narrowed["tag"])[0]
    assert search(client, tag=tag, **params)["total"] == narrowed["tag"][tag]
    # Repeated values all apply (documents about both countries), and the facet said how many.
    second = next(c for c in by_count(narrowed["country"]) if c != country)
    assert search(client, country=[country, second], **{k: v for k, v in params.items() if k != "country"})[
        "total"] == narrowed["country"][second]
    both = everything(client, country=[country, second])
    assert both and [r["id"] for r in both] == [
        r["id"] for r in pool if {country, second} <= set(r["countries"])]


@pytest.mark.slow
def test_pages_sorted_by_date_with_a_filter_agree_with_one_long_page(client, pool) -> None:
    source = by_count(search(client)["facets"]["source"])[0]
    params = {"source": source, "sort": "date"}
    one = search(client, per_page=12, **params)["results"]
    pages = search(client, per_page=6, page=1, **params)["results"] + search(
        client, per_page=6, page=2, **params)["results"]
    assert [r["id"] for r in pages] == [r["id"] for r in one] and len(one) == 12
    dates = [r["date"] or "" for r in one]
    assert dates == sorted(dates, reverse=True) and all(r["source"] == source for r in one)
    by_relevance = everything(client, source=source)
    assert [r["id"] for r in by_relevance] == [r["id"] for r in pool if r["source"] == source]
    assert {r["id"] for r in everything(client, **params)} == {r["id"] for r in by_relevance}


@pytest.mark.slow
def test_k_keeps_working_and_per_page_wins(client, pool) -> None:
    assert len(search(client, k=3)["results"]) == 3
    assert len(search(client, k=3, per_page=7)["results"]) == 7
    assert [r["id"] for r in search(client, k=4)["results"]] == [r["id"] for r in pool[:4]]
    beyond = search(client, page=1000)
    assert beyond["results"] == [] and beyond["total"] == len(pool)


@pytest.mark.slow
def test_country_variants_filter_alike(client) -> None:
    kyrgyz = search(client, country="Kyrgyz", q="independent media harassment")
    assert kyrgyz["total"] > 0
    assert kyrgyz == {**search(client, country="Kyrgyzstan", q="independent media harassment"),
                      "took_ms": kyrgyz["took_ms"]}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"from": "2024-13"}, "'from' must be a date"),
        ({"to": "yesterday"}, "'to' must be a date"),
        ({"from": "2024-02-30"}, "'from' must be a date"),
        ({"from": "2024-05", "to": "2024-01"}, "must not be after"),
        ({"sort": "oldest"}, "'sort' must be one of"),
        ({"page": "0"}, "'page' must be between"),
        ({"page": "two"}, "'page' must be a whole number"),
        ({"per_page": "101"}, "'per_page' must be between"),
        ({"country": "Atlantis"}, "not a country we know"),
        ({"tag": "x" * 101}, "'tag' is too long"),
        ({"source": [f"s{i}" for i in range(11)]}, "at most 10 times"),
    ],
)
def test_bad_filter_parameters_get_400_in_one_shape(client, params: dict, needle: str) -> None:
    response = client.get("/api/search", query_string={"q": "torture", **params})
    body = response.get_json()
    assert response.status_code == 400 and body == {"ok": False, "status": 400, "error": body["error"]}
    assert needle in body["error"]
    page = client.get("/", query_string={"q": "torture", **params})
    # The page sets an unknown country aside and says so (test_hints); other bad values are errors.
    assert page.status_code == (200 if "country" in params else 400)
    assert needle.encode() in page.data.replace(b"&#39;", b"'")


@pytest.mark.slow
def test_search_page_has_a_sidebar_timeline_and_pages_without_javascript(client, pool) -> None:
    country = by_count(search(client)["facets"]["country"])[0]
    page = client.get("/", query_string={"q": QUERY, "country": country, "page": 2, "per_page": 5}).get_data(
        as_text=True)
    assert "<script" not in page and " style=" not in page
    assert 'id="filters"' in page and 'data-facet="country"' in page and 'aria-current="true"' in page
    assert '<svg class="timeline-chart"' in page and "<title>" in page and "most in" in page
    assert 'aria-current="page">2<' in page and 'rel="prev"' in page
    assert 'class="chip"' in page and "/feed?" in page and "/export.csv?" in page
    assert 'list="country-names"' in page and '<option value="Kyrgyzstan">' in page


@pytest.mark.slow
def test_similar_releases_api_and_pages(client, pool) -> None:
    doc_id = pool[0]["id"]
    body = client.get(f"/api/documents/{doc_id}/similar", query_string={"k": 4}).get_json()
    assert body["id"] == doc_id and len(body["results"]) == 4
    assert doc_id not in {r["id"] for r in body["results"]}
    assert all("countries" in r and "title" in r for r in body["results"])
    assert client.get("/api/documents/nope/similar").status_code == 404
    assert client.get(f"/api/documents/{doc_id}/similar?k=0").status_code == 400
    page = client.get(f"/documents/{doc_id}/similar").get_data(as_text=True)
    assert body["results"][0]["title"].split()[0] in page and 'class="similar-link"' in page
    document = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "Provenance" in document and "Similar releases" in document and "Content hash" in document


@pytest.mark.slow
def test_similar_releases_of_a_document_that_quotes_someone(client) -> None:
    # Its lead quotes Biden ("sad day for media freedom"): a quote is not a phrase restriction.
    body = client.get("/api/documents/991725495/similar", query_string={"k": 5}).get_json()
    assert len(body["results"]) == 5 and "991725495" not in {r["id"] for r in body["results"]}


def test_provenance_reports_a_source_changed_after_capture(tmp_path) -> None:
    from corpus.cache import PageCache
    from corpus.config import load_settings
    from corpus.fetch import Page

    settings = load_settings(tmp_path)
    url = "https://example.org/release"
    doc = Document("d1", "Title", "Body", url=url, captured_at="2024-03-01T10:00:00+00:00",
                   metadata={"fetched_at": "2024-03-01T10:00:00+00:00"})
    assert provenance(doc, settings)["source_changed"] is False
    with PageCache(settings.cache_path) as cache:
        cache.put(Page(url=url, final_url=url, status=200, headers={}, body=b"<p>v1</p>",
                       fetched_at="2024-03-01T10:00:00+00:00"))
        cache.mark_changed(url, "2024-04-02T08:00:00+00:00")
    seen = provenance(doc, settings)
    assert seen["source_changed"] is True and seen["source_changed_at"] == "2024-04-02T08:00:00+00:00"
    imported = Document("d2", "Title", "Body", captured_at="2024-03-01T10:00:00+00:00")
    assert provenance(imported, settings)["source_changed"] is None
    assert len(provenance(imported, settings)["content_hash"]) == 64


@pytest.mark.slow
def test_a_date_given_as_a_year_or_a_month_counts_where_its_whole_span_lies(tmp_path, embedder) -> None:
    from conftest import run_cli, write_jsonl
    from corpus.config import load_settings
    from indexer.build import build_index
    from search_app import create_app

    rows = [{"id": "y", "title": "Quokka rangers detained", "body": "Quokka rangers were detained.", "date": "2023"},
            {"id": "m", "title": "Quokka rangers freed", "body": "Quokka rangers were freed.", "date": "May 2023"},
            {"id": "d", "title": "Quokka rangers tried", "body": "Quokka rangers were tried.", "date": "2023-05-20"}]
    run_cli("corpus", "import", str(write_jsonl(tmp_path / "q.jsonl", rows)), "-q", data=tmp_path)
    build_index(load_settings(tmp_path), embedder, progress=False)
    app = create_app({"DATA_DIR": str(tmp_path), "EMBEDDER": embedder, "RATE_LIMIT_PER_MINUTE": 0})
    client = app.test_client()

    def ids(**params) -> set[str]:
        body = client.get("/api/search", query_string={"q": "quokka rangers", "mode": "keyword", **params}).get_json()
        return {r["id"] for r in body["results"]}

    body = client.get("/api/search", query_string={"q": "quokka rangers", "mode": "keyword"}).get_json()
    assert {r["id"]: r["date"] for r in body["results"]} == {"y": "2023", "m": "2023-05", "d": "2023-05-20"}
    assert body["facets"]["year"] == {"2023": 3} and ids(**{"from": "2023", "to": "2023"}) == {"y", "m", "d"}
    assert ids(**{"from": "2023-05", "to": "2023-05"}) == {"m", "d"}  # a year alone is not known to be May
    assert ids(**{"from": "2023-05-20", "to": "2023-05-20"}) == {"d"}
    from indexer.search import Query

    ranking = app.extensions["search"].searcher().search(Query("quokka rangers", "keyword"))
    assert ranking.months == {"2023-05": 2}  # the timeline places only the two dated to a month
