"""Citations in BibTeX, RIS and CSL-JSON, read back with real tools: bibtexparser, rispy, and the
CSL-JSON schema (tests/csl_data_schema.json) under jsonschema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from jsonschema import Draft7Validator

from corpus.documents import Document
from search_app.citations import citation_key, cite, to_bibtex, to_csl_json, to_ris

CSL_SCHEMA = Draft7Validator(json.loads((Path(__file__).parent / "csl_data_schema.json").read_text("utf-8")))
QUERY = "journalists arrested and detained"
HRW_ID = "kyrgyzstan-immediately-cease-harassment-independent-media"  # of the shared HRW corpus
HRW_TITLE = "Kyrgyzstan: Immediately Cease Harassment of Independent Media"
HRW_URL = "https://www.hrw.org/news/2024/01/16/kyrgyzstan-immediately-cease-harassment-independent-media"
NO_URL_ID = "873189810"  # of the shared HRDsAttack corpus, which has no urls
CAPTURED = "2026-11-30T04:39:44+00:00"


def release(title: str = "Kenya: Free the Protesters", date: str | None = "2024-06-25", url: str = "",
            doc_id: str = "r1", **extra) -> Document:
    return Document(id=doc_id, title=title, body="text", url=url, source="hrw", date=date, lang="en",
                    captured_at=CAPTURED, **extra)


def parse_bibtex(text: str, decode: bool = True) -> list[dict[str, str]]:
    """Each entry's fields (key and type included); LaTeX decoded to text when `decode`."""
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()] if decode else [])
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return [{"KEY": e.key, "TYPE": e.entry_type, **{k: f.value for k, f in e.fields_dict.items()}}
            for e in library.entries]


def valid_csl(items: list[dict]) -> list[dict]:
    errors = [f"{e.json_path}: {e.message}" for e in CSL_SCHEMA.iter_errors(items)]
    assert not errors, errors
    return items


def test_one_release_in_each_format() -> None:
    [c] = cite([(release(url="https://www.hrw.org/news/kenya"), "Human Rights Watch")])
    [bib] = parse_bibtex(to_bibtex([c]))
    assert bib == {"KEY": c.key, "TYPE": "techreport", "author": "Human Rights Watch",
                   "title": "Kenya: Free the Protesters", "institution": "Human Rights Watch",
                   "type": "Press release", "year": "2024", "month": "jun", "date": "2024-06-25",
                   "url": "https://www.hrw.org/news/kenya", "urldate": "2026-11-30", "language": "en"}
    assert "author = {{Human Rights Watch}}" in to_bibtex([c])  # one name, not "Watch, Human Rights"
    [ris] = rispy.loads(to_ris([c]))
    assert ris == {"type_of_reference": "RPRT", "id": c.key, "title": "Kenya: Free the Protesters",
                   "authors": ["Human Rights Watch"], "publisher": "Human Rights Watch",
                   "type_of_work": "Press release", "year": "2024", "date": "2024/06/25",
                   "urls": ["https://www.hrw.org/news/kenya"], "access_date": "2026/11/30", "language": "en"}
    [csl] = valid_csl(to_csl_json([c]))
    assert csl == {"id": c.key, "type": "report", "genre": "Press release",
                   "title": "Kenya: Free the Protesters", "author": [{"literal": "Human Rights Watch"}],
                   "publisher": "Human Rights Watch",
                   "issued": {"date-parts": [[2024, 6, 25]]}, "accessed": {"date-parts": [[2026, 11, 30]]},
                   "URL": "https://www.hrw.org/news/kenya", "language": "en"}


def test_the_csl_schema_is_not_vacuous() -> None:
    for wrong in ({"id": "k", "type": "press-release"}, {"id": "k", "type": "report", "url": "https://x.org"},
                  {"id": "k", "type": "report", "issued": {"date-parts": [["2024", 6, 25, 1]]}},
                  {"type": "report"}):
        assert list(CSL_SCHEMA.iter_errors([wrong])), wrong


@pytest.mark.parametrize(("date", "year", "month", "ris_date", "parts"), [
    ("2013-09-27", "2013", "sep", "2013/09/27", [2013, 9, 27]),
    ("2013-09", "2013", "sep", "2013/09", [2013, 9]),
    ("2013", "2013", None, "2013", [2013]),
    (None, None, None, None, None),
])
def test_partial_and_missing_dates_say_no_more_than_is_known(date, year, month, ris_date, parts) -> None:
    citations = cite([(release(date=date), "Human Rights Watch")])
    [bib] = parse_bibtex(to_bibtex(citations))
    assert (bib.get("year"), bib.get("month"), bib.get("date")) == (year, month, date)
    [ris] = rispy.loads(to_ris(citations))
    assert (ris.get("year"), ris.get("date")) == (year, ris_date)
    [csl] = valid_csl(to_csl_json(citations))
    assert csl.get("issued") == ({"date-parts": [parts]} if parts else None)
    assert csl["accessed"] == {"date-parts": [[2026, 11, 30]]}  # the capture day, whatever the date
    assert citations[0].key.startswith(f"hrw{year or 'nd'}kenya-")


