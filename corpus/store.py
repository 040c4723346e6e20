"""The corpus store: one SQLite file (WAL mode) of documents, written in transactions.

Writes are idempotent: upserting a document whose content hash is unchanged touches nothing,
so importing or crawling the same material twice leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from corpus.documents import Document, id_from_url
from corpus.language import detect_language

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    date TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    body TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS documents_url ON documents(url);
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY,
    publisher TEXT NOT NULL
);
"""

_COLUMNS = "id, url, source, title, date, tags, body, metadata, content_hash, first_seen, captured_at, lang"


class CorpusError(Exception):
    """The corpus database is missing, unreadable or not ours."""


@dataclass
class UpsertStats:
    """What a batch of writes did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"


def utc_now() -> str:
    """The current time in UTC, ISO 8601 to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class CorpusStore:
    """Documents in one SQLite file; safe to read while another process writes."""

    def __init__(self, path: Path, *, create: bool = True, readonly: bool = False) -> None:
        """Open (or, with `create`, make) the database; `readonly` never writes, for a read-only mount."""
        self.path = Path(path)
        if (readonly or not create) and not self.path.exists():
            raise CorpusError(f"no corpus database at {self.path} (run `python -m corpus import` first)")
        try:
            if readonly:
                self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30,
                                            check_same_thread=False)
                self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()  # ours, and readable
                self._columns = _COLUMNS if self._has_lang() else _COLUMNS.replace(", lang", ", '' AS lang")
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(SCHEMA)
            self._add_languages()
        except sqlite3.DatabaseError as exc:
            raise CorpusError(f"{self.path} is not a usable corpus database: {exc}") from exc

    _columns = _COLUMNS

    def _has_lang(self) -> bool:
        return any(row[1] == "lang" for row in self.conn.execute("PRAGMA table_info(documents)"))

    def _add_languages(self) -> None:
        """Give a database written before documents had a language its `lang` column, detected."""
        if self._has_lang():
            return
        rows = self.conn.execute("SELECT id, title, body FROM documents").fetchall()
        with self.conn:
            self.conn.execute("ALTER TABLE documents ADD COLUMN lang TEXT NOT NULL DEFAULT ''")
            self.conn.executemany("UPDATE documents SET lang = ? WHERE id = ?",
                                  [(detect_language(title, body), doc_id) for doc_id, title, body in rows])

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> CorpusStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def upsert_many(self, documents: Iterable[Document]) -> UpsertStats:
        """Insert new documents and update changed ones, all in one transaction."""
        stats = UpsertStats()
        now = utc_now()
        with self.conn:
            for doc in documents:
                doc_id = self._free_id(doc)
                row = self.conn.execute(
                    "SELECT content_hash, lang FROM documents WHERE id = ?", (doc_id,)
                ).fetchone()
                digest = doc.content_hash
                # A language the source declares corrects a detected one; an undeclared one is kept.
                if row is not None and row[0] == digest and (not doc.lang or doc.lang == row[1]):
                    stats.unchanged += 1
                    continue
                values = (
                    doc.url, doc.source, doc.title, doc.date, json.dumps(list(doc.tags), ensure_ascii=False),
                    doc.body, json.dumps(doc.metadata, ensure_ascii=False, sort_keys=True), digest,
                )
                lang = doc.lang or detect_language(doc.title, doc.body)
                if row is None:
                    self.conn.execute(
                        f"INSERT INTO documents ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (doc_id, *values, now, doc.captured_at or now, lang),
                    )
                    stats.added += 1
                else:
                    self.conn.execute(
                        "UPDATE documents SET url=?, source=?, title=?, date=?, tags=?, body=?, metadata=?,"
                        " content_hash=?, captured_at=?, lang=? WHERE id=?",
                        (*values, doc.captured_at or now, lang, doc_id),
                    )
                    stats.updated += 1
        return stats

    def _free_id(self, doc: Document) -> str:
        """Keep the given id unless another url already owns it; then derive one from the url.

        Source files reuse short ids (HRW's daily briefs are all "27", "11"...), and two different
        releases must not overwrite each other.
        """
        if not doc.url:
            return doc.id
        row = self.conn.execute("SELECT url FROM documents WHERE id = ?", (doc.id,)).fetchone()
        if row is None or row[0] in ("", doc.url):
            return doc.id
        return id_from_url(doc.url)

    def name_source(self, name: str, publisher: str) -> None:
        """Record who publishes source `name` ("Human Rights Watch" for "hrw"); a later call replaces it."""
        with self.conn:
            self.conn.execute("INSERT INTO sources (name, publisher) VALUES (?, ?)"
                              " ON CONFLICT(name) DO UPDATE SET publisher = excluded.publisher", (name, publisher))

    def publishers(self) -> dict[str, str]:
        """{source name: publisher} for every source named so far (none for a database from before)."""
        try:
            return dict(self.conn.execute("SELECT name, publisher FROM sources"))
        except sqlite3.OperationalError:  # a read-only database written before sources were named
            return {}

    def delete(self, ids: Iterable[str]) -> int:
        """Remove documents by id; return how many were removed."""
        with self.conn:
            return sum(self.conn.execute("DELETE FROM documents WHERE id = ?", (i,)).rowcount for i in ids)

    def get(self, doc_id: str) -> Document | None:
        """Return one document, or None."""
        found = self.get_many([doc_id])
        return found.get(doc_id)

    def get_many(self, ids: Iterable[str]) -> dict[str, Document]:
        """Return the documents with these ids, in one query."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self.conn.execute(f"SELECT {self._columns} FROM documents WHERE id IN ({marks})", wanted)
        return {row[0]: _document(row) for row in rows}

    def iter_documents(self) -> Iterator[Document]:
        """Yield every document, ordered by id."""
        for row in self.conn.execute(f"SELECT {self._columns} FROM documents ORDER BY id"):
            yield _document(row)

    def count(self) -> int:
        """Number of documents."""
        return self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def hashes(self) -> dict[str, str]:
        """Map every document id to its content hash."""
        return dict(self.conn.execute("SELECT id, content_hash FROM documents"))

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Read the statements inside from one state of the database, whatever commits meanwhile."""
        self.conn.execute("BEGIN")  # deferred: the first read fixes the snapshot (WAL mode)
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def fingerprint(self) -> str:
        """One hash of the whole corpus: it changes when any document is added, changed or removed."""
        digest = hashlib.sha256()
        for doc_id, content_hash in sorted(self.hashes().items()):
            digest.update(f"{doc_id}\t{content_hash}\n".encode())
        return digest.hexdigest()


def _document(row: tuple) -> Document:
    (doc_id, url, source, title, date, tags, body, metadata, content_hash, first_seen, captured_at, lang) = row
    meta = json.loads(metadata)
    meta.setdefault("first_seen", first_seen)
    meta.setdefault("content_hash", content_hash)
    return Document(
        id=doc_id, url=url, source=source, title=title, date=date, tags=tuple(json.loads(tags)),
        body=body, lang=lang, metadata=meta, captured_at=captured_at,
    )
