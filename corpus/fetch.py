"""Polite HTTP: robots.txt, one request at a time per host with a delay, retries, size and time limits.

httpx does the HTTP (timeouts, decompression, connection reuse); protego, Scrapy's robots.txt
parser, reads robots.txt including Crawl-delay. Failures are logged with their reason and the
fetch returns None; what is retried:

    429, 500, 502, 503, 504      retried with exponential backoff (Retry-After, in seconds or as a
                                 date, honoured up to a cap, and for the whole host)
    timeouts, connection errors  retried likewise (a slow drip counts as a timeout)
    other 4xx/5xx                returned as a Page with that status: the caller records it
    redirect loops, too large    not retried: logged, None
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from corpus.sitemaps import sitemaps_in_robots

log = logging.getLogger(__name__)

USER_AGENT = "RightsSearchBot/0.1 (+https://github.com/rightssearch/rightssearch; research crawler)"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_MAX_CRAWL_DELAY = 30.0  # a robots.txt asking more than this is obeyed at this pace


@dataclass(frozen=True)
class FetchSettings:
    """How politely and patiently to fetch."""

    user_agent: str = USER_AGENT
    delay: float = 1.0  # seconds between requests to one host (robots.txt Crawl-delay may raise it)
    obey_crawl_delay: bool = True
    timeout: float = 15.0  # connect and per-read timeout
    total_timeout: float = 60.0  # a whole response, so a slow drip cannot hold the crawl
    retries: int = 3
    backoff: float = 1.0  # first retry waits this long, then twice as long each time
    max_retry_after: float = 60.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5


@dataclass(frozen=True)
class Page:
    """One HTTP response as the crawler keeps it."""

    url: str  # the url asked for
    final_url: str  # after redirects
    status: int
    headers: Mapping[str, str] = field(default_factory=dict, hash=False)  # lower-case names
    body: bytes = b""  # empty for 304s and for non-HTML files (never downloaded)
    fetched_at: str = ""

    @property
    def content_type(self) -> str:
        """The media type, without parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset parameter of Content-Type, if the server sent one."""
        for param in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None

    @property
    def is_html(self) -> bool:
        """True if the response is an HTML page (no Content-Type counts as HTML)."""
        return self.content_type in _HTML_TYPES or not self.content_type


class _Retry(Exception):
    """A transient failure worth another attempt."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


class _GiveUp(Exception):
    """A failure another attempt will not fix."""


