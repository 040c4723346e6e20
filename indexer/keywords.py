"""The keyword side of search: BM25 over passages, as impact-ordered postings in numpy arrays.

Why not SQLite FTS5's own ranking (which the passage store still uses for quoted phrases):
`ORDER BY bm25` scores every passage that contains any query word, so its cost grows with the
corpus (0.5 s per query at 100k passages, docs/performance.md). Here each word's postings are
stored best first, by the term-frequency part of BM25 (which does not depend on the word), so a
query reads at most `CHAMPIONS` postings per word: exact while no query word is in more passages
than that, and a bounded approximation beyond it (the "champion lists" of Manning, Raghavan and
Schütze, Introduction to Information Retrieval, §7.1.3). Its recall against exact BM25 is
measured by bench/perf/bench_scale.py.

The index also keeps, per passage, its words and their counts, so an update re-weights the
postings in numpy and tokenises only the passages it adds; and its document, so that ranking
maps passages to documents without a database query. Files sit flat in the index folder
(`keywords.*`) and are memory-mapped: loading costs nothing, a query touches only its words.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import Stemmer

from indexer.chunk import Passage
from indexer.passages import STOPWORDS

# Postings read per query word; beyond this a word's lowest-weighted passages are not scored.
# Measured at 1M passages (docs/performance.md): 20,000 agreed with exact BM25 on 48% of the top 10,
# 100,000 on 92% (9.8 ms at depth 1,000), 300,000 on 98% (11.8 ms; every posting: 11.5 ms).
# Below 300,000 passages it is exact.
CHAMPIONS = 300_000
K1, B = 1.2, 0.75  # BM25's usual constants (those of FTS5 and Lucene)
META = "keywords.json"
_ARRAYS = ("row_ids", "row_docs", "row_ptr", "row_terms", "row_counts", "row_lengths", "post_ptr", "post_rows",
           "post_impacts")
_WORD = re.compile(r"\w+", re.UNICODE)
_stemmer = Stemmer.Stemmer("porter")


# Bounded: a server stems whatever words its users type, for as long as it runs.
@lru_cache(maxsize=1 << 20)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def query_terms(words: Iterable[str]) -> list[str]:
    """The distinct index terms of a query's words, in order."""
    return list(dict.fromkeys(t for w in words for t in tokens(w)))


def tokens(text: str) -> list[str]:
    """The index terms of a text: caseless, accents removed, stopwords dropped, Porter-stemmed."""
    folded = unicodedata.normalize("NFKD", text.lower())
    if not folded.isascii():
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    return [_stem(w) for w in _WORD.findall(folded) if w not in STOPWORDS]