def test_a_release_without_url_names_the_file_it_was_imported_from() -> None:
    citations = cite([(release(metadata={"file": "hrdsattack.jsonl"}), "HRDsAttack")])
    note = "No original address: imported into RightsSearch from the file hrdsattack.jsonl"
    [bib] = parse_bibtex(to_bibtex(citations))
    assert bib["note"] == note and "url" not in bib
    [ris] = rispy.loads(to_ris(citations))
    assert ris["notes"] == [note] and "urls" not in ris
    [csl] = valid_csl(to_csl_json(citations))
    assert csl["note"] == note and "URL" not in csl


@pytest.mark.parametrize("title", [
    "Côte d'Ivoire: 50% of {detainees} & $5 bail, #FreeThem, art_19",
    "Çà et là: défenseurs {{des}} droits — Рустам Ҳамроев, 人权",
    "Back\\slash, caret ^ and tilde ~",
])
def test_special_characters_survive_bibtex(title: str) -> None:
    text = to_bibtex(cite([(release(title=title), "Défense & Liberté")]))
    [bib] = parse_bibtex(text)
    # pylatexenc reads \textasciicircum as the modifier letter; LaTeX prints the ASCII caret.
    assert bib["title"] == title.replace("^", "ˆ")
    assert bib["author"] == bib["institution"] == "Défense & Liberté"
    assert all(char in text for char in title if ord(char) > 127)  # UTF-8 kept, not turned into \^o
    assert re.fullmatch(r"[a-z0-9-]+", bib["KEY"])


def test_a_lone_brace_keeps_the_braces_of_the_file_paired() -> None:
    # BibTeX counts every brace, escaped or not: a lone \{ would swallow the rest of the file.
    text = to_bibtex(cite([(release(title="Sign } here {"), "HRW"), (release(doc_id="r2"), "HRW")]))
    assert text.count("{") == text.count("}")
    first, second = parse_bibtex(text, decode=False)
    assert first["title"] == r"{Sign \textbraceright{} here \textbraceleft{}}"
    assert second["title"] == "{Kenya: Free the Protesters}"


def test_urls_are_verbatim_in_bibtex() -> None:
    # The url package and biblatex read the field as is: % and _ are part of the address.
    url = "https://example.org/a_b/%C3%A9t%C3%A9?x=1&y=2#top"
    [bib] = parse_bibtex(to_bibtex(cite([(release(url=url), "HRW")])), decode=False)
    assert bib["url"] == url


def test_ris_values_stay_on_one_line_and_every_record_ends() -> None:
    messy = release(title="Line one\nline two\r\n\tthree", metadata={"file": "a\nb.jsonl"})
    text = to_ris(cite([(messy, "Human\nRights Watch"), (release(doc_id="r2"), "HRW")]))
    lines = text.split("\r\n")
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines if line)
    assert text.count("ER  - \r\n") == 2 and text.endswith("ER  - \r\n")
    first, second = rispy.loads(text)
    assert first["title"] == "Line one line two three" and first["authors"] == ["Human Rights Watch"]
    assert second["title"] == "Kenya: Free the Protesters"


def test_keys_are_stable_ascii_and_unique_within_a_file() -> None:
    hrw = "Human Rights Watch"
    twins = [(release(doc_id="same"), hrw)] * 3 + [(release(doc_id="other"), hrw)]
    keys = [c.key for c in cite(twins)]
    assert len(set(keys)) == 4 and all(re.fullmatch(r"[a-z0-9-]+", k) for k in keys)
    assert keys[0] == citation_key(release(doc_id="same"), hrw)  # the same on every export
    assert keys[0].startswith("hrw2024kenya-")
    one_word = citation_key(release(title="The Côte d'Ivoire Trial"), "HRDsAttack")
    assert one_word.startswith("hrdsattack2024cote-")


# Over the shared corpora, through the app.


def api_document(client, doc_id: str) -> dict:
    response = client.get(f"/api/documents/{doc_id}")
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.slow
def test_the_shared_documents_are_the_ones_these_tests_expect(client) -> None:
    hrw = api_document(client, HRW_ID)
    assert (hrw["title"], hrw["url"], hrw["date"]) == (HRW_TITLE, HRW_URL, "2024-01-18")
    assert api_document(client, NO_URL_ID)["url"] == ""


