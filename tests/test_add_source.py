"""`add-source` on mirror sites with no profile: it proposes one, and a crawl with it finds the articles."""

from __future__ import annotations

import importlib.util
import logging
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from corpus.clean import Selectors
from corpus.cli import main
from corpus.discover import discover, profile_name
from corpus.fetch import Fetcher, FetchSettings
from corpus.patterns import article_groups
from corpus.sources import Source, load_profiles, load_sources, profile_toml, save_profile
from corpus.store import CorpusError, CorpusStore
from corpus.urls import path_and_query
from tests.sites import SITES, Server, _Recording, _SiteHandler, ground_truth, serve, serve_site

FAST = FetchSettings(delay=0, timeout=0.5, total_timeout=1.0, retries=0, backoff=0.01)
POLITE_ZERO = ["--delay", "0", "--ignore-crawl-delay"]  # our own mirrors: no pause between requests
MAX_DISCOVERY_REQUESTS = 40
HAVE_ISHR = importlib.util.find_spec("tests.ishr_site") is not None


@contextmanager
def mirror(site: str, tmp_path: Path) -> Iterator[tuple[Server, list[dict[str, Any]]]]:
    """Serve a mirror site; yield the server and the site's ground-truth rows."""
    if site == "ishr":
        from tests.ishr_site import build_ishr_site

        rows = build_ishr_site(tmp_path / "ishr-site")
        with serve(partial(_SiteHandler, directory=str(tmp_path / "ishr-site"))) as server:
            yield server, rows
    else:
        with serve_site(site) as server:
            yield server, ground_truth(site)


def stored_paths(data: Path) -> set[str]:
    """The url paths of the documents in a data folder's corpus."""
    with CorpusStore(data / "corpus.sqlite3") as store:
        return {path_and_query(d.url) for d in store.iter_documents()}


@pytest.mark.parametrize("site", [
    pytest.param("hrw", marks=pytest.mark.slow),
    pytest.param("defenders", marks=pytest.mark.slow),
    pytest.param("ishr", marks=pytest.mark.skipif(not HAVE_ISHR, reason="tests/ishr_site.py not there yet")),
])
def test_add_source_then_crawl_finds_the_articles_of_a_mirror_with_no_profile(
    site: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    with mirror(site, tmp_path) as (server, truth):
        assert main(["add-source", server.url, "--data", str(data), *POLITE_ZERO]) == 0
        discovery_requests = len(server.requests)
        name = profile_name(server.url)
        out, err = capsys.readouterr()
        assert f"crawl --source {name}" in err
        assert tomllib.loads(out)[name]["articles"]  # the printed proposal is the TOML written
        assert main(["crawl", "--data", str(data), "--source", name, *POLITE_ZERO, "-q"]) == 0
        disallowed = [r["path"] for r in truth if "robots.txt" in r["note"]]
        assert disallowed and not any(server.requested(p.split("?")[0]) for p in disallowed)
    expected = {r["canonical_path"] for r in truth if r["expected"] == "document"}
    stored = stored_paths(data)
    assert discovery_requests <= MAX_DISCOVERY_REQUESTS
    assert len(stored & expected) >= 0.95 * len(expected), sorted(expected - stored)
    assert stored <= expected, sorted(stored - expected)  # no listing, archive or page became a document


class _NoSitemapHandler(_SiteHandler):
    """A mirror site that names no sitemap and serves none: listings are all there is."""

    def do_GET(self) -> None:
        if self.path.split("?")[0].endswith(".xml"):
            self.record()
            self.send_error(404)
        elif self.path == "/robots.txt":
            self.record()
            body = b"User-agent: *\nDisallow: /private/\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            super().do_GET()


def test_listings_alone_give_the_pattern_and_the_profile_moves_with_base_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    site = str(SITES / "defenders")
    with serve(partial(_NoSitemapHandler, directory=site)) as server:
        assert main(["add-source", server.url, "--data", str(data), "--name", "dm", "--sample", "3",
                     *POLITE_ZERO]) == 0
    assert "sitemaps read: none" in capsys.readouterr().out
    profile = load_sources(data / "sources.toml")["dm"]
    assert profile.sitemaps == () and profile.start == (f"{server.url}/latest-updates/",)
    assert profile.selectors.body == "div.entry-content" and profile.publisher == "Defenders Monitor"
    for row in ground_truth("defenders"):
        url = profile.canonical(server.url + row["canonical_path"])
        assert profile.is_article(url) == row["canonical_path"].startswith("/latest-updates/"), row["path"]
    assert profile.is_listing(f"{server.url}/latest-updates/page/7/")
    # The written profile, served from another address, as crawl --base-url does with built-in ones.
    with serve(partial(_SiteHandler, directory=site)) as elsewhere:
        assert main(["crawl", "--data", str(data), "--source", "dm", "--base-url", elsewhere.url,
                     "--max-pages", "4", *POLITE_ZERO, "-q"]) == 0
        assert elsewhere.requested("/latest-updates/") == 1
    assert len(stored_paths(data)) == 4


class _Refusing(_Recording, BaseHTTPRequestHandler):
    """A server that records and refuses every request."""

    def do_GET(self) -> None:
        self.record()
        self.send_error(403)


def test_a_name_in_use_or_malformed_is_refused_before_any_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with serve(_Refusing) as server:
        for name in ("hrw", "mine"):
            if name == "mine":
                save_profile(_profile("mine"), tmp_path / "sources.toml")
            assert main(["add-source", server.url, "--data", str(tmp_path), "--name", name]) == 1
            assert f"[{name}] is already in" in caplog.text and "--replace" in caplog.text
        assert main(["add-source", server.url, "--data", str(tmp_path), "--name", "my site"]) == 1
        assert "use letters, digits" in caplog.text
        assert server.requests == []


def test_dead_and_empty_sites_fail_with_one_clear_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.ERROR, logger="corpus")
    with Fetcher(FAST) as fetcher, pytest.raises(CorpusError, match="cannot reach http://127.0.0.1:9"):
        discover("http://127.0.0.1:9/", fetcher, "dead")
    cases = {
        "/": ("text/html", b"<html><body><h1>Soon</h1><p>Nothing here yet.</p></body></html>"),
        "/pdf/": ("application/pdf", b"%PDF-1.4"),
    }

    class Handler(_SiteHandler):
        def do_GET(self) -> None:
            self.record()
            kind, body = cases.get(self.path, ("text/plain", b""))
            self.send_response(200 if self.path in cases else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serve(partial(Handler, directory=str(tmp_path))) as server:
        for path, message in (("/", "found no article pages"), ("/pdf/", "is not an HTML page"),
                              ("/gone/", "answers HTTP 404")):
            caplog.clear()
            argv = ["add-source", server.url + path, "--data", str(tmp_path), "--dry-run", *POLITE_ZERO]
            assert main(argv) == 1
            errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
            assert len(errors) == 1 and message in errors[0], errors
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "sources.toml").exists()


