"""Crawl one source into the corpus: sitemaps and listings lead to articles, articles become documents.

Each url's step commits before the next begins (document first, then the cache and frontier), so a
crawl killed at any point loses nothing it stored and resumes from its frontier. A new crawl of a
source revisits its sitemaps and listings with conditional requests; an article already cleaned is
only asked for again when its sitemap <lastmod> is newer than our copy, when the copy is older
than ``revalidate_days``, or with ``revalidate=True``, and then conditionally. A profile that names
no sitemaps gets the ones its site announces: robots.txt's `Sitemap:` lines, else the first of the
usual addresses (`sitemaps.WELL_KNOWN`) that serves a sitemap.
"""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from corpus.cache import CachedPage, PageCache, Task
from corpus.clean import clean_soup, decode_html, page_links, parse
from corpus.documents import Document, id_from_url
from corpus.fetch import Fetcher, Page
from corpus.sitemaps import WELL_KNOWN, NotASitemap, read_sitemap
from corpus.sources import Source
from corpus.store import CorpusStore
from corpus.urls import is_file_link

log = logging.getLogger(__name__)

_GONE = frozenset({404, 410})


# The shortest body a page may have to become a document. Press releases run to several
# paragraphs (the shortest of the 878 in the shared mirrors has 351 characters); an index page
# that matched the article pattern had 41.
MIN_BODY_CHARS = 200


@dataclass(frozen=True)
class CrawlOptions:
    """Limits of one crawl run."""

    max_pages: int | None = None  # article pages to request in this run (listings not counted)
    # A site whose "next" link never ends, or whose sitemaps nest for ever, must not be paged for
    # ever: listing and sitemap pages read per run, and requests of any kind per run.
    max_listings: int = 1000
    max_requests: int = 20_000
    since: str | None = None  # ISO date: skip articles published (or modified) before it
    revalidate: bool = False  # ask the server about every cached article (conditionally)
    revalidate_days: float = 7.0
    progress: bool = True