@dataclass
class KeywordIndex:
    """BM25 postings of a set of passages; the title counts `title_weight` times a body word."""

    terms: dict[str, int]
    documents: list[str]  # document ids, numbered by row_docs
    title_weight: float
    row_ids: np.ndarray  # passage id of each row, ascending (updates add higher ids)
    row_docs: np.ndarray  # each row's document, as a position in `documents`
    row_ptr: np.ndarray  # row i's words are row_terms[row_ptr[i]:row_ptr[i+1]]
    row_terms: np.ndarray
    row_counts: np.ndarray  # weighted count of each of those words in the passage
    row_lengths: np.ndarray  # weighted number of words of each passage
    post_ptr: np.ndarray  # term t's postings are post_rows[post_ptr[t]:post_ptr[t+1]], best first
    post_rows: np.ndarray
    post_impacts: np.ndarray

    @classmethod
    def build(cls, ids: Sequence[int], passages: Sequence[Passage], title_weight: float = 0.5) -> KeywordIndex:
        """Index passages under their ids (ascending)."""
        terms: dict[str, int] = {}
        documents: dict[str, int] = {}
        docs = _numbered(documents, passages)
        parts = _tokenise(terms, passages, title_weight)
        return cls._from_rows(terms, list(documents), title_weight, np.asarray(ids, dtype=np.int64), docs, *parts)

    def updated(self, removed: Iterable[int], ids: Sequence[int], passages: Sequence[Passage]) -> KeywordIndex:
        """A new index without the `removed` passage ids and with `passages` added under `ids`.

        The new ids must be higher than every id kept, as the passage store hands them out.
        """
        keep = ~np.isin(self.row_ids, np.fromiter(removed, dtype=np.int64))
        per_row = np.diff(self.row_ptr)
        entry_keep = np.repeat(keep, per_row)
        terms = dict(self.terms)
        documents = {d: i for i, d in enumerate(self.documents)}
        new_docs = _numbered(documents, passages)
        new_ptr, new_terms, new_counts, new_lengths = _tokenise(terms, passages, self.title_weight)
        kept_ptr = np.concatenate([[0], np.cumsum(per_row[keep])])
        return self._from_rows(
            terms, list(documents), self.title_weight,
            np.concatenate([self.row_ids[keep], np.asarray(ids, dtype=np.int64)]),
            np.concatenate([self.row_docs[keep], new_docs]),
            np.concatenate([kept_ptr, kept_ptr[-1] + new_ptr[1:]]),
            np.concatenate([self.row_terms[entry_keep], new_terms]),
            np.concatenate([self.row_counts[entry_keep], new_counts]),
            np.concatenate([self.row_lengths[keep], new_lengths]),
        )

    @classmethod
    def _from_rows(cls, terms: dict[str, int], documents: list[str], title_weight: float, row_ids: np.ndarray,
                   row_docs: np.ndarray, row_ptr: np.ndarray, row_terms: np.ndarray, row_counts: np.ndarray,
                   row_lengths: np.ndarray) -> KeywordIndex:
        """Invert the per-passage word counts into impact-ordered postings."""
        if len(row_ids) > 1 and not (np.diff(row_ids) > 0).all():
            raise ValueError("passage ids must be ascending")
        rows = np.repeat(np.arange(len(row_ids), dtype=np.int32), np.diff(row_ptr))
        average = float(row_lengths.mean()) if len(row_lengths) else 1.0
        norm = K1 * (1 - B + B * row_lengths / max(average, 1e-9))
        impacts = (row_counts * (K1 + 1) / (row_counts + norm[rows])).astype(np.float32)
        order = np.lexsort((-impacts, row_terms))  # by term, then best passage first
        post_ptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_terms, minlength=len(terms)), out=post_ptr[1:])
        return cls(terms, documents, title_weight, row_ids, row_docs, row_ptr.astype(np.int64), row_terms,
                   row_counts, row_lengths, post_ptr, rows[order], impacts[order])

    def __len__(self) -> int:
        return len(self.row_ids)

    def search(self, words: Iterable[str], limit: int, champions: int = CHAMPIONS) -> list[tuple[int, float]]:
        """Return up to `limit` (passage id, BM25 score) pairs for any of `words`, best first."""
        rows, scores = self.ranked_rows(query_terms(words), limit, champions=champions)
        return list(zip(self.row_ids[rows].tolist(), scores.tolist(), strict=True))

    def ranked_rows(self, terms: Sequence[str], limit: int, allowed: np.ndarray | None = None,
                    champions: int = CHAMPIONS) -> tuple[np.ndarray, np.ndarray]:
        """(rows, BM25 scores) of the best `limit` passages holding any of `terms`, best first."""
        return self.score(terms, champions).top(limit, allowed)

    def score(self, terms: Sequence[str], champions: int = CHAMPIONS) -> PassageScores:
        """BM25 of every passage for these terms, reading at most `champions` postings per term."""
        rows, weights = [], []
        for t in (self.terms.get(term) for term in terms):
            if t is None:
                continue
            start, end = int(self.post_ptr[t]), int(self.post_ptr[t + 1])
            if end == start:
                continue
            end = min(end, start + champions)
            rows.append(self.post_rows[start:end])
            weights.append(self.post_impacts[start:end] * np.float32(self._idf(t)))
        # Scatter-add into one score per passage: a row occurs once in a word's postings, so `+=` on a
        # fancy index is exact. (np.unique over all touched rows took twice as long at 1M: 21.8 -> 10.7 ms.)
        scores = np.zeros(len(self.row_ids), dtype=np.float32)
        for word_rows, word_weights in zip(rows, weights, strict=True):
            scores[word_rows] += word_weights
        touched = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        return PassageScores(self, scores, touched, len(rows))

    @cached_property
    def first_passages(self) -> np.ndarray:
        """Each document's first passage id (-1 for a document without passages), in document order."""
        first = np.full(len(self.documents), -1, dtype=np.int64)
        first[self.row_docs[self.runs]] = self.row_ids[self.runs]
        return first

    @cached_property
    def runs(self) -> np.ndarray:
        """The first row of each run of rows of one document."""
        docs = np.asarray(self.row_docs)
        return np.concatenate([[0], np.flatnonzero(docs[1:] != docs[:-1]) + 1]) if len(docs) else docs[:0]

    def coverage(self, terms: Sequence[str]) -> np.ndarray:
        """Per document (numbered as `documents`), the share of the query's information its text holds.

        Each term weighs its IDF, so a document holding the rare words of a query covers most of
        it, and one holding only words that every release uses ("human", "rights") covers little.
        A term the corpus never uses weighs the most a term can: a query of unknown words is
        covered by no document. Every posting is read (no champion cut): membership is exact.
        """
        covered = np.zeros(len(self.documents))
        total = 0.0
        for term in terms:
            t = self.terms.get(term)
            idf = self._idf(t) if t is not None else self._idf(None)
            total += idf
            if t is None:
                continue
            present = np.zeros(len(self.documents), dtype=bool)
            present[self.row_docs[self.post_rows[int(self.post_ptr[t]) : int(self.post_ptr[t + 1])]]] = True
            covered += idf * present
        return covered / total if total > 0 else covered

    def _idf(self, term: int | None) -> float:
        """BM25's IDF of a term number (None: a term in no passage)."""
        n = len(self.row_ids)
        df = int(self.post_ptr[term + 1] - self.post_ptr[term]) if term is not None else 0
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def save(self, folder: Path) -> None:
        """Write the index as `keywords.*` files in `folder`."""
        for name in _ARRAYS:
            np.save(folder / f"keywords.{name}.npy", getattr(self, name))
        meta = {"title_weight": self.title_weight, "terms": list(self.terms), "documents": self.documents}
        (folder / META).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        """Open the index saved in `folder`, memory-mapped (OSError or ValueError if it is broken)."""
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        arrays = {name: np.load(folder / f"keywords.{name}.npy", mmap_mode="r") for name in _ARRAYS}
        index = cls({t: i for i, t in enumerate(meta["terms"])}, list(meta["documents"]), float(meta["title_weight"]),
                    **arrays)
        if len(index.post_ptr) != len(index.terms) + 1 or len(index.row_ptr) != len(index.row_ids) + 1:
            raise ValueError(f"the keyword index in {folder} is inconsistent")
        return index


