"""Themes for every release (the source's and assigned from the text, kept apart) and one result per
story (near-copies grouped), over the shared corpora as the real build indexes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.config import load_settings
from corpus.store import CorpusStore
from indexer import duplicates
from indexer.fields import DocumentFields
from indexer.keywords import KeywordIndex
from indexer.themes import load_themes, source_themes
from tests.conftest import run_cli

KIDNAPPING = "Kidnapping and hostage-taking"


def test_the_vocabulary_is_small_described_and_named_once() -> None:
    themes = load_themes()
    assert 20 <= len(themes) <= 40
    assert len({t.name for t in themes}) == len({t.key for t in themes}) == len(themes)
    assert all(t.description and t.examples and t.aliases for t in themes)
    assert source_themes(["Kidnapping", "Zimbabwe"], themes) == (KIDNAPPING,)


@pytest.mark.slow
def test_every_hrw_release_has_themes_though_none_has_tags(shared_data: Path) -> None:
    index = load_settings(shared_data).index_path
    fields = DocumentFields.load(index)
    rows = fields.rows_by_id(KeywordIndex.load(index).documents)
    with CorpusStore(load_settings(shared_data).db_path, readonly=True) as store:
        hrw = [d.id for d in store.iter_documents() if d.source == "hrw-news-2024"]
    assert not any(rows[d].tags for d in hrw)
    assert sum(bool(rows[d].themes) for d in hrw) / len(hrw) > 0.9
    assert all(len(rows[d].themes) <= load_settings(shared_data).max_themes for d in hrw)


@pytest.mark.slow
def test_a_theme_filter_finds_the_untagged_release(client) -> None:
    body = client.get("/api/search", query_string={"q": "Haiti kidnappings", "theme": KIDNAPPING,
                                                   "per_page": 50}).get_json()
    titles = [r["title"] for r in body["results"]]
    assert "Criminal Chaos in Haiti" in titles
    assert all(KIDNAPPING in r["themes"] for r in body["results"])
    assert body["facets"]["theme"][KIDNAPPING] == body["total"]  # a facet count is what selecting it gives
    # A theme's key works too, and a mistyped theme is refused with the closest one.
    assert client.get("/api/search?q=Haiti&theme=kidnapping").get_json()["total"] > 0
    error = client.get("/api/search?q=Haiti&theme=Kidnaping and hostage taking").get_json()
    assert error["status"] == 400 and KIDNAPPING in error["error"]


@pytest.mark.slow
def test_source_labels_and_assigned_themes_are_kept_apart(client, shared_data: Path) -> None:
    with CorpusStore(load_settings(shared_data).db_path, readonly=True) as store:
        labelled = next(d for d in store.iter_documents() if "kidnapping" in d.metadata.get("violation_types", []))
        untagged = next(d for d in store.iter_documents() if d.title == "Criminal Chaos in Haiti")
    body = client.get(f"/api/documents/{labelled.id}").get_json()
    assert KIDNAPPING in body["themes"] and KIDNAPPING not in body["assigned_themes"]  # the source's label
    body = client.get(f"/api/documents/{untagged.id}").get_json()
    assert body["tags"] == [] and body["themes"] and body["assigned_themes"] == body["themes"]
    page = client.get(f"/documents/{untagged.id}").get_data(as_text=True)
    assert page.count("assigned theme: ") == len(body["themes"])


@pytest.mark.slow
def test_copies_are_one_story(shared_data: Path) -> None:
    index = load_settings(shared_data).index_path
    fields = DocumentFields.load(index)
    documents = KeywordIndex.load(index).documents
    with CorpusStore(load_settings(shared_data).db_path, readonly=True) as store:
        by_id = {d.id: d for d in store.iter_documents()}
    groups = {}
    for number, story in enumerate(fields.story.tolist()):
        groups.setdefault(story, []).append(by_id[documents[number]].title)
    stories = [titles for titles in groups.values() if len(titles) > 1]
    # The shared corpora's copies: the Tajikistan release under two addresses, the Australia one three times.
    assert ["Tajikistan: EU States, Türkiye Should Not Return Dissidents"] * 2 in stories
    assert ["Australia: Rights Vetting Crucial for Defence Cooperation"] * 3 in stories
    assert 8 <= len(stories) <= 16 and all(len(titles) <= 4 for titles in stories)


@pytest.mark.slow
def test_no_results_page_shows_two_copies(client) -> None:
    for query in ("Tajikistan dissidents returned from Türkiye", "Australia defence cooperation rights vetting",
                  "Jimmy Lai arrested under the security law", "Hong Kong speech therapists children's books"):
        body = client.get("/api/search", query_string={"q": query, "per_page": 20}).get_json()
        titles = [r["title"] for r in body["results"]]
        assert len(titles) == len(set(titles)), (query, titles)
        first = body["results"][0]
        assert first["other_versions"], query  # the copies are named beside the one shown
        assert not {first["id"], *first["other_versions"]} & {r["id"] for r in body["results"][1:]}
        page = client.get("/", query_string={"q": query}).get_data(as_text=True)
        assert "other version" in page


@pytest.mark.slow
def test_an_update_groups_a_new_copy_with_its_original(copy_data, small_data: Path, embedder) -> None:
    from indexer.build import update_index

    data = copy_data(small_data)
    settings = load_settings(data)
    with CorpusStore(settings.db_path, readonly=True) as store:
        original = next(d for d in store.iter_documents() if len(d.body.split()) > 200)
    copy = {"id": "republished", "title": "Republished: " + original.title, "body": original.body + "\n\nShare this."}
    (data / "copy.jsonl").write_text(json.dumps(copy) + "\n", encoding="utf-8")
    run_cli("corpus", "import", str(data / "copy.jsonl"), "-q", data=data)
    update_index(settings, embedder, progress=False)
    fields = DocumentFields.load(settings.index_path)
    numbers = {d: i for i, d in enumerate(KeywordIndex.load(settings.index_path).documents)}
    assert fields.story[numbers["republished"]] == fields.story[numbers[original.id]]
    assert (settings.index_path / duplicates.SIGNATURES).exists()


@pytest.mark.parametrize(("first", "second", "same"), [
    ("word " * 10, "word " * 10, False),  # too short to call anyone's copy
    (" ".join(f"w{i}" for i in range(300)), " ".join(f"w{i}" for i in range(300)) + " extra", True),
    (" ".join(f"w{i}" for i in range(300)), " ".join(f"v{i}" for i in range(300)), False),
])
def test_stories_from_signatures(first: str, second: str, same: bool) -> None:
    story = duplicates.stories(duplicates.signatures([first, second]))
    assert bool(story[0] == story[1]) is same
