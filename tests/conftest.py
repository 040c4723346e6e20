"""Shared fixtures: the real model once per session, and real data folders built from shared/."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.openapi_check import OpenAPIClient

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "data" / "corpora"
HRW = CORPORA / "hrw-news-2024.jsonl"
HRDS = CORPORA / "hrdsattack.jsonl"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# One ONNX export of the model for every data folder the tests make (and for `make run`'s data/).
os.environ.setdefault("RIGHTSSEARCH_MODELS_DIR", str(ROOT / "data" / "models"))


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail at once, with the reason, if the shared test data is not beside the project."""
    if not CORPORA.is_dir():
        pytest.exit(f"shared test data not found at {SHARED} (it must sit beside the project)", returncode=3)


# Fixtures that load the real model or build an index with it: a test using one is slow.
MODEL_FIXTURES = frozenset({"embedder", "shared_data", "small_data", "app", "live_server"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a test that loads the model without the `slow` mark: `make test-fast` would wait minutes."""
    unmarked = [item.nodeid for item in items
                if MODEL_FIXTURES & set(getattr(item, "fixturenames", ()))
                and item.get_closest_marker("slow") is None and item.get_closest_marker("browser") is None]
    if unmarked:
        raise pytest.UsageError("these tests load the model but are not marked slow: " + ", ".join(unmarked))


def run_cli(*args: str, data: Path | None = None, check: bool = True,
            timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run `python -m <args>` in a real subprocess, as a user would."""
    cmd = [sys.executable, "-m", *args]
    if data is not None:
        cmd += ["--data", str(data)]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    if check and result.returncode != 0:
        raise AssertionError(f"{cmd} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Write rows as JSON Lines."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path, limit: int | None = None) -> list[dict]:
    """Read the first `limit` rows of a JSON Lines file."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            rows.append(json.loads(line))
            if limit is not None and len(rows) >= limit:
                break
    return rows


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 120) -> None:
    """Wait until `url` answers 200."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{url} did not come up within {timeout} s")


@pytest.fixture(scope="session")
def embedder():
    """The real embedding model, loaded once for the whole session."""
    from indexer.embed import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def shared_data(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """A data folder with both shared corpora imported and indexed by the real model (built once).

    Tests must not modify it; copy it (`copy_data`) to change things.
    """
    from corpus.config import load_settings
    from indexer.build import build_index

    data = tmp_path_factory.mktemp("shared-data")
    run_cli("corpus", "import", str(HRW), str(HRDS), "-q", data=data)
    build_index(load_settings(data), embedder, progress=False)
    return data


@pytest.fixture(scope="session")
def small_data(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """A small indexed data folder (40 HRDsAttack articles), quick to copy and rebuild."""
    from corpus.config import load_settings
    from indexer.build import build_index

    data = tmp_path_factory.mktemp("small-data")
    source = write_jsonl(data / "small.jsonl", read_jsonl(HRDS, 40))
    run_cli("corpus", "import", str(source), "-q", data=data)
    build_index(load_settings(data), embedder, progress=False)
    return data


@pytest.fixture
def copy_data(tmp_path: Path):
    """Copy a data folder (keeping its index symlink) so a test can change it freely."""

    def copy(data: Path) -> Path:
        target = tmp_path / "data"
        shutil.copytree(data, target, symlinks=True)
        return target

    return copy


@pytest.fixture(scope="session")
def app(shared_data: Path, embedder):
    """The Flask app over the shared-corpora index, sharing the session's model."""
    from search_app import create_app

    # The rate limit is off here so that many tests can share one client; test_security tests it.
    return create_app({"DATA_DIR": str(shared_data), "EMBEDDER": embedder, "TESTING": True,
                       "RATE_LIMIT_PER_MINUTE": 0})


@pytest.fixture(scope="session", autouse=True)
def api_responses_match_the_openapi_document() -> Iterator[None]:
    """Every app's test client checks each API response against the app's /api/openapi.json."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Flask, "test_client_class", OpenAPIClient)
        yield


@pytest.fixture
def client(app) -> OpenAPIClient:
    """A test client of the app; it fails the test on an API response the OpenAPI document does not allow."""
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(shared_data: Path) -> Iterator[str]:
    """The real app under gunicorn (`python -m search_app`) on a free port; yields its base url."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "search_app", "--data", str(shared_data), "--port", str(port),
         "--workers", "1"],
        # Every search embeds on gevent's native threads, as in an index of 50,000 passages or more.
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "RIGHTSSEARCH_RATE_LIMIT_PER_MINUTE": "0",
                       "RIGHTSSEARCH_EMBED_BESIDE_FROM": "0"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/healthz", timeout=180)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()  # an unclosed pipe is an unraisable ResourceWarning, an error under -W error