def _profile(name: str, **changes: Any) -> Source:
    fields: dict[str, Any] = {"start": ("https://example.org/news/",), "articles": r"^/news/[\w%-]+/?$"}
    return Source(name=name, **(fields | changes))


def test_profiles_are_written_as_toml_the_loader_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    tricky = _profile(
        "tricky", listings=r"^/news/(page/\d+/)?$|^/it's/$", sitemaps=("https://example.org/sitemap.xml",),
        articles="(?x)\n    ^/news/\\d{4}/[\\w%-]+/?$\n  | ^/report/[\\w%-]+/?$\n",
        selectors=Selectors(body="div.entry-content", remove=(".share", '[data-x="y"]')),
        description='From "add-source", with quotes', publisher="Défenseurs",
    )
    path.write_text("# a note of the user's, kept\n", encoding="utf-8")
    save_profile(tricky, path)
    assert load_sources(path)["tricky"] == tricky
    save_profile(_profile("other"), path)
    with pytest.raises(CorpusError, match="--replace"):
        save_profile(_profile("tricky"), path)
    assert save_profile(_profile("tricky", listings="^/news/$"), path, replace_existing=True)
    profiles = load_sources(path)
    assert list(profiles) == ["other", "tricky"] and profiles["tricky"].listings == "^/news/$"
    assert "a note of the user's, kept" in path.read_text(encoding="utf-8")
    assert tomllib.loads(profile_toml(tricky))["tricky"]["selectors"]["remove"] == [".share", '[data-x="y"]']


def test_crawl_reads_the_users_profiles_after_the_built_in_ones(tmp_path: Path) -> None:
    save_profile(_profile("hrw"), tmp_path / "sources.toml")
    save_profile(_profile("mine"), tmp_path / "sources.toml")
    profiles = load_profiles(tmp_path / "sources.toml")
    assert profiles["hrw"].start == ("https://example.org/news/",) and {"ishr", "mine"} <= set(profiles)
    missing = str(tmp_path / "nope.toml")
    assert main(["crawl", "--data", str(tmp_path), "--sources", missing, "--source", "x"]) == 1


def test_profile_names_come_from_the_host() -> None:
    assert profile_name("https://www.hrw.org/news") == "hrw"
    assert profile_name("ishr.ch") == "ishr"
    assert profile_name("https://www.bbc.co.uk/") == "bbc"
    assert profile_name("http://127.0.0.1:8000/") == "127-0-0-1-8000"


FILLER = ("The authorities detained the defenders after a peaceful protest outside the ministry, and "
          "their lawyers have not been allowed to see them since; UN experts called for their release.")
FILLER_2 = ("Their families say the charges are fabricated, and several embassies have asked to attend the "
            "trial, which the court has twice postponed without giving a reason for the delay.")
