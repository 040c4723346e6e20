"""The `ishr` profile against a WordPress mirror of ishr.ch in three languages (tests/ishr_site.py).

The mirror is built into a temporary folder, served on 127.0.0.1 and crawled in-process with the
shipped profile moved onto the server (`Source.rebased`), as `--base-url` does.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import pytest

from corpus.cache import PageCache
from corpus.clean import clean_html, declared_lang, parse
from corpus.crawl import Crawler, CrawlOptions, CrawlStats
from corpus.documents import Document
from corpus.fetch import Fetcher, FetchSettings
from corpus.sources import Source, adhoc_source, load_sources
from corpus.store import CorpusStore
from corpus.text_clean import clean_text
from corpus.urls import path_and_query
from tests.ishr_site import MARKER, build_ishr_site
from tests.sites import Server, _SiteHandler, serve

FAST = FetchSettings(delay=0, timeout=2, total_timeout=5, retries=0)
LOCAL = "http://127.0.0.1:9"


@dataclass
class Crawl:
    """One crawl of the served mirror: its counts, documents by path, the server and the ground truth."""

    stats: CrawlStats
    docs: dict[str, Document]
    server: Server
    truth: list[dict]
    publishers: dict[str, str]


def crawl(source: Source, data: Path) -> tuple[CrawlStats, dict[str, Document]]:
    """Run one crawl in-process; return its counts and the stored documents by url path."""
    with (
        CorpusStore(data / "corpus.sqlite3") as store,
        PageCache(data / "pages.sqlite3") as cache,
        Fetcher(FAST) as fetcher,
    ):
        stats = Crawler(source, store, cache, fetcher, CrawlOptions(progress=False)).run()
        docs = {path_and_query(d.url): d for d in store.iter_documents()}
    return stats, docs


def collapse(text: str) -> str:
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n"))


def site_files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """The whole mirror crawled once with the shipped profile."""
    site = tmp_path_factory.mktemp("ishr-site")
    truth = build_ishr_site(site)
    data = tmp_path_factory.mktemp("data")
    with serve(partial(_SiteHandler, directory=str(site))) as server:
        stats, docs = crawl(load_sources()["ishr"].rebased(server.url), data)
    with CorpusStore(data / "corpus.sqlite3", readonly=True) as store:
        publishers = store.publishers()
    return Crawl(stats, docs, server, truth, publishers)


def test_the_mirror_is_built_fast_and_the_same_every_time(tmp_path: Path) -> None:
    started = time.perf_counter()
    rows = build_ishr_site(tmp_path / "one")
    assert time.perf_counter() - started < 1.0
    assert build_ishr_site(tmp_path / "two") == rows
    files = site_files(tmp_path / "one")
    assert files == site_files(tmp_path / "two")
    assert all((tmp_path / "one" / f).read_bytes() == (tmp_path / "two" / f).read_bytes() for f in files)
    documents = [r for r in rows if r["expected"] == "document"]
    assert Counter(r["lang"] for r in documents) == {"en": 13, "fr": 6, "es": 6}
    assert Counter(r["layout"] for r in documents) == {"classic": 12, "block": 9, "builder": 4}


def test_every_expected_document_and_nothing_else(mirror: Crawl) -> None:
    expected = {r["canonical_path"]: r for r in mirror.truth if r["expected"] == "document"}
    assert mirror.docs.keys() == expected.keys()
    for path, row in expected.items():
        doc = mirror.docs[path]
        assert (doc.title, doc.date, list(doc.tags)) == (row["title"], row["date"], row["tags"]), path
        assert doc.lang == row["lang"], path
        assert doc.body == collapse(row["body"]), path
        # The page builder's pages match no profile selector: the generic extractor read them.
        method = "trafilatura" if row["layout"] == "builder" else "selectors"
        assert doc.metadata["extracted_by"] == method, path
    assert Counter(d.lang for d in mirror.docs.values()) == {"en": 13, "fr": 6, "es": 6}
    assert mirror.publishers == {"ishr": "International Service for Human Rights"}  # what results show
    methods = Counter(d.metadata["extracted_by"] for d in mirror.docs.values())
    assert methods == {"selectors": 21, "trafilatura": 4}


def test_no_box_text_in_any_body(mirror: Crawl) -> None:
    clutter = ("Related articles", "Articles liés", "Artículos relacionados", "Stay in the loop",
               "Restez informé", "Mantente al día", "Share this", "Partager", "Compartir", "LinkedIn",
               "adresse e-mail", "correo electrónico", "Subscribe", "S’abonner", "Suscríbete")
    for path, doc in mirror.docs.items():
        assert not [c for c in clutter if c in doc.body], path
    # The block-editor pages end their content with teaser links and a sign-up call in every language:
    # the text cleaner took them off, and the page's text as extracted is kept beside the body.
    cleaned = {d.lang for d in mirror.docs.values() if "original_text" in d.metadata}
    assert cleaned == {"en", "fr", "es"}


def test_tricky_pages_and_pages_that_are_not_articles(mirror: Crawl) -> None:
    server, skipped = mirror.server, [r for r in mirror.truth if r["expected"] == "skip"]
    notes = " ".join(r["note"] for r in skipped)
    cases = ("404", "duplicate", "robots.txt", "noindex", "PDF", "not an article")
    assert all(case in notes for case in cases)
    for row in skipped:
        assert row["canonical_path"] not in mirror.docs or "duplicate" in row["note"], row["path"]
        if row["note"].startswith(("robots.txt", "not an article", "a PDF")):
            assert server.requested(row["path"]) == 0, row["path"]  # never fetched at all
    assert not any(MARKER in d.body for d in mirror.docs.values())
    duplicate = next(r for r in skipped if "utm_source" in r["path"])
    assert server.requested(duplicate["canonical_path"]) == 1  # the tracking link collapsed before fetching
    noindex = next(r for r in skipped if "noindex" in r["note"])
    assert server.requested(noindex["path"]) == 1
    assert mirror.stats.failed == 1  # the dead link
    # Every sitemap of the index was read; only the posts sitemap held articles.
    parts = ("", "-posts-post-1", "-posts-page-1", "-taxonomies-category-1", "-users-1")
    assert all(server.requested(f"/wp-sitemap{part}.xml") == 1 for part in parts)


@pytest.mark.parametrize("announced", ["robots.txt", "wp-sitemap.xml", "sitemap_index.xml"])
def test_sitemaps_are_found_when_the_profile_names_none(announced: str, tmp_path: Path) -> None:
    """robots.txt's Sitemap line, else /wp-sitemap.xml, else /sitemap_index.xml (after a harmless 404)."""
    site = tmp_path / "site"
    truth = build_ishr_site(site)
    if announced != "robots.txt":
        robots = site / "robots.txt"
        robots.write_text(robots.read_text(encoding="utf-8").replace("Sitemap: /wp-sitemap.xml\n", ""),
                          encoding="utf-8")
        (site / "wp-sitemap.xml").rename(site / announced)
    with serve(partial(_SiteHandler, directory=str(site))) as server:
        # No listing followed: every document comes from the sitemaps.
        source = replace(load_sources()["ishr"], sitemaps=()).rebased(server.url)
        source = replace(source, start=(f"{server.url}/",), listings="^$")
        stats, docs = crawl(source, tmp_path / "data")
    assert docs.keys() == {r["canonical_path"] for r in truth if r["expected"] == "document"}
    found = "/wp-sitemap.xml" if announced == "robots.txt" else f"/{announced}"
    assert server.requested(found) == 1  # read once, though it was fetched while looking for it
    assert server.requested("/sitemap.xml") == 0  # the search stops at the first sitemap found
    if announced == "sitemap_index.xml":
        assert server.requested("/wp-sitemap.xml") == 1  # the 404 on the way, which fails nothing
    assert stats.failed == 0


