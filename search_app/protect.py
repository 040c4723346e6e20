"""Protection of a public search service: security headers, per-client rate limits, a cap on
concurrent searches, request size limits, and no query text in the logs unless asked for.

A search service for human-rights work is a target, both for people who want it down and for
people who want to know who searched what. Refusals are cheap and immediate (429 or 503 with
`Retry-After`) so that an overload never becomes an unbounded queue. Every value comes from the
app config (defaults in `create_app`). Rate limits hold for the whole host (buckets shared by the
workers); the cap on concurrent searches is per worker process, since each has its own model.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import random
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, abort, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from corpus.connections import PerThread

# No inline script or style anywhere: pages load their stylesheet from /static and nothing else,
# so an injected `<script>` or `onerror=` cannot run even if escaping were ever missed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class RateLimiter:
    """A token bucket per client: `burst` requests at once, refilled at `per_minute`.

    The buckets live in a small SQLite file that every worker process on the host shares, so a
    client gets the limit once, not once per worker, and a restart does not refill them. Each
    request is one short write transaction (well under a millisecond).
    """

    def __init__(self, path: Path, per_minute: float, burst: int, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._connections = PerThread(self._connect)
        self._connections.get().execute(
            "CREATE TABLE IF NOT EXISTS buckets (key TEXT PRIMARY KEY, tokens REAL, at REAL)")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")  # losing the last buckets in a power cut is harmless
        return conn

    def acquire(self, key: str) -> float:
        """Take one token for `key`: 0 if the request may go on, else the seconds until it may."""
        now = self._clock()
        conn = self._connections.get()
        conn.execute("BEGIN IMMEDIATE")  # one writer at a time across the workers: no lost updates
        try:
            row = conn.execute("SELECT tokens, at FROM buckets WHERE key = ?", (key,)).fetchone()
            tokens, then = row if row else (self.burst, now)
            tokens = min(self.burst, tokens + max(0.0, now - then) * self.rate)
            allowed = tokens >= 1.0
            conn.execute("INSERT OR REPLACE INTO buckets VALUES (?, ?, ?)",
                         (key, tokens - 1.0 if allowed else tokens, now))
            if random.random() < 0.001:  # forget clients whose bucket has long been full again
                conn.execute("DELETE FROM buckets WHERE at < ?", (now - self.burst / self.rate - 60,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return 0.0 if allowed else (1.0 - tokens) / self.rate


def client_key(address: str | None) -> str:
    """Whom a request counts against: its address, or for IPv6 its /64 (what one subscriber gets)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:10.1.2.3 is an IPv4 client
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def default_store(data_dir: Path) -> Path:
    """Where a data folder's rate-limit buckets live: a temporary file per data folder (the data
    folder itself may be read-only)."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"rightssearch-limits-{digest}.sqlite3"


def init_app(app: Flask) -> None:
    """Install the limits and headers on `app`, configured from its config."""
    per_minute = app.config["RATE_LIMIT_PER_MINUTE"]
    store = Path(app.config["RATE_LIMIT_STORE"] or default_store(app.extensions["search"].settings.data_dir))
    app.extensions["rate_limiter"] = (
        RateLimiter(store, per_minute, app.config["RATE_LIMIT_BURST"]) if per_minute else None
    )
    if app.config["TRUSTED_PROXIES"]:
        # Behind N proxies the client is the N-th address from the right of X-Forwarded-For; without
        # this setting the header is ignored (anyone can send it).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXIES"]))
    app.extensions["search_slots"] = threading.BoundedSemaphore(app.config["MAX_CONCURRENT_SEARCHES"])
    app.before_request(_check_request)
    app.after_request(_finish_response)
    app.teardown_request(_release_search_slot)


def _is_search(path: str) -> bool:
    """Requests that run the model and the index: anything with a query, a similar-documents list,
    or a document page (it lists similar releases, a semantic search of the document's lead)."""
    return bool(request.args.get("q", "").strip()) or path.endswith("/similar") or path.startswith("/documents/")


def _check_request() -> Response | None:
    """Refuse oversized, too frequent or (when every search slot stays busy) excess requests."""
    config = current_app.config
    if request.path.startswith("/static/"):
        return None
    if len(request.query_string) > config["MAX_QUERY_STRING_BYTES"]:
        abort(414, f"the query string is longer than {config['MAX_QUERY_STRING_BYTES']} bytes")
    if (request.content_length or 0) > config["MAX_CONTENT_LENGTH"]:
        abort(413, f"the request body is larger than {config['MAX_CONTENT_LENGTH']} bytes")
    searching = _is_search(request.path)
    limiter: RateLimiter | None = current_app.extensions["rate_limiter"]
    # Every request that runs a search is limited, whatever its path (pages too), and so are the
    # configured paths (the API, feeds, exports) even when they do not search.
    if limiter is not None and (searching or request.path.startswith(tuple(config["RATE_LIMITED_PATHS"]))):
        wait = limiter.acquire(client_key(request.remote_addr))
        if wait:
            return _refuse(429, "too many requests from your address; wait and try again", wait)
    if searching:
        slots: threading.BoundedSemaphore = current_app.extensions["search_slots"]
        if not slots.acquire(timeout=config["SEARCH_WAIT_SECONDS"]):
            return _refuse(503, "the server is busy with other searches; try again in a moment", 1)
        g.search_slot = slots
        g.search_started = time.perf_counter()
    return None


def _release_search_slot(exc: BaseException | None) -> None:
    slots = g.pop("search_slot", None)
    if slots is not None:
        slots.release()


def _refuse(status: int, message: str, retry_after: float) -> Response:
    """The app's usual error (JSON for the API, HTML for pages) with a Retry-After header."""
    from search_app.api import error_response
    from search_app.pages import error_page

    if request.path.startswith("/api/") or request.path == "/healthz":
        body, _ = error_response(status, message)
        response = current_app.make_response((body, status))
    else:
        response = current_app.make_response(error_page(status, message))
    response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


def _finish_response(response: Response) -> Response:
    """Add the security headers; keep answers to queries out of shared caches; log queries if asked."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.query_string:
        response.headers["Cache-Control"] = "no-store"
    if current_app.config["LOG_QUERIES"] and "search_started" in g:
        current_app.logger.info("query %r on %s -> %d in %.0f ms", request.args.get("q", ""), request.path,
                                response.status_code, (time.perf_counter() - g.search_started) * 1000)
    return response
