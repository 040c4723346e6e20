"""The crawler against real HTTP servers on 127.0.0.1: the mirror sites and a fault-injecting one."""

from __future__ import annotations

import email.utils
import os
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from functools import partial
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from corpus.cache import PageCache
from corpus.clean import Selectors
from corpus.cli import main
from corpus.crawl import Crawler, CrawlOptions, CrawlStats
from corpus.evaluate import score_page
from corpus.fetch import Fetcher, FetchSettings
from corpus.sources import Source, adhoc_source, load_sources
from corpus.store import CorpusError, CorpusStore
from corpus.urls import canonical_url, is_file_link, path_and_query
from tests.sites import SITES, Server, _Recording, _SiteHandler, ground_truth, serve, serve_site

ROOT = Path(__file__).resolve().parents[1]
FAST = FetchSettings(delay=0, timeout=0.5, total_timeout=1.0, retries=2, backoff=0.01, max_bytes=1_000_000)


@pytest.fixture(scope="module")
def defenders() -> Server:
    with serve_site("defenders") as server:
        yield server


@pytest.fixture(scope="module")
def hrw() -> Server:
    with serve_site("hrw") as server:
        yield server


def crawl(
    source: Source, data: Path, fetch: FetchSettings = FAST, **options: object
) -> tuple[CrawlStats, dict]:
    """Run one crawl in-process; return its counts and the stored documents by url path."""
    with (
        CorpusStore(data / "corpus.sqlite3") as store,
        PageCache(data / "pages.sqlite3") as cache,
        Fetcher(fetch) as fetcher,
    ):
        stats = Crawler(source, store, cache, fetcher, CrawlOptions(progress=False, **options)).run()
        docs = {path_and_query(d.url): d for d in store.iter_documents()}
    return stats, docs


def listing_only(server: Server, page: str, pattern: str = r"^/latest-updates/(?!page/)[^/]+/$") -> Source:
    """A source that reads one listing page of a mirror and follows no pagination."""
    return adhoc_source(f"{server.url}{page}", pattern, listings="^$")


# URLs and profiles


def test_canonical_url_drops_tracking_fragments_and_aliases() -> None:
    aliases = {"hrw.org": "www.hrw.org", "new.hrw.org": "www.hrw.org"}
    assert (
        canonical_url("HTTPS://New.HRW.org:443/news?b=2&utm_source=x&a=1#top", aliases)
        == "https://www.hrw.org/news?a=1&b=2"
    )
    assert canonical_url("http://127.0.0.1:8000/a/?fbclid=1&gclid=2") == "http://127.0.0.1:8000/a/"
    assert is_file_link("https://x.org/files/report.PDF") and not is_file_link("https://x.org/news/")


def test_shipped_profiles_match_every_mirror_article() -> None:
    profiles = load_sources()
    assert {"ishr", "hrw"} <= set(profiles)
    for name, site in (("hrw", "hrw"), ("ishr", "defenders")):
        source = profiles[name].rebased("http://127.0.0.1:9")
        for row in ground_truth(site):
            url = source.canonical("http://127.0.0.1:9" + row["path"])
            expected = row["expected"] == "document" or "404" in row["note"] or "noindex" in row["note"]
            assert source.is_article(url) == expected or "duplicate" in row["note"], row["path"]
        assert source.is_listing(source.start[0])


def test_bad_profiles_fail_with_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "sources.toml"
    bad.write_text('[x]\nstart = ["https://x.org/"]\narticles = "("\n')
    with pytest.raises(CorpusError, match="bad articles pattern"):
        load_sources(bad)
    bad.write_text('[x]\narticles = "a"\n')
    with pytest.raises(CorpusError, match="incomplete"):
        load_sources(bad)
    with pytest.raises(CorpusError):
        load_sources(tmp_path / "missing.toml")


# The mirror sites' tricky pages


def test_robots_disallowed_page_is_never_fetched(defenders: Server, tmp_path: Path) -> None:
    # An unanchored pattern that also matches /private/latest-updates/...: only robots.txt stops it.
    stats, docs = crawl(
        listing_only(defenders, "/latest-updates/page/4/", r"/latest-updates/[^/]+/$"), tmp_path
    )
    assert defenders.requested("/private/latest-updates/draft-reprisals-briefing-internal/") == 0
    assert stats.skipped == 1 and len(docs) == 20
    assert not any("private" in path for path in docs)


