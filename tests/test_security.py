"""Protection: security headers, escaping of hostile input, rate and concurrency limits, size limits,
no third-party resources, and no query text in the logs (in process and under gunicorn)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, free_port, wait_for_http
from search_app import create_app

pytestmark = pytest.mark.slow

HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</title><svg onload=alert(1)>",
    "' onmouseover='alert(1)",
)
SECRET = "zanzibar-quokka-7731"  # a query nobody else sends, to look for in logs


@pytest.fixture(scope="module")
def small_app(small_data: Path, embedder):
    """The app over the small index, without a rate limit (the tests that need one make their own)."""
    return create_app({"DATA_DIR": str(small_data), "EMBEDDER": embedder, "RATE_LIMIT_PER_MINUTE": 0})


@pytest.fixture(scope="module")
def doc_id(small_app) -> str:
    """The id of a document in the small index."""
    return small_app.test_client().get("/api/search?q=abduction&k=1").get_json()["results"][0]["id"]


def _pages(doc_id: str) -> list[str]:
    return ["/", "/?q=trade+union", f"/documents/{doc_id}", "/documents/no-such-id", "/?q=x&k=500",
            "/api/search?q=abduction", "/api/documents/nope", "/api/openapi.json", "/healthz",
            "/static/style.css", "/no/such/page"]


def test_every_response_carries_the_security_headers(small_app, doc_id: str) -> None:
    client = small_app.test_client()
    for path in _pages(doc_id):
        with client.get(path) as response:
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert headers["X-Frame-Options"] == "DENY", path
    assert client.get("/api/search?q=abduction").headers["Cache-Control"] == "no-store"


def test_pages_load_nothing_from_other_origins_and_run_no_inline_script(small_app, doc_id: str) -> None:
    client = small_app.test_client()
    for path in _pages(doc_id)[:5]:
        soup = BeautifulSoup(client.get(path).data, "html.parser")
        for tag in soup.find_all(["script", "img", "iframe", "source", "audio", "video", "embed", "object",
                                  "link", "input"]):
            for attribute in ("src", "href", "data", "srcset"):
                if tag.get(attribute):
                    url = urlsplit(tag[attribute])
                    assert not url.scheme and not url.netloc, f"{path}: {tag}"
        assert not soup.find_all("script", src=False), f"{path}: inline script"
        assert not soup.find_all(style=True), f"{path}: inline style"
        for tag in soup.find_all(True):
            assert not [a for a in tag.attrs if a.lower().startswith("on")], f"{path}: {tag}"
    with client.get("/static/style.css") as response:
        css = response.get_data(as_text=True)
    assert "@import" not in css and "//" not in css.replace("/*", "").replace("*/", "")


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_queries_are_shown_as_text(small_app, payload: str) -> None:
    client = small_app.test_client()
    for query in ({"q": payload}, {"q": payload, "k": "500"}):  # results page, and the 400 page
        page = client.get("/", query_string=query).get_data(as_text=True)
        assert payload not in page
        soup = BeautifulSoup(page, "html.parser")
        assert not soup.find_all("script")
        assert not [t for t in soup.find_all(True) if any(a.lower().startswith("on") for a in t.attrs)]
        assert payload in soup.get_text() or payload in str(soup.find("input", id="q").get("value"))
    body = client.get("/api/search", query_string={"q": payload}).get_json()
    assert body["query"] == payload  # JSON echoes it as data; nosniff keeps browsers from running it


@pytest.mark.parametrize("payload", HOSTILE[:2])
def test_feed_and_exports_escape_the_query(small_app, payload: str) -> None:
    client = small_app.test_client()
    feed = client.get("/feed", query_string={"q": payload})
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    assert payload.encode() not in feed.data
    from xml.etree import ElementTree

    title = ElementTree.fromstring(feed.data).find("{http://www.w3.org/2005/Atom}title")
    assert title is not None and payload in title.text
    exported = client.get("/export.json", query_string={"q": payload})
    assert exported.status_code == 200 and exported.headers["X-Content-Type-Options"] == "nosniff"
    assert exported.mimetype == "application/json"


def test_csv_export_neutralises_formulas() -> None:
    from search_app.export import neutralise

    for cell in ("=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(cell).startswith("'")
    assert neutralise("Kyrgyzstan") == "Kyrgyzstan"


def test_api_rate_limit_answers_429_with_retry_after(small_data: Path, embedder, tmp_path: Path) -> None:
    app = create_app({"DATA_DIR": str(small_data), "EMBEDDER": embedder, "WARM_UP": False,
                      "RATE_LIMIT_PER_MINUTE": 60, "RATE_LIMIT_BURST": 3,
                      "RATE_LIMIT_STORE": str(tmp_path / "limits.sqlite3")})
    client = app.test_client()
    statuses = [client.get("/api/documents/nope").status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    refused = client.get("/api/documents/nope")
    assert refused.get_json() == {"ok": False, "status": 429, "error": refused.get_json()["error"]}
    assert 1 <= int(refused.headers["Retry-After"]) <= 2
    # Another client has its own allowance, and pages are not rate limited.
    other = client.get("/api/documents/nope", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 404
    assert client.get("/").status_code == 200


def test_searches_beyond_the_concurrency_limit_are_refused_not_queued(small_data: Path, embedder) -> None:
    app = create_app({"DATA_DIR": str(small_data), "EMBEDDER": embedder, "WARM_UP": False,
                      "RATE_LIMIT_PER_MINUTE": 0, "MAX_CONCURRENT_SEARCHES": 1, "SEARCH_WAIT_SECONDS": 0.1})
    client = app.test_client()
    slots = app.extensions["search_slots"]
    assert slots.acquire(blocking=False)  # another request is searching
    try:
        busy = client.get("/api/search?q=abduction")
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
        assert busy.get_json()["error"].startswith("the server is busy")
        page = client.get("/?q=abduction")
        assert page.status_code == 503 and b"busy" in page.data
        assert client.get("/api/documents/nope").status_code == 404  # cheap requests still pass
    finally:
        slots.release()
    assert client.get("/api/search?q=abduction").status_code == 200
    assert client.get("/api/search?q=abduction&k=0").status_code == 400
    assert slots.acquire(blocking=False), "every request gave its slot back"


def test_oversized_requests_are_refused_in_the_error_shape(small_app) -> None:
    client = small_app.test_client()
    long_url = client.get("/api/search", query_string={"q": "torture", "pad": "x" * 5000})
    assert long_url.status_code == 414 and long_url.get_json()["status"] == 414
    too_long = client.get("/api/search", query_string={"q": "x" * 501})
    assert too_long.status_code == 400 and "too long" in too_long.get_json()["error"]
    body = client.post("/api/search", data=b"x" * 100_000)
    assert body.status_code == 413 and body.get_json()["ok"] is False


def test_query_text_is_not_logged_unless_asked(small_data: Path, embedder,
                                               caplog: pytest.LogCaptureFixture) -> None:
    def run(log_queries: bool) -> str:
        app = create_app({"DATA_DIR": str(small_data), "EMBEDDER": embedder, "WARM_UP": False,
                          "RATE_LIMIT_PER_MINUTE": 0, "LOG_QUERIES": log_queries})
        client = app.test_client()
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            for url in (f"/api/search?q={SECRET}", f"/?q={SECRET}", f"/api/search?q={SECRET}&k=0",
                        f"/?q={SECRET}&mode=nope"):
                client.get(url)
        return caplog.text

    assert SECRET not in run(log_queries=False)
    assert SECRET in run(log_queries=True)  # the setting works, so the check above means something


def test_gunicorn_access_log_has_paths_but_no_queries(small_data: Path, tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "search_app", "--data", str(small_data), "--port", str(port),
             "--workers", "1", "-v"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_http(base + "/healthz", timeout=180)
            headers = {"Referer": f"{base}/?q={SECRET}"}
            assert httpx.get(f"{base}/api/search", params={"q": SECRET}, headers=headers).status_code == 200
            assert httpx.get(f"{base}/", params={"q": SECRET, "k": "0"}).status_code == 400
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    text = log_path.read_text()
    assert "GET /api/search" in text  # the access log is on...
    assert SECRET not in text  # ...and says nothing about what was searched


def test_search_pages_and_document_pages_are_rate_limited_and_take_a_search_slot(small_data: Path, embedder,
                                                                                 tmp_path: Path) -> None:
    app = create_app({"DATA_DIR": str(small_data), "EMBEDDER": embedder, "WARM_UP": False,
                      "RATE_LIMIT_PER_MINUTE": 60, "RATE_LIMIT_BURST": 2, "SEARCH_WAIT_SECONDS": 0.1,
                      "MAX_CONCURRENT_SEARCHES": 1, "RATE_LIMIT_STORE": str(tmp_path / "limits.sqlite3")})
    client = app.test_client()
    doc_id = client.get("/api/search?q=abduction", environ_base={"REMOTE_ADDR": "10.0.0.9"}).get_json()[
        "results"][0]["id"]
    assert [client.get("/?q=abduction").status_code for _ in range(3)] == [200, 200, 429]
    pages = [client.get(f"/documents/{doc_id}", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code
             for _ in range(3)]
    assert pages == [200, 200, 429]
    slots = app.extensions["search_slots"]
    assert slots.acquire(blocking=False)  # another request is searching
    try:  # the document page's similar releases are a search: it waits for a slot like one
        busy = client.get(f"/documents/{doc_id}", environ_base={"REMOTE_ADDR": "10.0.0.3"})
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    finally:
        slots.release()
    assert client.get("/", environ_base={"REMOTE_ADDR": "10.0.0.4"}).status_code == 200  # no search, no limit


@pytest.fixture(scope="module")
def poisoned_app(tmp_path_factory: pytest.TempPathFactory, embedder):
    """An app over documents with a `javascript:` url and control characters in a title."""
    import sqlite3

    from conftest import run_cli, write_jsonl
    from corpus.config import load_settings
    from indexer.build import build_index

    data = tmp_path_factory.mktemp("poisoned")
    rows = [{"id": "js", "title": "Wombat rangers detained", "url": "javascript:alert(document.cookie)",
             "body": "Rangers of the wombat reserve were detained by the police.", "date": "2024-05-01"},
            {"id": "ctl", "title": "Wombat\x01 keepers\x1b freed", "url": "https://example.org/wombat",
             "body": "The wombat keepers were freed after a week in detention.", "date": "2024-05-02"}]
    run_cli("corpus", "import", str(write_jsonl(data / "p.jsonl", rows)), "-q", data=data)
    build_index(load_settings(data), embedder, progress=False)
    app = create_app({"DATA_DIR": str(data), "EMBEDDER": embedder, "RATE_LIMIT_PER_MINUTE": 0,
                      "BASE_URL": "https://search.example.org"})
    yield app
    assert sqlite3.connect(load_settings(data).db_path).execute("PRAGMA quick_check").fetchone() == ("ok",)


def test_only_http_urls_become_links_and_feeds_stay_valid_xml(poisoned_app) -> None:
    import feedparser

    client = poisoned_app.test_client()
    page = client.get("/?q=wombat").get_data(as_text=True)
    assert "Wombat rangers detained" in page and 'href="javascript:' not in page
    assert 'href="https://example.org/wombat"' in page
    document = client.get("/documents/js").get_data(as_text=True)
    assert "javascript:alert" in document and 'href="javascript:' not in document  # shown, not linked
    feed = client.get("/feed", query_string={"q": "wombat\x02 keepers"}, headers={"Host": "evil.example"})
    parsed = feedparser.parse(feed.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert {e.title for e in parsed.entries} == {"Wombat rangers detained", "Wombat keepers freed"}
    assert all(e.id.startswith("https://search.example.org/documents/") for e in parsed.entries)
    assert all(not e.link.startswith("javascript:") for e in parsed.entries)
    assert "evil.example" not in feed.get_data(as_text=True)


def test_the_app_opens_the_corpus_read_only(poisoned_app) -> None:
    import sqlite3

    with poisoned_app.app_context():
        corpus = poisoned_app.extensions["search"].corpus()
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            corpus.conn.execute("CREATE TABLE written (x)")


def test_rate_limits_hold_across_workers_and_restarts_per_ipv6_64_and_through_trusted_proxies(
        small_data: Path, embedder, tmp_path: Path) -> None:
    config = {"DATA_DIR": str(small_data), "EMBEDDER": embedder, "WARM_UP": False, "RATE_LIMIT_PER_MINUTE": 6,
              "RATE_LIMIT_BURST": 3, "RATE_LIMIT_STORE": str(tmp_path / "limits.sqlite3")}
    first, second = create_app(config).test_client(), create_app(config).test_client()  # two workers

    def status(client, address: str, **headers: str) -> int:
        return client.get("/api/documents/nope", environ_base={"REMOTE_ADDR": address}, headers=headers).status_code

    assert [status(c, "10.9.9.9") for c in (first, second, first, second)] == [404, 404, 404, 429]
    assert status(create_app(config).test_client(), "10.9.9.9") == 429  # a restart refills nothing
    # One IPv6 subscriber (a /64) is one client, however many addresses it rotates through.
    assert [status(first, f"2001:db8:1:2::{n}") for n in range(1, 5)] == [404, 404, 404, 429]
    assert status(first, "2001:db8:1:3::1") == 404
    # X-Forwarded-For is ignored unless proxies are trusted; then each forwarded client has its own bucket.
    assert [status(first, "10.7.7.7", **{"X-Forwarded-For": f"10.0.1.{n}"}) for n in range(4)][-1] == 429
    proxied = create_app({**config, "TRUSTED_PROXIES": 1}).test_client()
    assert [status(proxied, "10.6.6.6", **{"X-Forwarded-For": f"10.0.2.{n}"}) for n in range(4)] == [404] * 4


def test_stalled_connections_do_not_starve_the_server(live_server: str) -> None:
    """64 clients that send half a request and stop: a search still answers at once."""
    import socket
    import time

    host, port = urlsplit(live_server).hostname, urlsplit(live_server).port
    stalled = []
    try:
        for _ in range(64):
            sock = socket.create_connection((host, port))
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # no blank line: the headers never end
            stalled.append(sock)
        time.sleep(1.0)
        response = httpx.get(f"{live_server}/api/search", params={"q": "torture in prisons"}, timeout=5)
        assert response.status_code == 200 and response.json()["total"] > 0
        assert httpx.get(f"{live_server}/healthz", timeout=5).status_code == 200
        time.sleep(4.0)  # held open for 5 s in all
        assert httpx.get(f"{live_server}/api/search", params={"q": "reprisals"}, timeout=5).status_code == 200
    finally:
        for sock in stalled:
            sock.close()


def test_a_query_past_its_time_budget_stops_with_a_503_and_frees_its_slot(small_data: Path, embedder) -> None:
    app = create_app({"DATA_DIR": str(small_data), "EMBEDDER": embedder, "WARM_UP": False,
                      "RATE_LIMIT_PER_MINUTE": 0, "QUERY_BUDGET_SECONDS": 1e-9, "MAX_CONCURRENT_SEARCHES": 1})
    client = app.test_client()
    for query in ('"union leader" "human rights"', "union leader abducted"):
        body = client.get("/api/search", query_string={"q": query}).get_json()
        assert body["status"] == 503 and "took longer than this server allows" in body["error"]
    page = client.get("/?q=union+leader")
    assert page.status_code == 503 and b"took longer" in page.data and b"Traceback" not in page.data
    assert app.extensions["search_slots"].acquire(blocking=False), "the stopped query gave its slot back"
