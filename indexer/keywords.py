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
maps passages to documents without a database query. Per word it also keeps the documents
holding it, so that a query's coverage reads one entry per document, not one per passage. Files
sit flat in the index folder (`keywords.*`) and are memory-mapped: loading costs nothing, a query
touches only its words.
"""

from __future__ import annotations

import json
import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from indexer.chunk import Passage
from indexer.languages import DEFAULT, analysed, fold, stemmer, stopwords

# Postings read per query word; beyond this a word's lowest-weighted passages are not scored.
# Measured at 1M passages (docs/performance.md): 20,000 agreed with exact BM25 on 48% of the top 10,
# 100,000 on 92% (9.8 ms at depth 1,000), 300,000 on 98% (11.8 ms; every posting: 11.5 ms).
# Below 300,000 passages it is exact.
CHAMPIONS = 300_000
K1, B = 1.2, 0.75  # BM25's usual constants (those of FTS5 and Lucene)
META = "keywords.json"
_ARRAYS = ("row_ids", "row_docs", "row_ptr", "row_terms", "row_counts", "row_lengths", "post_ptr", "post_rows",
           "post_impacts", "doc_ptr", "doc_list")
# Below every positive float32: a score floor that keeps every passage holding a query term.
_ANY = np.nextafter(np.float32(0), np.float32(1))
# A filter keeping fewer than one document in _NARROW is ranked from its own passages, not a scan of all.
_NARROW = 8
_WORD = re.compile(r"\w+", re.UNICODE)


# Bounded: a server stems whatever words its users type, for as long as it runs.
@lru_cache(maxsize=1 << 20)
def _stem(word: str, lang: str) -> str:
    found = stemmer(lang)
    return found.stemWord(word) if found else word


def query_terms(words: Iterable[str], languages: Iterable[str] = (DEFAULT,)) -> list[str]:
    """The distinct index terms of a query's words, in order, read in each of the index's languages.

    A query's own language is not known (three words say little): each word is stemmed as every
    indexed language would stem it, so "torture" finds "tortures" and "torturés" alike.
    """
    return list(dict.fromkeys(t for lang in languages for w in words for t in tokens(w, lang)))


def tokens(text: str, lang: str = DEFAULT) -> list[str]:
    """The index terms of a text in language `lang`: caseless, accents removed, stopwords dropped, stemmed."""
    lang = analysed(lang)
    dropped = stopwords(lang)
    return [_stem(w, lang) for w in _WORD.findall(fold(text)) if w not in dropped]


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
    doc_ptr: np.ndarray  # term t is in the documents doc_list[doc_ptr[t]:doc_ptr[t+1]], ascending
    doc_list: np.ndarray
    # The languages of the indexed passages: a query is stemmed the way each of them was.
    languages: tuple[str, ...] = (DEFAULT,)

    @classmethod
    def build(cls, ids: Sequence[int], passages: Sequence[Passage], title_weight: float = 0.5) -> KeywordIndex:
        """Index passages under their ids (ascending)."""
        terms: dict[str, int] = {}
        documents: dict[str, int] = {}
        docs = _numbered(documents, passages)
        parts = _tokenise(terms, passages, title_weight)
        return cls._from_rows(terms, list(documents), title_weight, _languages((), passages),
                              np.asarray(ids, dtype=np.int64), docs, *parts)

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
            # A language whose passages all left keeps its place: its terms are still in the vocabulary.
            terms, list(documents), self.title_weight, _languages(self.languages, passages),
            np.concatenate([self.row_ids[keep], np.asarray(ids, dtype=np.int64)]),
            np.concatenate([self.row_docs[keep], new_docs]),
            np.concatenate([kept_ptr, kept_ptr[-1] + new_ptr[1:]]),
            np.concatenate([self.row_terms[entry_keep], new_terms]),
            np.concatenate([self.row_counts[entry_keep], new_counts]),
            np.concatenate([self.row_lengths[keep], new_lengths]),
        )

    @classmethod
    def _from_rows(cls, terms: dict[str, int], documents: list[str], title_weight: float,
                   languages: tuple[str, ...], row_ids: np.ndarray, row_docs: np.ndarray, row_ptr: np.ndarray,
                   row_terms: np.ndarray, row_counts: np.ndarray, row_lengths: np.ndarray) -> KeywordIndex:
        """Invert the per-passage word counts into impact-ordered postings."""
        if len(row_ids) > 1 and not (np.diff(row_ids) > 0).all():
            raise ValueError("passage ids must be ascending")
        rows = np.repeat(np.arange(len(row_ids), dtype=np.int32), np.diff(row_ptr))
        average = float(row_lengths.mean()) if len(row_lengths) else 1.0
        norm = K1 * (1 - B + B * row_lengths / max(average, 1e-9))
        impacts = (row_counts * (K1 + 1) / (row_counts + norm[rows])).astype(np.float32)
        order = np.lexsort((-impacts, row_terms))  # by term, then best passage first
        post_ptr = _pointers(row_terms, len(terms))
        doc_ptr, doc_list = _document_postings(row_terms, row_docs[rows], len(terms), len(documents))
        return cls(terms, documents, title_weight, row_ids, row_docs, row_ptr.astype(np.int64), row_terms,
                   row_counts, row_lengths, post_ptr, rows[order], impacts[order], doc_ptr, doc_list, languages)

    def __len__(self) -> int:
        return len(self.row_ids)

    def search(self, words: Iterable[str], limit: int, champions: int = CHAMPIONS) -> list[tuple[int, float]]:
        """Return up to `limit` (passage id, BM25 score) pairs for any of `words`, best first."""
        rows, scores = self.ranked_rows(query_terms(words, self.languages), limit, champions=champions)
        return list(zip(self.row_ids[rows].tolist(), scores.tolist(), strict=True))

    def ranked_rows(self, terms: Sequence[str], limit: int, allowed: np.ndarray | None = None,
                    champions: int = CHAMPIONS) -> tuple[np.ndarray, np.ndarray]:
        """(rows, BM25 scores) of the best `limit` passages holding any of `terms`, best first.

        `allowed`, a bool per document, keeps only the passages of those documents.
        """
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
        # Scatter-add into one score per passage, a word at a time (np.unique over all touched rows took
        # twice as long at 1M: 21.8 -> 10.7 ms). np.add.at, not `+=` on a fancy index: the same sums (a
        # row occurs once in a word's postings) in half the time (numpy 2.4, 1M passages: 3.0 -> 1.2 ms).
        scores = np.zeros(len(self.row_ids), dtype=np.float32)
        for word_rows, word_weights in zip(rows, weights, strict=True):
            np.add.at(scores, word_rows, word_weights)
        return PassageScores(self, scores, tuple(rows))

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

    def rows_of(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows of the `wanted` documents (a bool per document), ascending, as their runs end to
        end: (rows, each run's document, where each run starts among the rows)."""
        chosen = np.flatnonzero(wanted[self.run_docs])
        starts, lengths = self.runs[chosen], self.run_ends[chosen] - self.runs[chosen]
        firsts = np.cumsum(lengths) - lengths
        rows = np.arange(int(lengths.sum())) + np.repeat(starts - firsts, lengths)
        return rows, self.run_docs[chosen], firsts

    @cached_property
    def run_ends(self) -> np.ndarray:
        """One past the last row of each run (`runs`)."""
        return np.append(self.runs[1:], len(self.row_docs))[: len(self.runs)]

    @cached_property
    def run_docs(self) -> np.ndarray:
        """The document of each run (`runs`)."""
        return np.asarray(self.row_docs)[self.runs]

    def coverage(self, terms: Sequence[str]) -> np.ndarray:
        """Per document (numbered as `documents`), the share of the query's information its text holds.

        Each term weighs its IDF, so a document holding the rare words of a query covers most of
        it, and one holding only words that every release uses ("human", "rights") covers little.
        A term the corpus never uses weighs the most a term can: a query of unknown words is
        covered by no document. Every document holding a term is read (no champion cut): membership
        is exact.
        """
        covered = np.zeros(len(self.documents))
        total = 0.0
        for term in terms:
            t = self.terms.get(term)
            idf = self._idf(t) if t is not None else self._idf(None)
            total += idf
            if t is not None:  # np.add.at: as in `score`, twice as fast as `+=` on a fancy index
                np.add.at(covered, self.doc_list[int(self.doc_ptr[t]) : int(self.doc_ptr[t + 1])], idf)
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
        meta = {"title_weight": self.title_weight, "terms": list(self.terms), "documents": self.documents,
                "languages": list(self.languages)}
        (folder / META).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        """Open the index saved in `folder`, memory-mapped (OSError or ValueError if it is broken)."""
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        # Plain arrays over the mapped files: slicing a np.memmap builds a memmap object each time
        # (about 90 slices per query, 0.3 ms at 8,411 passages, for nothing).
        arrays = {name: np.asarray(np.load(folder / f"keywords.{name}.npy", mmap_mode="r"))
                  for name in _ARRAYS}
        index = cls({t: i for i, t in enumerate(meta["terms"])}, list(meta["documents"]), float(meta["title_weight"]),
                    **arrays, languages=tuple(meta.get("languages", (DEFAULT,))))
        if (len(index.post_ptr) != len(index.terms) + 1 or len(index.doc_ptr) != len(index.terms) + 1
                or len(index.row_ptr) != len(index.row_ids) + 1):
            raise ValueError(f"the keyword index in {folder} is inconsistent")
        return index