def test_noindex_page_is_skipped(defenders: Server, tmp_path: Path) -> None:
    stats, docs = crawl(listing_only(defenders, "/latest-updates/page/17/"), tmp_path)
    noindex = (
        "/latest-updates/reporters-boycott-balochistan-assembly-session-in-protest-against-torture-of-two-chaman/"
    )
    assert defenders.requested(noindex) >= 1
    assert noindex not in docs and len(docs) == 19 and stats.skipped == 1


def test_tracking_duplicate_is_one_document(hrw: Server, tmp_path: Path) -> None:
    source = load_sources()["hrw"].rebased(hrw.url)
    source = adhoc_source(f"{hrw.url}/news/page/2/", source.articles, listings="^$")
    stats, docs = crawl(source, tmp_path, FetchSettings(delay=0, obey_crawl_delay=False, retries=0))
    canonical = "/news/2024/07/31/guinea-landmark-verdict-stadium-mass-killings-trial/"
    assert canonical in docs and not any("utm" in path for path in docs)
    assert hrw.requested(canonical) == 1  # the ?utm_source link collapsed before fetching


def test_windows_1252_404_and_pdf(defenders: Server, tmp_path: Path) -> None:
    truth = {row["path"]: row for row in ground_truth("defenders")}
    for page in ("/latest-updates/page/2/", "/latest-updates/page/3/", "/latest-updates/page/5/"):
        crawl(listing_only(defenders, page), tmp_path)
    _, docs = crawl(listing_only(defenders, "/latest-updates/page/5/"), tmp_path)
    path = "/latest-updates/rwanda-crackdown-on-opposition-media-intensifies/"
    assert docs[path].title == truth[path]["title"]
    extracted = docs[path].metadata.get("original_text") or docs[path].body  # before the text cleaner
    assert score_page(extracted, truth[path]["body"]).f1 > 0.999
    assert "\ufffd" not in docs[path].body and "’" in docs[path].body
    assert not any("joint-statement-protection" in p for p in docs)  # the 404
    with PageCache(tmp_path / "pages.sqlite3") as cache:
        assert any(u.endswith("annual-report-2020.pdf") for u in cache.files("127.0.0.1"))
    assert defenders.requested("/wp-content/uploads/2021/06/annual-report-2020.pdf") == 0


def test_since_skips_older_articles_until_a_crawl_without_it(defenders: Server, tmp_path: Path) -> None:
    source = listing_only(defenders, "/latest-updates/page/11/")
    dated, docs = crawl(source, tmp_path, since="2021-02-15")
    assert docs and all(d.date >= "2021-02-15" for d in docs.values())
    assert 0 < dated.skipped == 20 - len(docs)
    _, everything = crawl(source, tmp_path)
    assert len(everything) == 20


# Incremental and resumable


def test_second_crawl_sends_only_conditional_requests(defenders: Server, tmp_path: Path) -> None:
    source = listing_only(defenders, "/latest-updates/page/7/")
    first, docs = crawl(source, tmp_path)
    assert first.added == 20 and first.fetched == 21
    before = len(defenders.requests)
    second, again = crawl(source, tmp_path)
    assert second.fetched == 0 and second.not_modified == 1 and second.cached == 20
    assert second.added == second.updated == 0 and again.keys() == docs.keys()
    assert defenders.requests[before:] == ["/robots.txt", "/latest-updates/page/7/"]


