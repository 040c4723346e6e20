"""The crawl cache: raw responses (compressed, with headers) and each source's crawl frontier.

One SQLite file beside the corpus (``Settings.cache_path``). Every step of a crawl commits, so a
crawl killed at any moment resumes from its frontier, and a re-crawl can send conditional requests
and skip re-cleaning pages whose bytes did not change.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

from corpus.fetch import Page
from corpus.store import CorpusError

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,           -- the canonical url we asked for
    final_url TEXT NOT NULL,        -- where redirects ended
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,          -- JSON object, lower-case names
    body BLOB NOT NULL,             -- zlib-compressed bytes
    body_hash TEXT NOT NULL,
    fetched_at TEXT NOT NULL,       -- when these bytes arrived
    checked_at TEXT NOT NULL,       -- when the server last confirmed them (200 or 304)
    cleaned_hash TEXT NOT NULL DEFAULT '',  -- body_hash of the version last cleaned
    document_id TEXT NOT NULL DEFAULT '',
    changed_at TEXT NOT NULL DEFAULT ''     -- when we last saw the source change
);
CREATE TABLE IF NOT EXISTS frontier (
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,             -- sitemap, listing or article
    priority INTEGER NOT NULL,      -- sitemaps, then listings, then articles
    seq INTEGER NOT NULL,           -- order of discovery
    lastmod TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending',  -- pending, done, skipped, failed
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source, url)
);
CREATE INDEX IF NOT EXISTS frontier_next ON frontier(source, state, priority, seq);
CREATE TABLE IF NOT EXISTS files (
    url TEXT PRIMARY KEY,           -- a linked PDF or other non-HTML file, recorded, not parsed
    source TEXT NOT NULL,
    found_on TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT ''
);
"""
# Sitemaps first, then listings, then articles: discover before fetching.
_ORDER = {"sitemap": 0, "listing": 1, "article": 2}


@dataclass(frozen=True)
class CachedPage:
    """A stored response and what the crawler did with it."""

    page: Page
    body_hash: str
    checked_at: str
    cleaned_hash: str
    document_id: str


@dataclass(frozen=True)
class Task:
    """One url waiting in the frontier."""

    url: str
    kind: str
    lastmod: str


