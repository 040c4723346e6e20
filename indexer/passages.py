"""The passage table and its keyword index (SQLite FTS5), stored beside the vectors.

Row ids here are the vector ids in FAISS, so a hit from either side names the same passage.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from indexer.chunk import Passage

SCHEMA = """
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    title, text, content='passages', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
"""

_WORD = re.compile(r"\w+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]+)"')
# Words too common to say anything on their own; left out of keyword queries (not of phrases).
STOPWORDS = frozenset(
    "a an and are as at be by for from has have how in is it its of on or that the their this to "
    "was were what when where which who why will with about against after into than then there "
    "these they those do does did not no".split()
)


@dataclass(frozen=True)
class KeywordQuery:
    """A user query split into free words and quoted phrases."""

    words: tuple[str, ...]
    phrases: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> KeywordQuery:
        """Quoted parts become phrases; the other words, less stopwords, become optional terms.

        A phrase repeated, or made of stopwords only ("the"), restricts nothing a reader would
        miss and costs a full scan of the phrase index each: it is dropped.
        """
        meaningful: dict[str, str] = {}
        for phrase in (" ".join(_WORD.findall(p)) for p in _PHRASE.findall(text)):
            if any(w.lower() not in STOPWORDS for w in phrase.split()):
                meaningful.setdefault(phrase.lower(), phrase)
        rest = _PHRASE.sub(" ", text)
        words = tuple(dict.fromkeys(w for w in _WORD.findall(rest.lower()) if w not in STOPWORDS))
        return cls(words, tuple(meaningful.values()))


class PassageStore:
    """Passages with their text and a BM25 keyword index, in one SQLite file."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly:
            uri = f"file:{self.path}?mode=ro"
            self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self.conn = sqlite3.connect(self.path, check_same_thread=False)
            self.conn.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self.conn.close()

    def add(self, first_id: int, passages: Iterable[Passage]) -> int:
        """Store passages under consecutive ids from `first_id`; return the next free id."""
        next_id = first_id
        rows = []
        for passage in passages:
            rows.append((next_id, passage.doc_id, passage.ordinal, passage.title, passage.text))
            next_id += 1
        with self.conn:
            self.conn.executemany("INSERT INTO passages VALUES (?,?,?,?,?)", rows)
            self.conn.executemany(
                "INSERT INTO passages_fts(rowid, title, text) VALUES (?,?,?)",
                [(r[0], r[3], r[4]) for r in rows],
            )
        return next_id

    def remove_documents(self, doc_ids: Iterable[str]) -> list[int]:
        """Delete the passages of these documents; return the ids removed."""
        removed: list[int] = []
        with self.conn:
            for doc_id in doc_ids:
                rows = self.conn.execute(
                    "SELECT id, title, text FROM passages WHERE doc_id = ?", (doc_id,)
                ).fetchall()
                self.conn.executemany(
                    "INSERT INTO passages_fts(passages_fts, rowid, title, text) VALUES ('delete',?,?,?)", rows
                )
                self.conn.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
                removed.extend(r[0] for r in rows)
        return removed

    def optimize(self) -> None:
        """Merge the keyword index's segments: smaller and faster to query."""
        with self.conn:
            self.conn.execute("INSERT INTO passages_fts(passages_fts) VALUES ('optimize')")

    def max_id(self) -> int:
        """The highest passage id in use, or -1."""
        return self.conn.execute("SELECT COALESCE(MAX(id), -1) FROM passages").fetchone()[0]

    def count(self) -> int:
        """Number of passages."""
        return self.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]

    def doc_ids(self) -> set[str]:
        """Ids of the documents that have passages here."""
        return {row[0] for row in self.conn.execute("SELECT DISTINCT doc_id FROM passages")}

    def get_many(self, ids: Iterable[int]) -> dict[int, Passage]:
        """Return passages by id, in one query."""
        wanted = [int(i) for i in ids]
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self.conn.execute(
            f"SELECT id, doc_id, ordinal, title, text FROM passages WHERE id IN ({marks})", wanted
        )
        return {r[0]: Passage(r[1], r[2], r[4], r[3]) for r in rows}

    def passages_with_phrase(self, phrase: str) -> list[tuple[str, str, str]]:
        """(document id, title, text) of the passages matching `phrase` (FTS5 tokens: stemmed, caseless)."""
        rows = self.conn.execute(
            "SELECT p.doc_id, p.title, p.text FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid"
            " WHERE passages_fts MATCH ?",
            (f'"{phrase}"',),
        )
        return rows.fetchall()