@dataclass(frozen=True)
class PassageScores:
    """BM25 of every passage for one query: computed once, read by the ranking and the set's order."""

    index: KeywordIndex
    scores: np.ndarray  # float32, one per row; 0 where no term occurs
    touched: np.ndarray  # the rows holding a term (a row once per term it holds)
    terms: int  # how many of the query's terms have postings

    def top(self, limit: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the best `limit` passages holding any term, best first.

        `allowed`, a bool per row, keeps the ranking inside a filter: the best allowed passages
        come back however far down the unfiltered ranking they are.
        """
        touched = self.touched if allowed is None else self.touched[allowed[self.touched]]
        # A row appears at most once per term, so the best `limit` distinct rows are among the best
        # `limit * terms` touched entries: partition those, then deduplicate the few left.
        head = min(len(touched), limit * self.terms)
        if len(touched) > head:
            touched = touched[np.argpartition(-self.scores[touched], head - 1)[:head]]
        best = np.unique(touched)
        best = best[np.argsort(-self.scores[best], kind="stable")][:limit]
        return best.astype(np.int64), self.scores[best]

    def best_per_document(self) -> np.ndarray:
        """The score of each document's best passage (0 where no term occurs), for every document."""
        best = np.zeros(len(self.index.documents), dtype=np.float32)
        runs = self.index.runs
        if len(runs):
            # A document's passages are consecutive rows: one maximum per run of rows.
            np.maximum.at(best, self.index.row_docs[runs], np.maximum.reduceat(self.scores, runs))
        return best


def _numbered(documents: dict[str, int], passages: Sequence[Passage]) -> np.ndarray:
    """The passages' documents as numbers; new documents join `documents`."""
    return np.array([documents.setdefault(p.doc_id, len(documents)) for p in passages], dtype=np.int32)


def _tokenise(terms: dict[str, int], passages: Sequence[Passage],
              title_weight: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-passage (row_ptr, term ids, weighted counts, weighted lengths); new terms join `terms`."""
    # Typed arrays, not lists: a million passages make about 10^8 entries.
    ptr, term_ids, counts, lengths = array("q", [0]), array("i"), array("f"), array("f")
    for passage in passages:
        body, head = tokens(passage.text), tokens(passage.title)
        bag: Counter[str] = Counter(body)
        for term in head:
            bag[term] += title_weight
        for term, count in bag.items():
            term_ids.append(terms.setdefault(term, len(terms)))
            counts.append(count)
        ptr.append(len(term_ids))
        lengths.append(len(body) + title_weight * len(head))
    return (np.frombuffer(ptr, dtype=np.int64), np.frombuffer(term_ids, dtype=np.int32),
            np.frombuffer(counts, dtype=np.float32), np.frombuffer(lengths, dtype=np.float32))