@dataclass(frozen=True)
class PassageScores:
    """BM25 of every passage for one query: computed once, read by the ranking and the set's order."""

    index: KeywordIndex
    scores: np.ndarray  # float32, one per row; 0 where no term occurs
    postings: tuple[np.ndarray, ...]  # the rows read of each term found, best first

    def top(self, limit: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the best `limit` passages holding any term, best first (ties by row).

        `allowed`, a bool per document, keeps the ranking inside a filter: the best passages of
        allowed documents come back however far down the unfiltered ranking they are.
        """
        if limit < 1:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        share = 1.0 if allowed is None else np.count_nonzero(allowed) / len(allowed)
        if share * _NARROW < 1:
            rows = self.index.rows_of(allowed)[0]  # a narrow filter's passages: fewer than all to compare
            rows = rows[self.scores[rows] > 0]
        else:
            rows = np.flatnonzero(self.scores >= self._floor(limit, allowed, share))
            if allowed is not None:
                rows = rows[allowed[self.index.row_docs[rows]]]
        scores = self.scores[rows]
        if len(rows) > limit:
            # Keep every row tied with the limit-th best, so that ties go to the lowest rows below.
            kept = scores >= np.partition(scores, len(scores) - limit)[len(scores) - limit]
            rows, scores = rows[kept], scores[kept]
        order = np.argsort(-scores, kind="stable")[:limit]
        return rows[order].astype(np.int64), scores[order]

    def _floor(self, limit: int, allowed: np.ndarray | None, share: float) -> np.float32:
        """A score that at least `limit` passages (of `allowed` documents, `share` of all) reach, or `_ANY`.

        The limit-th best of any passages bounds the limit-th best of all from below. Taken at the
        head of a term's postings, it is close to it: comparing every passage with it leaves a few
        thousand to sort, where sorting every passage holding a term cost ten times as much.
        """
        # Twice the postings expected to hold `limit` allowed passages: enough for most queries.
        depth = int(2 * limit / share)
        floor = _ANY
        for rows in self.postings:
            head = rows[:depth]
            if allowed is not None:
                head = head[allowed[self.index.row_docs[head]]]
            if len(head) >= limit:  # a term's rows are distinct: `limit` of them are `limit` passages
                floor = max(floor, np.partition(self.scores[head], len(head) - limit)[len(head) - limit])
        return floor

    def best_for(self, docs: np.ndarray) -> np.ndarray:
        """The score of the best passage of each of `docs` (document numbers; 0 where no term occurs)."""
        wanted = np.zeros(len(self.index.documents), dtype=bool)
        wanted[docs] = True
        rows, owners, firsts = self.index.rows_of(wanted)
        best = np.zeros(len(self.index.documents), dtype=np.float32)
        if len(rows):
            np.maximum.at(best, owners, np.maximum.reduceat(self.scores[rows], firsts))
        return best[docs]


def _languages(known: Sequence[str], passages: Sequence[Passage]) -> tuple[str, ...]:
    """The analysed languages of an index: those it had, then those of new passages, each once."""
    return tuple(dict.fromkeys([*known, *(analysed(p.lang) for p in passages)])) or (DEFAULT,)


def _numbered(documents: dict[str, int], passages: Sequence[Passage]) -> np.ndarray:
    """The passages' documents as numbers; new documents join `documents`."""
    return np.array([documents.setdefault(p.doc_id, len(documents)) for p in passages], dtype=np.int32)


def _pointers(keys: np.ndarray, count: int) -> np.ndarray:
    """Where each of `count` keys starts in an array sorted by key (and one past the end)."""
    ptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=count), out=ptr[1:])
    return ptr


def _document_postings(row_terms: np.ndarray, entry_docs: np.ndarray, terms: int,
                       documents: int) -> tuple[np.ndarray, np.ndarray]:
    """(doc_ptr, doc_list): each term's distinct documents, ascending, from (term, document) entries."""
    # One sort of (term, document) keys both orders the pairs and brings a pair's copies together.
    # (np.unique took 110 s at 1M passages with numpy 2.4; a sort and a look at neighbours, 6 s.)
    per_term = max(documents, 1)
    keys = np.sort(row_terms.astype(np.int64) * per_term + entry_docs)
    first = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    keys = keys[first]
    return _pointers(keys // per_term, terms), (keys % per_term).astype(np.int32)


def _tokenise(terms: dict[str, int], passages: Sequence[Passage],
              title_weight: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-passage (row_ptr, term ids, weighted counts, weighted lengths); new terms join `terms`."""
    # Typed arrays, not lists: a million passages make about 10^8 entries.
    ptr, term_ids, counts, lengths = array("q", [0]), array("i"), array("f"), array("f")
    for passage in passages:
        body, head = tokens(passage.text, passage.lang), tokens(passage.title, passage.lang)
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
