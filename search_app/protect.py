"""Protection of a public search service: security headers, per-client rate limits, a cap on
concurrent searches, request size limits, and no query text in the logs unless asked for.

A search service for human-rights work is a target, both for people who want it down and for
people who want to know who searched what. Refusals are cheap and immediate (429 or 503 with
`Retry-After`) so that an overload never becomes an unbounded queue. Every value comes from the
app config (defaults in `create_app`); limits are per gunicorn worker process.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import Flask, Response, abort, current_app, g, request

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
MAX_CLIENTS = 10_000  # rate-limit buckets kept; the least recently seen client is forgotten first


class RateLimiter:
    """A token bucket per client: `burst` requests at once, refilled at `per_minute`."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, when)
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take one token for `key`: 0 if the request may go on, else the seconds until it may."""
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
        return 0.0 if allowed else (1.0 - tokens) / self.rate


def init_app(app: Flask) -> None:
    """Install the limits and headers on `app`, configured from its config."""
    per_minute = app.config["RATE_LIMIT_PER_MINUTE"]
    app.extensions["rate_limiter"] = (
        RateLimiter(per_minute, app.config["RATE_LIMIT_BURST"]) if per_minute else None
    )
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
        wait = limiter.acquire(request.remote_addr or "unknown")
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
