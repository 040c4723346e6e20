"""Test helpers: serve the shared mirror sites (and anything else) on 127.0.0.1 from a thread."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SITES = SHARED / "data" / "sites"
BENCHMARK = SHARED / "data" / "article-extraction-benchmark"


@dataclass
class Server:
    """A running test server: its base url and every request path it received."""

    url: str
    requests: list[str] = field(default_factory=list)
    agents: set[str] = field(default_factory=set)  # User-Agent headers seen, for handlers that record them

    def requested(self, path: str) -> int:
        """How many times a path (without query) was requested."""
        return sum(1 for p in self.requests if p.split("?")[0] == path)


class _Recording:
    """Mixin: remember request paths on the server, log nothing."""

    server: Any
    path: str

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def record(self) -> None:
        self.server.record.append(self.path)


class _SiteHandler(_Recording, SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        self.record()
        super().do_GET()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # fault-injecting handlers break connections on purpose


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler] | partial[Any]) -> Iterator[Server]:
    """Run a threaded HTTP server on a free 127.0.0.1 port for the duration of the block."""
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    server = Server(f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.record = server.requests  # type: ignore[attr-defined]
    httpd.agents = server.agents  # type: ignore[attr-defined]
    httpd.hits = Counter()  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@contextmanager
def serve_site(name: str) -> Iterator[Server]:
    """Serve one of the shared mirror sites (`hrw` or `defenders`)."""
    with serve(partial(_SiteHandler, directory=str(SITES / name))) as server:
        yield server


def ground_truth(name: str) -> list[dict[str, Any]]:
    """The ground-truth rows of a mirror site."""
    with open(SITES / name / "ground-truth.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