@dataclass
class CrawlStats:
    """What a crawl did; `fetched` counts full downloads, `not_modified` 304 answers."""

    fetched: int = 0
    not_modified: int = 0
    cached: int = 0  # articles answered from the cache without a request
    skipped: int = 0
    failed: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    requests: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.fetched} fetched, {self.not_modified} not modified, {self.cached} from cache, "
            f"{self.skipped} skipped, {self.failed} failed; documents: {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged; {self.requests} requests "
            f"in {self.seconds:.1f} s"
        )

    def add(self, other: CrawlStats) -> None:
        """Accumulate another run's counts."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


class Crawler:
    """One crawl of one source, writing documents to a store and responses to a cache."""

    def __init__(
        self,
        source: Source,
        store: CorpusStore,
        cache: PageCache,
        fetcher: Fetcher,
        options: CrawlOptions | None = None,
    ) -> None:
        self.source, self.store, self.cache, self.fetcher = source, store, cache, fetcher
        self.options = options or CrawlOptions()
        self.stats = CrawlStats()
        self._articles_requested = 0
        self._listings_read = 0
        self._found: dict[str, Page] = {}  # sitemaps fetched while looking for them: read, not asked for again

    def run(self) -> CrawlStats:
        """Crawl until the frontier is empty or the page budget is spent; return the counts."""
        started, requests_before = time.monotonic(), self.fetcher.requests
        name = self.source.name
        if self.source.publisher:  # what results and facets call the source
            self.store.name_source(name, self.source.publisher)
        if self.cache.pending(name):
            log.info("%s: resuming an unfinished crawl (%d urls pending)", name, self.cache.pending(name))
        else:
            seeds = [Task(self.source.canonical(u), "sitemap", "") for u in self._sitemaps()]
            seeds += [Task(self.source.canonical(u), "listing", "") for u in self.source.start]
            self.cache.start(name, seeds)
        with (
            tqdm(
                total=self.cache.size(name),
                desc=f"crawl {name}",
                unit="url",
                disable=not self.options.progress,
            ) as bar,
            # Log lines print above the bar instead of through it.
            logging_redirect_tqdm() if self.options.progress else nullcontext(),
        ):
            bar.update(self.cache.size(name) - self.cache.pending(name))
            while (task := self.cache.next(name)) is not None:
                if task.kind == "article" and self._budget_spent():
                    log.info(
                        "%s: --max-pages %d reached; the next crawl resumes here",
                        name,
                        self.options.max_pages,
                    )
                    break
                if self.fetcher.requests - requests_before >= self.options.max_requests:
                    log.warning("%s: %d requests this run (--max-requests); the next crawl resumes here",
                                name, self.options.max_requests)
                    break
                if task.kind != "article":
                    if self._listings_read >= self.options.max_listings:
                        self._skip(task.url, f"more than {self.options.max_listings} listing pages in one run")
                        continue
                    self._listings_read += 1
                try:
                    self._visit(task)
                except Exception as exc:  # noqa: BLE001 - one poisoned page must stop neither this crawl nor,
                    # left pending, every crawl that resumes it: the url fails with the reason, the crawl goes on
                    log.debug("%s: unexpected failure", task.url, exc_info=True)
                    self._fail(task.url, f"unexpected {type(exc).__name__}: {exc}")
                bar.total = self.cache.size(name)
                bar.update(1)
                bar.set_postfix(
                    fetched=self.stats.fetched + self.stats.not_modified,
                    skipped=self.stats.skipped + self.stats.cached,
                    failed=self.stats.failed,
                    refresh=False,
                )
        self.stats.requests = self.fetcher.requests - requests_before
        self.stats.seconds = time.monotonic() - started
        return self.stats

    def _sitemaps(self) -> tuple[str, ...]:
        """The sitemaps the profile names; else those robots.txt names; else the first well-known one."""
        name, origin = self.source.name, self.source.start[0]
        if self.source.sitemaps or not self.source.discover_sitemaps:
            return self.source.sitemaps
        named = tuple(u for u in map(self.source.canonical, self.fetcher.sitemaps(origin))
                      if self.source.on_site(u))
        if named:
            log.info("%s: sitemaps named in robots.txt: %s", name, ", ".join(named))
            return named
        for path in WELL_KNOWN:
            url = self.source.canonical(urljoin(origin, path))
            if not self.fetcher.allowed(url):
                continue
            page = self.fetcher.get(url, any_type=True, on_site=self._on_site)
            if page is not None and page.status == 200 and _is_sitemap(page):
                log.info("%s: found a sitemap at %s", name, url)
                self.stats.fetched += 1
                self.cache.put(page)
                self._found[url] = page
                return (url,)
            # Most sites lack some of the usual addresses: not a failure of the crawl.
            log.debug("%s: no sitemap at %s (%s)", name, url, f"HTTP {page.status}" if page else "no answer")
        log.info("%s: no sitemap found; crawling from the listings", name)
        return ()

    def _budget_spent(self) -> bool:
        return self.options.max_pages is not None and self._articles_requested >= self.options.max_pages

    def _visit(self, task: Task) -> None:
        if not self.fetcher.allowed(task.url):
            self._skip(task.url, "disallowed by robots.txt")
        elif task.kind == "article":
            self._article(task)
        else:
            page = self._found.pop(task.url, None) or self._fetch(
                task.url, conditional=True, any_type=task.kind == "sitemap"
            )
            if page is None:
                return
            if task.kind == "sitemap":
                self._read_sitemap(task.url, page)
            else:
                self._read_listing(task.url, page)
            self.cache.finish(self.source.name, task.url, "done")

    def _on_site(self, url: str) -> bool:
        """Whether a url (a redirect's target) belongs to this source's site or its aliases."""
        return self.source.on_site(self.source.canonical(url))

    def _fetch(self, url: str, conditional: bool, any_type: bool = False) -> Page | None:
        """A fresh or confirmed-current 200 response (from the cache after a 304), or None."""
        cached = self.cache.get(url) if conditional else None
        validators = _validators(cached.page) if cached else {}
        page = self.fetcher.get(url, any_type=any_type, on_site=self._on_site, **validators)
        if page is None:
            self._fail(url, self.fetcher.last_error, logged=True)
            return None
        if page.status == 304 and cached is not None:
            self.stats.not_modified += 1
            self.cache.confirm(url, page.fetched_at)
            return cached.page
        if page.status != 200:
            if page.status in _GONE:
                self.cache.put(page)  # remembered, so a re-crawl does not ask again at once
            self._fail(url, f"HTTP {page.status}")
            return None
        self.stats.fetched += 1
        if page.body or page.is_html:
            self.cache.put(page)
        return page

    def _read_sitemap(self, url: str, page: Page) -> None:
        """Queue the articles (and nested sitemaps) a sitemap lists."""
        try:
            entries = read_sitemap(page.body, url)
        except NotASitemap as exc:
            log.warning("%s: not a readable sitemap (%s)", url, exc)
            return
        tasks = []
        for entry in entries:
            try:
                target = self.source.canonical(entry.url)
            except ValueError:
                log.debug("%s: skipped an entry that is not a url: %r", url, entry.url)
                continue
            if entry.is_sitemap:
                if self.source.on_site(target):  # a sitemap elsewhere is another site's
                    tasks.append(Task(target, "sitemap", entry.lastmod))
            elif self.source.is_article(target) and not self._too_old(entry.lastmod):
                tasks.append(Task(target, "article", entry.lastmod))
        self.cache.add(self.source.name, tasks)

    def _read_listing(self, url: str, page: Page) -> None:
        """Queue the articles and further listing pages a listing links to; record file links."""
        tasks = []
        for link in page_links(decode_html(page.body, page.charset), page.final_url):
            target = self.source.canonical(link)
            if not self.source.on_site(target):
                continue
            if is_file_link(target):
                self.cache.record_file(target, self.source.name, url)
            elif self.source.is_article(target):
                tasks.append(Task(target, "article", ""))
            elif self.source.is_listing(target):
                tasks.append(Task(target, "listing", ""))
        self.cache.add(self.source.name, tasks)

    def _article(self, task: Task) -> None:
        url = task.url
        cached = self.cache.get(url)
        if cached is not None and not self._needs_check(cached, task.lastmod):
            if cached.cleaned_hash:
                self.stats.cached += 1
                self.cache.finish(self.source.name, url, "done", "cached")
                return
            if cached.page.status in _GONE:
                self._skip(url, f"HTTP {cached.page.status} when last checked ({cached.checked_at})")
                return
        if is_file_link(url):
            self.cache.record_file(url, self.source.name, url)
            self._skip(url, "not HTML (a file link)")
            return
        self._articles_requested += 1
        page = self._fetch(url, conditional=cached is not None)
        if page is None:
            if cached is not None and cached.document_id:
                self.cache.mark_changed(url, _now())  # a stored document whose page is gone or failing
            return
        if not page.is_html:
            self.cache.record_file(url, self.source.name, url, page.content_type)
            self._skip(url, f"not HTML ({page.content_type})")
            return
        current = self.cache.get(url)
        if current is not None and current.cleaned_hash == current.body_hash:
            self.stats.unchanged += 1  # same bytes as the version already cleaned
            self.cache.finish(self.source.name, url, "done", "unchanged")
            return
        self._store(url, page, current)

    def _needs_check(self, cached: CachedPage, lastmod: str) -> bool:
        """True if a cleaned, cached article should be asked for again."""
        if self.options.revalidate:
            return True
        if lastmod and _after(lastmod, cached.page.fetched_at):
            return True
        checked = _parse_time(cached.checked_at)
        return checked is None or datetime.now(UTC) - checked > timedelta(days=self.options.revalidate_days)

    def _store(self, url: str, page: Page, cached: CachedPage | None) -> None:
        """Clean a fetched article and write its document, unless it must be skipped."""
        body_hash = cached.body_hash if cached else ""
        html = decode_html(page.body, page.charset)
        cleaned = clean_soup(parse(html), html, page.final_url, self.source.selectors)
        canonical = self.source.canonical(cleaned.canonical) if cleaned.canonical else url
        if not self.source.on_site(canonical):
            canonical = url
        if self.options.since and cleaned.date and cleaned.date < self.options.since:
            # Not marked as cleaned: a later crawl without --since should still store it.
            self._skip(url, f"published {cleaned.date}, before --since")
            return
        reason = ""
        if cleaned.noindex or "noindex" in page.headers.get("x-robots-tag", "").lower():
            reason = "noindex"
        elif not cleaned.body:
            reason = "no article text found"
        elif len(cleaned.body) < MIN_BODY_CHARS or cleaned.title.startswith("Index of /"):
            # A directory listing or an index page that matched the article pattern: not a release.
            reason = f"no article content ({len(cleaned.body)} characters of text)"
        elif canonical != url and not self.cache.claim(self.source.name, canonical):
            reason = f"duplicate of {canonical}"
        if reason:
            self.cache.mark_cleaned(url, body_hash, "", self.source.name)
            self._skip(url, reason)
            return
        doc = Document(
            id=id_from_url(canonical),
            title=cleaned.title,
            body=cleaned.body,
            url=canonical,
            source=self.source.name,
            date=cleaned.date,
            tags=cleaned.tags,
            lang=cleaned.lang,
            captured_at=page.fetched_at,
            metadata=_metadata(page, cached, self.cache.changed_since(url))
            | {"extracted_by": cleaned.method}
            | ({"original_text": cleaned.original_body} if cleaned.original_body else {}),
        )
        result = self.store.upsert_many([doc])
        self.stats.added += result.added
        self.stats.updated += result.updated
        self.stats.unchanged += result.unchanged
        self.cache.mark_cleaned(url, body_hash, doc.id, self.source.name)

    def _too_old(self, lastmod: str) -> bool:
        return bool(self.options.since and lastmod and lastmod[:10] < self.options.since)

    def _skip(self, url: str, reason: str) -> None:
        self.stats.skipped += 1
        log.debug("%s: skipped: %s", url, reason)
        self.cache.finish(self.source.name, url, "skipped", reason)

    def _fail(self, url: str, reason: str, logged: bool = False) -> None:
        self.stats.failed += 1
        if not logged:  # the fetcher already logged its own failures
            log.warning("%s: failed: %s", url, reason)
        self.cache.finish(self.source.name, url, "failed", reason)


def _metadata(page: Page, cached: CachedPage | None, changed_at: str | None) -> dict[str, str]:
    """Provenance kept with a document: where and when its text was fetched."""
    meta = {"fetched_url": page.final_url, "fetched_at": page.fetched_at}
    for header in ("last-modified", "etag"):
        if page.headers.get(header):
            meta[header.replace("-", "_")] = page.headers[header]
    if changed_at:
        meta["source_changed_at"] = changed_at
    return meta


def _is_sitemap(page: Page) -> bool:
    try:
        read_sitemap(page.body, page.final_url)
    except NotASitemap:
        return False
    return True


def _validators(page: Page) -> dict[str, str]:
    return {"etag": page.headers.get("etag", ""), "last_modified": page.headers.get("last-modified", "")}


def _parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _after(lastmod: str, fetched_at: str) -> bool:
    """True if a sitemap lastmod is later than our fetch (a date-only lastmod means end of that day)."""
    modified, fetched = _parse_time(lastmod), _parse_time(fetched_at)
    if modified is None or fetched is None:
        return False
    if len(lastmod) == 10:
        modified += timedelta(days=1)
    return modified > fetched


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