class PageCache:
    """Responses and frontiers in one SQLite file (WAL mode)."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        """Open (or make) the cache; `readonly` never writes (the web app only reads it)."""
        self.path = Path(path)
        try:
            if readonly:
                self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            # Commits survive a killed process; only a power cut may lose the last few steps.
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise CorpusError(f"{self.path} is not a usable crawl cache: {exc}") from exc

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> PageCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Responses

    def get(self, url: str) -> CachedPage | None:
        """The cached response for a url, or None."""
        row = self.conn.execute(
            "SELECT final_url, status, headers, body, body_hash, fetched_at, checked_at, cleaned_hash,"
            " document_id FROM pages WHERE url = ?",
            (url,),
        ).fetchone()
        if row is None:
            return None
        final_url, status, headers, body, body_hash, fetched_at, checked_at, cleaned_hash, doc_id = row
        page = Page(
            url=url,
            final_url=final_url,
            status=status,
            headers=json.loads(headers),
            body=zlib.decompress(body),
            fetched_at=fetched_at,
        )
        return CachedPage(page, body_hash, checked_at, cleaned_hash, doc_id)

    def put(self, page: Page) -> str:
        """Store a 200 response; return its body hash. A changed body is remembered as a change."""
        digest = hashlib.sha256(page.body).hexdigest()
        with self.conn:
            old = self.conn.execute("SELECT body_hash FROM pages WHERE url = ?", (page.url,)).fetchone()
            changed_at = page.fetched_at if old is not None and old[0] != digest else ""
            self.conn.execute(
                "INSERT INTO pages (url, final_url, status, headers, body, body_hash, fetched_at, checked_at)"
                " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(url) DO UPDATE SET final_url=excluded.final_url,"
                " status=excluded.status, headers=excluded.headers, body=excluded.body,"
                " body_hash=excluded.body_hash, fetched_at=excluded.fetched_at,"
                " checked_at=excluded.checked_at",
                (
                    page.url,
                    page.final_url,
                    page.status,
                    json.dumps(dict(page.headers)),
                    zlib.compress(page.body, 6),
                    digest,
                    page.fetched_at,
                    page.fetched_at,
                ),
            )
            if changed_at:
                self.conn.execute("UPDATE pages SET changed_at = ? WHERE url = ?", (changed_at, page.url))
        return digest

    def confirm(self, url: str, when: str) -> None:
        """Record that the server said the cached version is current (a 304)."""
        with self.conn:
            self.conn.execute("UPDATE pages SET checked_at = ? WHERE url = ?", (when, url))

    def mark_cleaned(self, url: str, body_hash: str, document_id: str, source: str) -> None:
        """Record which version became which document, and close the url's frontier entry."""
        with self.conn:
            self.conn.execute(
                "UPDATE pages SET cleaned_hash = ?, document_id = ? WHERE url = ?",
                (body_hash, document_id, url),
            )
            self._finish(source, url, "done", "")

    def mark_changed(self, url: str, when: str) -> None:
        """Record that the live page is newer than what we hold (sitemap lastmod, or gone)."""
        with self.conn:
            self.conn.execute(
                "UPDATE pages SET changed_at = ? WHERE url = ? AND changed_at < ?", (when, url, when)
            )

    def changed_since(self, url: str) -> str | None:
        """When the crawler last saw the page at `url` change, or None."""
        row = self.conn.execute("SELECT changed_at FROM pages WHERE url = ?", (url,)).fetchone()
        return row[0] if row and row[0] else None

    def record_file(self, url: str, source: str, found_on: str, content_type: str = "") -> None:
        """Remember a link to a non-HTML file."""
        with self.conn:
            self.conn.execute(
                "INSERT OR IGNORE INTO files (url, source, found_on, content_type) VALUES (?,?,?,?)",
                (url, source, found_on, content_type),
            )

    def files(self, source: str) -> list[str]:
        """Recorded non-HTML links of a source."""
        return [
            r[0] for r in self.conn.execute("SELECT url FROM files WHERE source = ? ORDER BY url", (source,))
        ]

    # Frontier

    def pending(self, source: str) -> int:
        """How many urls of a source wait to be crawled."""
        return self.conn.execute(
            "SELECT COUNT(*) FROM frontier WHERE source = ? AND state = 'pending'", (source,)
        ).fetchone()[0]

    def size(self, source: str) -> int:
        """How many urls a source's current crawl has met."""
        return self.conn.execute("SELECT COUNT(*) FROM frontier WHERE source = ?", (source,)).fetchone()[0]

    def start(self, source: str, seeds: list[Task]) -> None:
        """Begin a new crawl of a source from its seeds, forgetting the previous frontier."""
        with self.conn:
            self.conn.execute("DELETE FROM frontier WHERE source = ?", (source,))
        self.add(source, seeds)

    def add(self, source: str, tasks: list[Task]) -> int:
        """Queue urls not yet met in this crawl; return how many were new."""
        with self.conn:
            seq = self.conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM frontier WHERE source = ?", (source,)
            ).fetchone()[0]
            added = 0
            for task in tasks:
                seq += 1
                added += self.conn.execute(
                    "INSERT OR IGNORE INTO frontier (source, url, kind, priority, seq, lastmod)"
                    " VALUES (?,?,?,?,?,?)",
                    (source, task.url, task.kind, _ORDER[task.kind], seq, task.lastmod),
                ).rowcount
        return added

    def next(self, source: str) -> Task | None:
        """The next url to crawl: sitemaps and listings before articles, oldest first."""
        row = self.conn.execute(
            "SELECT url, kind, lastmod FROM frontier WHERE source = ? AND state = 'pending'"
            " ORDER BY priority, seq LIMIT 1",
            (source,),
        ).fetchone()
        return Task(*row) if row else None

    def finish(self, source: str, url: str, state: str, reason: str = "") -> None:
        """Close a url's frontier entry: done, skipped or failed, with why."""
        with self.conn:
            self._finish(source, url, state, reason)

    def claim(self, source: str, url: str) -> bool:
        """Mark a url as met (done) so it is not fetched in this crawl; False if it was already met."""
        with self.conn:
            return (
                self.conn.execute(
                    "INSERT OR IGNORE INTO frontier (source, url, kind, priority, seq, state)"
                    " VALUES (?, ?, 'article', 2, 0, 'done')",
                    (source, url),
                ).rowcount
                == 1
            )

    def _finish(self, source: str, url: str, state: str, reason: str) -> None:
        self.conn.execute(
            "UPDATE frontier SET state = ?, reason = ? WHERE source = ? AND url = ?",
            (state, reason, source, url),
        )