def test_an_ad_hoc_crawl_reads_only_the_listing_it_is_given(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_ishr_site(site)
    with serve(partial(_SiteHandler, directory=str(site))) as server:
        source = adhoc_source(f"{server.url}/es/noticias/", r"^/es/noticias/[^/]+/$", listings="^$")
        _, docs = crawl(source, tmp_path / "data")
    assert len(docs) == 6 and {d.lang for d in docs.values()} == {"es"}
    assert not any("sitemap" in path for path in server.requests)


def test_declared_language_and_profile_patterns() -> None:
    body = "<body><h1>T</h1><div class='entry-content'><p>Texte.</p></div></body>"
    assert clean_html(f'<html lang="fr-FR"><head></head>{body}</html>').lang == "fr"
    og = '<meta property="og:locale" content="es_ES">'
    assert declared_lang(parse(f"<html><head>{og}</head></html>")) == "es"
    http_equiv = '<meta http-equiv="Content-Language" content="fr, en">'
    assert declared_lang(parse(f"<html><head>{http_equiv}</head></html>")) == "fr"
    assert clean_html(f"<html>{body}</html>").lang == ""  # nothing declared: the store detects it
    source = load_sources()["ishr"].rebased(LOCAL)
    for start in source.start:
        assert source.is_listing(start) and not source.is_article(start)
    for path in ("/latest-updates/page/2/", "/fr/actualites/page/2/", "/es/noticias/page/3/"):
        assert source.is_listing(LOCAL + path) and not source.is_article(LOCAL + path)
    for path in ("/about-us/", "/fr/categorie/actualites/", "/es/quienes-somos/", "/wp-sitemap.xml"):
        assert not source.is_article(LOCAL + path)


RELEASES = {
    "fr": ["(Genève, 3 mars 2024) – ISHR a formé vingt défenseur·e·s aux mécanismes de l’ONU cette "
           "semaine, avec des séances sur les organes de traités, l’Examen périodique universel et les "
           "représailles.",
           "« Abonnez-vous aux listes de diffusion des organes de traités pour suivre les sessions », a "
           "conseillé la formatrice aux participant·e·s, qui recevront aussi notre lettre d’information."],
    "es": ["(Ginebra, 3 de marzo de 2024) – ISHR formó a veinte personas defensoras en los mecanismos de la "
           "ONU esta semana, con sesiones sobre los órganos de tratados y el Examen Periódico Universal.",
           "«Suscríbete a las listas de correo de los órganos de tratados para seguir sus sesiones», dijo la "
           "formadora a las y los participantes, que también recibirán nuestro boletín."],
}
BOXES = {
    "fr": ["Articles liés", "Burundi : les défenseur·e·s doivent pouvoir travailler sans crainte",
           "Restez informé·e·s !",
           "Souhaitez-vous recevoir nos actualités ? Saisissez votre adresse e-mail ci-dessous !",
           "Partager : Facebook, X, LinkedIn, E-mail"],
    "es": ["Artículos relacionados", "Colombia: el Estado debe proteger a los líderes sociales",
           "¡Mantente al día!",
           "¿Quieres recibir nuestro boletín? ¡Introduce tu dirección de correo electrónico!",
           "Compartir: Facebook, X, Correo electrónico"],
}


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_french_and_spanish_boxes_go_and_release_paragraphs_stay(lang: str) -> None:
    """Teasers, a sign-up box and share links go; a quotation about subscribing is the release's own."""
    release = "\n\n".join(RELEASES[lang])
    assert clean_text("\n\n".join([release, *BOXES[lang]]), title="Titre").body == release
    assert clean_text(release, title="Titre").body == release