RSS = ('<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
       '<atom:link href="/feed.xml" rel="self"/><link>/</link>{items}</channel></rss>')
ATOM = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><link href="/" rel="alternate"/>'
        "{items}</feed>")


def _small_blog(folder: Path, feed: str) -> list[str]:
    """A site with no sitemap: a home page declaring a feed, a paginated /blog/ listing, 9 posts."""
    posts = [f"/blog/2024/05/{n:02}/defenders-detained-after-protest-number-{n}/" for n in range(1, 10)]
    pages = {
        "/": (f'<link rel="alternate" type="application/{feed}+xml" href="/feed.xml">'
              + '<a href="/blog/">Blog</a> <a href="/about/">About us</a>'),
        "/blog/": "".join(f'<a href="{p}">{p}</a>' for p in posts[:6]) + '<a href="/blog/page/2/">Next</a>',
        "/blog/page/2/": "".join(f'<a href="{p}">{p}</a>' for p in posts[6:]) + '<a href="/blog/">Newer</a>',
        **{p: f'<h1>Post {n}</h1><div class="post-body"><p>{FILLER}</p><p>{FILLER_2}</p></div>'
           for n, p in enumerate(posts, 1)},
    }
    for path, body in pages.items():
        (folder / path.strip("/")).mkdir(parents=True, exist_ok=True)
        nav = '<nav><a href="/">Home</a> <a href="/blog/">Blog</a> <a href="/about/">About</a></nav>'
        (folder / path.strip("/") / "index.html").write_text(
            f"<html><head><title>Blog</title></head><body>{nav}{body}</body></html>", encoding="utf-8")
    item = "<item><link>{}</link></item>" if feed == "rss" else '<entry><link href="{}"/></entry>'
    items = "".join(item.format(p) for p in posts[:8])
    (folder / "feed.xml").write_text((RSS if feed == "rss" else ATOM).format(items=items), encoding="utf-8")
    return posts


@pytest.mark.parametrize("feed", ["rss", "atom"])
def test_feeds_and_a_paginated_listing_without_a_sitemap(feed: str, tmp_path: Path) -> None:
    posts = _small_blog(tmp_path, feed)
    with serve(partial(_SiteHandler, directory=str(tmp_path))) as server, Fetcher(FAST) as fetcher:
        found = discover(server.url, fetcher, "blog", sample=3)
    source = found.source
    assert found.feeds == (f"{server.url}/feed.xml",) and found.sitemaps == () and found.articles == 9
    assert source.start == (f"{server.url}/blog/",) and source.sitemaps == ()
    assert source.articles == r"^/blog/\d{4}/\d{2}/\d{2}/[\w%-]+/?$"
    assert source.is_listing(f"{server.url}/blog/page/2/") and not source.is_listing(f"{server.url}/about/")
    assert source.selectors.body == "div.post-body"  # the densest paragraph container, on every sample
    assert [s.url for s in found.samples] == [server.url + p for p in (posts[0], posts[3], posts[6])]
    assert all(s.title.startswith("Post") and s.words.startswith("The authorities") for s in found.samples)


def test_a_feed_alone_is_not_enough_for_a_crawl(tmp_path: Path) -> None:
    _small_blog(tmp_path, "rss")
    for listing in ("blog", "blog/page/2"):
        (tmp_path / listing / "index.html").unlink()
    with serve(partial(_SiteHandler, directory=str(tmp_path))) as server, Fetcher(FAST) as fetcher:
        with pytest.raises(CorpusError, match="no sitemap and no listing page"):
            discover(server.url, fetcher, "blog")


def test_article_groups_keep_articles_and_leave_out_sections_archives_and_pagination() -> None:
    site = "https://example.org"
    urls = [
        *(f"{site}/2024/05/{d:02}/court-jails-rights-lawyer-{d}/" for d in range(1, 8)),  # date permalinks
        *(f"{site}/{lang}actualites/les-defenseurs-liberes-{n}/" for n in range(4) for lang in ("", "fr/")),
        *(f"{site}/es/noticias/los-defensores-fueron-liberados-{n}/" for n in range(3)),
        *(f"{site}/topic/{t}/" for t in ("arms", "health", "torture", "refugees")),  # taxonomy
        *(f"{site}/africa/{c}/" for c in ("sudan", "nigeria", "ethiopia", "dr-congo")),  # one-word slugs
        *(f"{site}/news/page/{n}/" for n in range(2, 9)),  # pagination
        f"{site}/", f"{site}/fr/", f"{site}/about-us/", f"{site}/content/388041/",  # one-offs
    ]
    assert [(g.pattern, g.count) for g in article_groups(urls)] == [  # largest first
        (r"^/(fr/)?actualites/[\w%-]+/?$", 8),
        (r"^/\d{4}/\d{2}/\d{2}/[\w%-]+/?$", 7),
        (r"^/es/noticias/[\w%-]+/?$", 3),
    ]