def test_changed_page_is_recleaned_and_unchanged_ones_are_not(tmp_path: Path) -> None:
    site = tmp_path / "site"
    src = SITES / "defenders" / "latest-updates"
    listing = (src / "page" / "9" / "index.html").read_text(encoding="utf-8")
    slugs = [
        line.split('"')[0].strip("/")
        for line in listing.split('<h2 class="entry-title"><a href="/latest-updates/')[1:4]
    ]
    (site / "latest-updates").mkdir(parents=True)
    (site / "latest-updates" / "index.html").write_text(
        "".join(f'<a href="/latest-updates/{s}/">{s}</a>' for s in slugs), encoding="utf-8"
    )
    for slug in slugs:
        shutil.copytree(src / slug, site / "latest-updates" / slug)
    with serve(partial(_SiteHandler, directory=str(site))) as server:
        source = adhoc_source(f"{server.url}/latest-updates/", r"^/latest-updates/[^/]+/$")
        first, docs = crawl(source, tmp_path)
        assert first.added == 3
        page = site / "latest-updates" / slugs[0] / "index.html"
        page.write_text(page.read_text(encoding="utf-8").replace("<p>", "<p>UPDATED ", 1), encoding="utf-8")
        later = time.time() + 5
        os.utime(page, (later, later))
        second, docs = crawl(source, tmp_path, revalidate=True)
    assert second.updated == 1 and second.fetched == 1 and second.not_modified == 3
    changed = docs[f"/latest-updates/{slugs[0]}/"]
    assert changed.body.startswith("UPDATED ") and changed.metadata.get("source_changed_at")