class Fetcher:
    """Fetch pages one at a time, obeying robots.txt and a per-host delay."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        self.client = httpx.Client(
            headers={
                "User-Agent": self.settings.user_agent,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            },
            timeout=httpx.Timeout(self.settings.timeout),
            follow_redirects=False,  # redirects are followed by hand, checking robots.txt at each hop
        )
        self._robots: dict[str, Protego | None] = {}
        self._sitemaps: dict[str, list[str]] = {}  # origin -> the Sitemap lines of its robots.txt
        self._next_request: dict[str, float] = {}
        self.requests = 0
        self.last_error = ""  # why the last failed `get` returned None

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def allowed(self, url: str) -> bool:
        """True if the site's robots.txt lets our user agent fetch the url."""
        robots = self._robots_for(url)
        return robots is not None and robots.can_fetch(url, self.settings.user_agent)

    def sitemaps(self, url: str) -> list[str]:
        """The sitemaps the site's robots.txt names (absolute urls, in order); [] if it names none."""
        self._robots_for(url)
        return list(self._sitemaps.get(_origin(url), ()))

    def get(self, url: str, etag: str = "", last_modified: str = "", any_type: bool = False,
            on_site: Callable[[str], bool] | None = None) -> Page | None:
        """GET a page (conditionally when validators are given); log and return None on failure.

        Only HTML bodies are downloaded unless `any_type` (sitemaps); other files come back bodiless.
        Redirects are followed only to http(s) urls that `on_site` accepts (default: the same host),
        so a page cannot send the crawler to another site, port or internal address under its url.
        """
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if on_site is None:
            host = urlsplit(url).netloc
            on_site = lambda other: urlsplit(other).netloc == host  # noqa: E731
        target = url
        for _ in range(self.settings.max_redirects + 1):
            page = self._get_with_retries(url, target, headers, any_type)
            if page is None or page.status not in _REDIRECTS:
                return page
            location = page.headers.get("location", "")
            if not location:
                return page
            try:
                target = urljoin(target, location)
            except ValueError:
                return self._failed(url, f"redirect to a malformed url: {location!r}")
            if urlsplit(target).scheme not in ("http", "https") or not on_site(target):
                return self._failed(url, f"redirect to {target} leaves the site: not followed")
            if not self.allowed(target):
                return self._failed(url, f"redirect to {target} is disallowed by robots.txt")
        return self._failed(url, f"more than {self.settings.max_redirects} redirects (a redirect loop?)")

    def _get_with_retries(
        self, url: str, target: str, headers: dict[str, str], any_type: bool = False
    ) -> Page | None:
        s = self.settings
        for attempt in range(s.retries + 1):
            try:
                return self._get_once(url, target, headers, any_type)
            except _Retry as exc:
                if attempt == s.retries:
                    return self._failed(url, f"{exc} (after {attempt + 1} attempts)")
                wait = min(exc.wait if exc.wait is not None else s.backoff * 2**attempt, s.max_retry_after)
                log.info("%s: %s; retrying in %.1f s", url, exc, wait)
                if exc.wait is not None:  # the server said how long: the whole host waits, not this url
                    self._hold(target, wait)
                else:
                    time.sleep(wait)
            except _GiveUp as exc:
                return self._failed(url, str(exc))
        return None

    def _failed(self, url: str, reason: str) -> None:
        """Log why a fetch failed, keep the reason for the caller, and return None."""
        log.warning("%s: failed: %s", url, reason)
        self.last_error = reason

    def _get_once(self, url: str, target: str, headers: dict[str, str], any_type: bool) -> Page:
        s = self.settings
        self._wait_turn(target)
        started = time.monotonic()
        try:
            with self.client.stream("GET", target, headers=headers) as response:
                names = {k.lower(): v for k, v in response.headers.items()}
                page = Page(
                    url=url, final_url=target, status=response.status_code, headers=names, fetched_at=_now()
                )
                if response.status_code in _RETRY_STATUS:
                    raise _Retry(f"HTTP {response.status_code}", _retry_after(names.get("retry-after")))
                if response.status_code != 200 or not (page.is_html or any_type):
                    return page  # redirects, 304, errors, and files we record without downloading
                declared = int(names.get("content-length") or 0)
                if declared > s.max_bytes:
                    raise _GiveUp(f"page larger than {s.max_bytes} bytes ({declared})")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > s.max_bytes:
                        raise _GiveUp(f"page larger than {s.max_bytes} bytes")
                    if time.monotonic() - started > s.total_timeout:
                        raise _Retry(f"response took longer than {s.total_timeout:g} s")
                    chunks.append(chunk)
                return Page(
                    url=url,
                    final_url=target,
                    status=200,
                    headers=names,
                    body=b"".join(chunks),
                    fetched_at=page.fetched_at,
                )
        except httpx.TimeoutException as exc:
            raise _Retry(f"timeout ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise _Retry(f"connection error ({type(exc).__name__}: {exc})") from exc
        except httpx.InvalidURL as exc:
            raise _GiveUp(f"invalid url: {exc}") from exc

    def _wait_turn(self, url: str) -> None:
        """Sleep until this host may be asked again, then book its next turn."""
        host = urlsplit(url).netloc
        now = time.monotonic()
        ready = self._next_request.get(host, now)
        if ready > now:
            time.sleep(ready - now)
        self._next_request[host] = max(ready, now) + self._delay(url)
        self.requests += 1

    def _hold(self, url: str, seconds: float) -> None:
        """Ask nothing of this url's host for `seconds` (its Retry-After)."""
        host = urlsplit(url).netloc
        self._next_request[host] = max(self._next_request.get(host, 0.0), time.monotonic() + seconds)

    def _delay(self, url: str) -> float:
        delay = self.settings.delay
        robots = self._robots.get(_origin(url))
        if self.settings.obey_crawl_delay and robots is not None:
            asked = robots.crawl_delay(self.settings.user_agent)
            if asked:
                delay = max(delay, min(float(asked), _MAX_CRAWL_DELAY))
        return delay

    def _robots_for(self, url: str) -> Protego | None:
        """The parsed robots.txt of the url's site, fetched once; None means everything is disallowed."""
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = None  # while fetching robots.txt itself
            page = self._robots_txt(origin + "/robots.txt")
            if page is not None and page.status == 200:
                text = page.body.decode("utf-8", errors="replace")
                self._robots[origin] = Protego.parse(text)
                self._sitemaps[origin] = sitemaps_in_robots(text, page.final_url)
            elif page is not None and 400 <= page.status < 500:
                self._robots[origin] = Protego.parse("")  # no robots.txt: everything is allowed
            else:
                # RFC 9309: an unreachable robots.txt means the whole site is disallowed for now.
                log.warning("%s/robots.txt unreachable: not crawling this site", origin)
        return self._robots[origin]

    def _robots_txt(self, url: str) -> Page | None:
        """robots.txt, following up to five redirects as RFC 9309 asks (http to https, bare to www)."""
        target = url
        for _ in range(5 + 1):
            page = self._get_with_retries(url, target, {}, any_type=True)
            location = page.headers.get("location", "") if page is not None and page.status in _REDIRECTS else ""
            if not location:
                return page
            try:
                target = urljoin(target, location)
            except ValueError:
                return None
            if urlsplit(target).scheme not in ("http", "https"):
                return None
        return None  # a redirect loop: unreachable, so nothing is fetched


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header, in seconds or as an HTTP date, or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