@pytest.mark.slow
@pytest.mark.parametrize("doc_id", [HRW_ID, NO_URL_ID])
@pytest.mark.parametrize(("suffix", "media_type"), [
    ("bib", "application/x-bibtex"), ("ris", "application/x-research-info-systems"),
    ("csl.json", "application/vnd.citationstyles.csl+json"),
])
def test_a_document_is_cited_as_the_api_describes_it(client, doc_id: str, suffix: str,
                                                     media_type: str) -> None:
    doc = api_document(client, doc_id)
    response = client.get(f"/documents/{doc_id}/cite.{suffix}")
    assert response.status_code == 200 and response.mimetype == media_type
    assert re.fullmatch(rf'attachment; filename="[a-z0-9-]+\.{re.escape(suffix)}"',
                        response.headers["Content-Disposition"])
    text = response.get_data(as_text=True)
    imported = doc["provenance"]["imported_from"]
    note = f"No original address: imported into RightsSearch from the file {imported}" if imported else None
    url, accessed = doc["url"] or None, doc["captured_at"][:10]  # the capture day, in UTC as stored
    if suffix == "bib":
        [entry] = parse_bibtex(text)
        assert (entry["title"], entry["author"], entry["institution"], entry["date"], entry.get("url"),
                entry["urldate"], entry.get("note")) == (
            doc["title"], doc["publisher"], doc["publisher"], doc["date"], url, accessed, note)
    elif suffix == "ris":
        [record] = rispy.loads(text)
        assert (record["title"], record["authors"], record["publisher"], record["date"], record.get("urls"),
                record["access_date"], record.get("notes")) == (
            doc["title"], [doc["publisher"]], doc["publisher"], doc["date"].replace("-", "/"),
            [url] if url else None, accessed.replace("-", "/"), [note] if note else None)
    else:
        [item] = valid_csl(json.loads(text))
        assert (item["title"], item["author"], item["publisher"], item["issued"], item.get("URL"),
                item["accessed"], item.get("note")) == (
            doc["title"], [{"literal": doc["publisher"]}], doc["publisher"],
            {"date-parts": [[int(p) for p in doc["date"].split("-")]]}, url,
            {"date-parts": [[int(p) for p in accessed.split("-")]]}, note)


@pytest.mark.slow
def test_a_search_exports_every_result_in_each_format_with_the_same_filters(client) -> None:
    search = client.get("/api/search", query_string={"q": QUERY}).get_json()
    country = min(search["facets"]["country"], key=lambda v: (-search["facets"]["country"][v], v))
    params = {"q": QUERY, "country": country, "sort": "date"}
    exported = client.get("/export.json", query_string=params).get_json()["results"]
    assert exported
    titles = [" ".join(r["title"].split()) for r in exported]

    bib = client.get("/export.bib", query_string=params)
    assert bib.status_code == 200
    assert bib.headers["Content-Disposition"] == 'attachment; filename="rightssearch.bib"'
    entries = parse_bibtex(bib.get_data(as_text=True))
    assert [e["title"].replace("ˆ", "^") for e in entries] == titles
    ris = client.get("/export.ris", query_string=params)
    assert ris.headers["Content-Disposition"] == 'attachment; filename="rightssearch.ris"'
    records = rispy.loads(ris.get_data(as_text=True))
    assert [r["title"] for r in records] == titles
    csl = client.get("/export.csl.json", query_string=params)
    assert csl.headers["Content-Disposition"] == 'attachment; filename="rightssearch.csl.json"'
    items = valid_csl(json.loads(csl.get_data()))
    assert [i["title"] for i in items] == titles

    keys = [e["KEY"] for e in entries]
    assert len(set(keys)) == len(keys) and keys == [r["id"] for r in records] == [i["id"] for i in items]
    assert bib.headers["X-Total-Count"] == str(len(exported))


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["bib", "ris", "csl.json"])
def test_errors_are_the_other_exports_errors(client, suffix: str) -> None:
    missing = client.get(f"/documents/no-such-release/cite.{suffix}")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    bad = client.get(f"/export.{suffix}", query_string={"q": QUERY, "from": "nope"})
    same = client.get("/export.json", query_string={"q": QUERY, "from": "nope"})
    assert bad.status_code == same.status_code == 400
    error = same.get_json()["error"]
    assert bad.get_json() == same.get_json() == {"ok": False, "status": 400, "error": error}
    assert client.get(f"/export.{suffix}").get_json()["status"] == 400  # no query


@pytest.mark.slow
def test_pages_link_to_the_citations(client) -> None:
    page = client.get(f"/documents/{HRW_ID}").get_data(as_text=True)
    cites = re.findall(r'href="(/documents/[^"]+/cite\.[a-z.]+)">(BibTeX|RIS|CSL-JSON)<', page)
    assert [label for _, label in cites] == ["BibTeX", "RIS", "CSL-JSON"]
    assert all(client.get(href).status_code == 200 for href, _ in cites)
    results = client.get("/", query_string={"q": QUERY}).get_data(as_text=True)
    exports = re.findall(r'href="(/export\.(?:bib|ris|csl\.json)\?[^"]+)">Export (BibTeX|RIS|CSL-JSON)<',
                         results)
    assert [label for _, label in exports] == ["BibTeX", "RIS", "CSL-JSON"]
    assert all(client.get(href.replace("&amp;", "&")).status_code == 200 for href, _ in exports)