@pytest.mark.slow
def test_killed_crawl_keeps_documents_and_resumes(defenders: Server, tmp_path: Path) -> None:
    args = [
        sys.executable,
        "-m",
        "corpus",
        "crawl",
        "--data",
        str(tmp_path),
        "--source",
        "ishr",
        "--base-url",
        defenders.url,
        "--delay",
        "0.01",
        "-q",
    ]
    start = len(defenders.requests)
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = tmp_path / "corpus.sqlite3"
    deadline = time.time() + 180
    stored = 0
    while time.time() < deadline and stored < 20:
        time.sleep(0.1)
        try:
            with sqlite3.connect(db) as conn:
                stored = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        except sqlite3.OperationalError:
            pass  # the crawler has not created its tables yet
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as conn:
        kept = {r[0] for r in conn.execute("SELECT url FROM documents")}
    assert len(kept) >= 20
    first_requests = defenders.requests[start:]
    result = subprocess.run(
        [*args, "--max-pages", "30"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "resuming" in result.stderr and "Traceback" not in result.stderr
    with sqlite3.connect(db) as conn:
        after = {r[0] for r in conn.execute("SELECT url FROM documents")}
    assert kept < after
    # No stored article was asked for again (the one in flight at the kill may be).
    again = Counter(p for p in defenders.requests[start:] if p.count("/") == 3 and "page" not in p)
    assert sum(n - 1 for n in again.values()) <= 1, [p for p, n in again.items() if n > 1]
    assert len(first_requests) > 20


@pytest.mark.slow
def test_full_crawl_of_hrw_mirror_matches_ground_truth(hrw: Server, tmp_path: Path) -> None:
    source = load_sources()["hrw"].rebased(hrw.url)
    fetch = FetchSettings(delay=0, obey_crawl_delay=False, backoff=0.1)
    stats, docs = crawl(source, tmp_path, fetch)
    truth = {r["canonical_path"]: r for r in ground_truth("hrw") if r["expected"] == "document"}
    assert docs.keys() == truth.keys()
    titles = sum(docs[p].title == " ".join(truth[p]["title"].split()) for p in truth) / len(truth)
    dates = sum(docs[p].date == truth[p]["date"] for p in truth) / len(truth)
    f1 = sum(score_page(docs[p].body, truth[p]["body"]).f1 for p in truth) / len(truth)
    assert titles >= 0.99 and dates >= 0.97 and f1 >= 0.97
    assert hrw.requested("/private/news/2024/05/02/draft-advocacy-plan-internal/") == 0
    second, _ = crawl(source, tmp_path, fetch)
    assert second.fetched == 0 and second.added == second.updated == 0
    assert second.requests < stats.requests / 10


# Faults


class _Sends(_Recording, BaseHTTPRequestHandler):
    """A handler that answers with one call: status, body, content type, extra headers."""

    def send(self, status: int, body: bytes, kind: str = "text/html", headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class FaultHandler(_Sends):
    """Pages that fail in the ways real servers do."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.record()
        hits = self.server.hits  # type: ignore[attr-defined]
        hits[self.path] += 1
        self.server.agents.add(self.headers.get("User-Agent", ""))  # type: ignore[attr-defined]
        first = hits[self.path] == 1
        path = self.path.split("?")[0]
        if path == "/robots.txt":
            return self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path == "/list/":
            links = "".join(f'<a href="{p}">{p}</a>' for p in ARTICLES)
            return self.send(200, f"<html><body>{links}</body></html>".encode())
        if path in ("/a/flaky/", "/a/flaky2/") and hits[self.path] <= 2:
            return self.send(500, b"oops")
        if path == "/a/busy/" and first:
            return self.send(429, b"slow down", headers={"Retry-After": "0"})
        if path == "/a/timeout/" and first:
            time.sleep(1.0)
            return self.send(200, article("late"))
        if path == "/a/reset/" and first:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return None
        if path in ("/a/loop/", "/a/loop2/"):
            target = "/a/loop2/" if path == "/a/loop/" else "/a/loop/"
            return self.send(302, b"", headers={"Location": target})
        if path == "/a/drip/":
            return self.drip()
        if path == "/a/huge/":
            return self.send(200, article("x" * 3_000_000))
        if path == "/a/bad-utf8/":
            return self.send(200, article("caf\xe9").replace(b"caf", b"caf\xff\xfe"))
        if path == "/a/pdf/":
            return self.send(200, b"%PDF-1.4 not html", "application/pdf")
        if path == "/a/noindex/":
            return self.send(
                200, article("hidden").replace(b"<head>", b'<head><meta name="robots" content="noindex">')
            )
        if path.startswith(("/a/", "/private/")) and "gone" not in path:
            return self.send(200, article(path))
        return self.send(404, b"not found")

    def drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        try:
            for _ in range(40):
                self.wfile.write(b"<p>drip</p>")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass
        self.close_connection = True


ARTICLES = [
    "/a/ok/",
    "/a/ok/?utm_source=mail#top",
    "/a/flaky/",
    "/a/busy/",
    "/a/timeout/",
    "/a/reset/",
    "/a/loop/",
    "/a/drip/",
    "/a/huge/",
    "/a/bad-utf8/",
    "/a/pdf/",
    "/a/noindex/",
    "/a/gone/x/",
    "/private/a/secret/",
]


# A second paragraph long enough for a release (the crawler keeps no page under MIN_BODY_CHARS).
FILLER = ("Second paragraph: the authorities detained the defenders after the hearing, and their "
          "lawyers were not allowed to see them for several days, the organisation said in a statement "
          "published the next morning.")


def article(text: str) -> bytes:
    html = (
        f'<html><head><meta charset="utf-8"><title>T</title></head><body><article><h1>Title {text[:20]}</h1>'
        f'<time datetime="2024-03-01">1 March 2024</time><div class="body"><p>First paragraph about {text}.'
        f"</p><p>{FILLER}</p></div></article></body></html>"
    )
    return html.encode("utf-8")


@pytest.fixture
def faulty() -> Server:
    with serve(FaultHandler) as server:
        yield server


def test_faults_are_retried_or_skipped_and_nothing_crashes(faulty: Server, tmp_path: Path) -> None:
    source = replace(adhoc_source(f"{faulty.url}/list/", r"/a/"), selectors=Selectors(body="div.body"))
    stats, docs = crawl(source, tmp_path)
    stored = set(docs)
    assert stored == {"/a/ok/", "/a/flaky/", "/a/busy/", "/a/timeout/", "/a/reset/", "/a/bad-utf8/"}
    assert "\ufffd" in docs["/a/bad-utf8/"].body
    assert (
        docs["/a/ok/"].date == "2024-03-01"
        and docs["/a/ok/"].body == f"First paragraph about /a/ok/.\n\n{FILLER}"
    )
    assert faulty.requested("/a/flaky/") == 3 and faulty.requested("/private/a/secret/") == 0
    assert faulty.requested("/a/ok/") == 1  # the tracking-parameter link is the same page
    # loop, drip, huge and the 404 fail; pdf, noindex and the disallowed page are skipped.
    assert stats.failed == 4 and stats.skipped == 3
    assert all(agent.startswith("RightsSearchBot/") for agent in faulty.agents)


def test_fetcher_waits_between_requests_to_one_host(faulty: Server) -> None:
    with Fetcher(FetchSettings(delay=0.2, retries=0)) as fetcher:
        started = time.monotonic()
        for path in ("/a/one/", "/a/two/", "/a/three/"):
            assert fetcher.get(faulty.url + path).status == 200
        assert time.monotonic() - started >= 0.4


def test_unreachable_robots_txt_means_do_not_crawl(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    with Fetcher(FAST) as fetcher:
        assert fetcher.allowed(f"http://127.0.0.1:{port}/a/") is False


# Command line


def test_crawl_command_reports_bad_arguments_without_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["crawl", "--data", str(tmp_path), "--source", "nope"]) == 1
    assert main(["crawl", "--data", str(tmp_path), "--start", "http://127.0.0.1:9/"]) == 1
    assert main(["crawl", "--data", str(tmp_path), "--since", "not a date", "--source", "hrw"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_crawl_command_on_a_mirror(
    defenders: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "crawl",
            "--data",
            str(tmp_path),
            "--source",
            "ishr",
            "--base-url",
            defenders.url,
            "--delay",
            "0",
            "--max-pages",
            "5",
            "-q",
        ]
    )
    assert code == 0
    assert "5 added" in capsys.readouterr().err
    with CorpusStore(tmp_path / "corpus.sqlite3") as store:
        docs = list(store.iter_documents())
    assert len(docs) == 5 and all(d.source == "ishr" and d.captured_at for d in docs)


# Poison pills: pages that once raised out of the crawl and left their url pending for ever


POISON_ARTICLE = ('<html><head><title>{title}</title>{head}</head><body><h1>{title}</h1>'
                  '<p class="date">1 March 2024</p><div class="body"><p>First paragraph about {title}, long '
                  'enough to be an article body with several words in it.</p><p>' + FILLER + '</p></div>'
                  '</body></html>')


class PoisonHandler(_Sends):
    """A site whose listing, sitemap and pages carry what real sites sometimes serve by mistake."""

    def do_GET(self) -> None:
        self.record()
        path = self.path.split("?")[0]
        if path == "/robots.txt":
            return self.send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if path == "/sitemap.xml":
            return self.send(200, b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                             b"<url><loc>http://[oops/</loc></url><url><loc>/a/good3/</loc></url></urlset>",
                             "application/xml")
        if path == "/list/":
            links = ["/a/good1/", "http://[oops/", "/a/canon/", "/a/charset/", "/a/idna/", "/a/jsonld/", "/a/good2/",
                     "/a/index/", "/a/files/"]
            return self.send(200, ("<html><body>" + "".join(f'<a href="{h}">x</a>' for h in links)
                              + "</body></html>").encode())
        title = path.strip("/").replace("/", " ")
        head, kind = "", "text/html"
        if path == "/a/index/":  # an index page under the article pattern: a 41-character body
            return self.send(200, b'<html><body><div class="body"><p>See all our releases on this page.</p>'
                             b"</div></body></html>")
        if path == "/a/files/":  # a server's directory listing
            rows = "".join(f'<tr><td><a href="r{n}.pdf">release-{n}.pdf</a></td><td>2024-03-0{n % 9 + 1} 10:00'
                           f"</td><td>{n * 37}K</td></tr>" for n in range(40))
            return self.send(200, f'<html><head><title>Index of /a/files/</title></head><body><h1>Index of /a/files/'
                             f'</h1><div class="body"><table>{rows}</table></div></body></html>'.encode())
        if path == "/a/canon/":
            head = '<link rel="canonical" href="http://[oops/">'
        elif path == "/a/charset/":
            kind = "text/html; charset=undefined"
        elif path == "/a/idna/":
            head, kind = '<meta charset="idna">', "text/html; charset=idna"
        elif path == "/a/jsonld/":
            head = '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
        self.send(200, POISON_ARTICLE.format(title=title, head=head).encode(), kind)


def test_poisoned_links_charsets_and_json_ld_fail_one_url_at_most_and_the_crawl_goes_on(tmp_path: Path) -> None:
    """And pages without article content (an index page, a directory listing) never become documents."""
    with serve(PoisonHandler) as site:
        source = replace(adhoc_source(f"{site.url}/list/", r"^/a/"), sitemaps=(f"{site.url}/sitemap.xml",),
                         selectors=Selectors(body="div.body"))
        stats, docs = crawl(source, tmp_path)
        assert set(docs) == {"/a/good1/", "/a/good2/", "/a/good3/", "/a/canon/", "/a/charset/", "/a/idna/",
                             "/a/jsonld/"}
        assert stats.failed == 0 and docs["/a/jsonld/"].body.startswith("First paragraph")
        assert stats.skipped == 2  # the index page and the directory listing are no releases
        again, _ = crawl(source, tmp_path)  # nothing was left pending to crash the next run
        assert again.failed == 0


class EndlessListingHandler(_Sends):
    """A listing whose "next" link never ends, one article per page."""

    def do_GET(self) -> None:
        self.record()
        path, _, query = self.path.partition("?")
        if path == "/robots.txt":
            body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
        elif path == "/list/":
            page = int(query.removeprefix("page=") or 1)
            body = (f'<html><body><a href="/a/{page}/">a</a><a href="/list/?page={page + 1}">next</a>'
                    "</body></html>").encode()
            kind = "text/html"
        else:
            body, kind = POISON_ARTICLE.format(title=path.strip("/").replace("/", " "), head="").encode(), "text/html"
        self.send(200, body, kind)


def test_an_endless_listing_is_cut_at_the_listing_and_request_caps(tmp_path: Path) -> None:
    with serve(EndlessListingHandler) as site:
        source = replace(adhoc_source(f"{site.url}/list/", r"^/a/"), selectors=Selectors(body="div.body"))
        stats, docs = crawl(source, tmp_path / "listings", max_listings=5)
        assert site.requested("/list/") == 5 and len(docs) == 5 and stats.skipped == 1
        stats, docs = crawl(source, tmp_path / "requests", max_requests=12)
        assert stats.requests == 12 and len(site.requests) < 40


class RedirectingHandler(_Sends):
    """robots.txt behind a redirect, a page that redirects off the site, and a Retry-After date."""

    elsewhere = ""  # another server's url, set by the test

    def do_GET(self) -> None:
        self.record()
        hits = self.server.hits  # type: ignore[attr-defined]
        hits[self.path] += 1
        path = self.path.split("?")[0]
        if path == "/robots.txt":
            return self.send(301, b"", headers={"Location": "/robots-real.txt"})
        if path == "/robots-real.txt":
            return self.send(200, b"User-agent: *\nDisallow: /a/private/\n", "text/plain")
        if path == "/list/":
            links = "".join(f'<a href="/a/{n}/">x</a>' for n in ("ok", "away", "home", "private", "busy"))
            return self.send(200, f"<html><body>{links}</body></html>".encode())
        if path == "/a/away/":
            return self.send(302, b"", headers={"Location": self.elsewhere + "/a/secret/"})
        if path == "/a/home/":
            return self.send(302, b"", headers={"Location": "/a/moved/"})
        if path == "/a/busy/" and hits[self.path] == 1:
            when = email.utils.format_datetime(datetime.now(timezone.utc) + timedelta(seconds=1), usegmt=True)
            return self.send(503, b"busy", headers={"Retry-After": when})
        self.send(200, POISON_ARTICLE.format(title=path.strip("/").replace("/", " "), head="").encode())


def test_redirects_stay_on_the_site_robots_redirects_are_followed_and_retry_after_dates_kept(
        tmp_path: Path) -> None:
    with serve(_SiteHandler) as elsewhere, serve(RedirectingHandler) as site:
        RedirectingHandler.elsewhere = elsewhere.url
        source = replace(adhoc_source(f"{site.url}/list/", r"^/a/"), selectors=Selectors(body="div.body"))
        stats, docs = crawl(source, tmp_path)
    assert set(docs) == {"/a/ok/", "/a/home/", "/a/busy/"}  # /a/home/ moved within the site: followed
    assert elsewhere.requests == []  # the off-site redirect was never followed
    assert site.requested("/robots-real.txt") == 1 and site.requested("/a/private/") == 0
    assert site.requested("/a/busy/") == 2 and stats.failed == 1 and stats.skipped == 1


def test_retry_after_takes_seconds_or_an_http_date() -> None:
    from corpus.fetch import _retry_after

    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert _retry_after("7", now) == 7.0
    assert _retry_after("Wed, 01 May 2024 12:00:30 GMT", now) == 30.0
    assert _retry_after("Wed, 01 May 2024 11:00:00 GMT", now) == 0.0
    assert _retry_after("soon", now) is None and _retry_after(None, now) is None
