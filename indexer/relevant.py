"""The relevant set of a query: every document of the corpus that answers it, ranked.

A document belongs to the set when either half accepts it (hybrid is the union; `semantic` and
`keyword` modes use their own half):

- the semantic half: its best passage is at least `semantic_threshold` close in meaning (cosine)
  to the query, a threshold calibrated on training queries (bench/relevance_calibration.py), or
  `semantic_floor` close once the query's best passage in the corpus reaches the threshold;
- the lexical half: its text holds at least `keyword_coverage` of the query's information, each
  query term weighing its IDF (`KeywordIndex.coverage`), in the spirit of Elasticsearch's
  `minimum_should_match`.

Quoted phrases are strict in every mode: with phrases, the set is the documents holding every
one of them. Filters apply before ranking: both halves are decided for every document of the
corpus and then narrowed, and the keyword ranking is masked, so a filtered query finds the best
matches within the filter however far down the unfiltered ranking they are. The set is
ranked as the fusion of both sides (indexer.fusion), scaled by the unfiltered ranking so that a
filter narrows the ranking without reordering it. Documents beyond the normalisation window (score
0) follow by their raw scores where a side fetched them, then by coverage.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from corpus.symbols import find_symbols
from indexer.filters import Filters
from indexer.fusion import WINDOW, Side, fuse, group, scale
from indexer.keywords import PassageScores, query_terms
from indexer.live import LoadedIndex
from indexer.passages import KeywordQuery

MODES = ("hybrid", "semantic", "keyword")
# Passages fetched per side before anything else: enough for the normalisation window and a page
# of documents. The semantic side reads on (a range search) only when all of them pass the threshold.
DEPTH = 1000
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Query:
    """What a user asked: the text, the retrieval mode and the filters."""

    text: str
    mode: str = "hybrid"
    filters: Filters = field(default_factory=Filters)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")


@dataclass(frozen=True)
class Bounds:
    """How close a document must be to join a query's set, and how the halves are fused."""

    semantic_threshold: float
    keyword_coverage: float
    semantic_weight: float
    passage_bonus: float
    # Once the query's best passage reaches `semantic_threshold`, documents down to this cosine join
    # too (never above the threshold: min of the two applies, so 1.0 turns it off).
    semantic_floor: float = 1.0
    # Hybrid's semantic weight moves up by this when the best passage leads the tenth by `clear_gap`,
    # and down by it otherwise (0 = a fixed `semantic_weight`).
    weight_shift: float = 0.0
    clear_gap: float = 0.0

    @property
    def floor(self) -> float:
        """The lowest cosine that can join the semantic half, for a query that found something."""
        return min(self.semantic_floor, self.semantic_threshold)

    def hybrid_weight(self, lead: float) -> float:
        """The semantic side's share of a hybrid score, given how far the query's best passage leads
        its tenth best (cosine). A clear lead means the meaning side found what the query is about;
        a flat head means many passages are about equally close, and the words decide better."""
        return self.semantic_weight + (self.weight_shift if lead >= self.clear_gap else -self.weight_shift)


@dataclass(frozen=True)
class RankedSet:
    """A query's relevant set in relevance order, as document numbers of one loaded index."""

    docs: np.ndarray  # document numbers, best first, one per story (indexer/duplicates.py)
    scores: np.ndarray  # fused (or single-side) score of each
    passages: np.ndarray  # id of each document's best passage
    exact: bool  # False when an approximate vector index found the semantic half (total is a lower bound)
    members: np.ndarray  # every document that answers, copies included: what facets count stories over


class QueryTooSlow(Exception):
    """A query ran past its time budget and was stopped (the caller answers 503)."""


def relevant_set(index: LoadedIndex, query: Query, vector: Callable[[], np.ndarray] | None, bounds: Bounds,
                 deadline: float | None = None) -> RankedSet:
    """Every document of `index` that answers `query` within its filters, best first.

    `vector` returns the query's embedding, needed in the hybrid and semantic modes. It is called
    after the keyword half is ranked, so that the embedding can be computed meanwhile. Past `deadline`
    (a `time.monotonic()` value) the work stops with QueryTooSlow, between stages and inside the
    phrase scans, so that no query holds a search slot for long.
    """
    documents = len(index.fields)
    # A UN document symbol in the query ("A/HRC/RES/24/24", or "HRC resolution 24/24") asks for the
    # releases citing it, as a quoted phrase asks for those holding it: every one of them, ranked.
    cited = tuple(s.symbol for s in find_symbols(query.text))
    filters = replace(query.filters, symbols=(*query.filters.symbols, *cited)) if cited else query.filters
    allowed = index.fields.mask(filters)
    parsed = KeywordQuery.parse(query.text)
    if parsed.phrases:
        holding = _phrase_documents(index, parsed.phrases, deadline)
        allowed = holding if allowed is None else allowed & holding
    semantic, keyword = Side.empty(documents), Side.empty(documents)
    semantic_bound, lead = bounds.semantic_threshold, 0.0
    if query.mode != "keyword" and vector is None:
        raise ValueError(f"{query.mode} search needs the query's vector")
    terms = query_terms(parsed.words + parsed.phrases, index.keywords.languages)
    lexical = query.mode != "semantic" or bool(parsed.phrases)
    _in_time(deadline)
    bm25 = index.keywords.score(terms) if lexical else None
    if bm25 is not None:
        keyword = _keyword_side(index, bm25, allowed, bounds)
    coverage = index.keywords.coverage(terms) if lexical and terms else np.zeros(documents)
    if query.mode != "keyword":
        _in_time(deadline)
        semantic, semantic_bound, lead = _semantic_side(index, vector(), allowed, bounds)
    _in_time(deadline)

    if parsed.phrases or cited:
        member = allowed.copy()  # the phrases and symbols decide; the halves only rank
    else:
        member = np.zeros(documents, dtype=bool)
        if query.mode != "keyword":
            member |= semantic.raw >= semantic_bound
        if query.mode != "semantic":
            member |= coverage >= bounds.keyword_coverage
        if allowed is not None:
            member &= allowed

    if query.mode == "hybrid":
        score, passage = fuse(semantic, keyword, bounds.hybrid_weight(lead))
    else:
        side = semantic if query.mode == "semantic" else keyword
        score, passage = side.score, side.passage
    # A member that no side fetched a passage of (found by coverage or a phrase, deep in the ranking)
    # shows its opening passage.
    passage = np.where(passage >= 0, passage, index.keywords.first_passages)
    docs = np.flatnonzero(member)
    # Best score first. Beyond the normalisation windows (score 0): the semantic half by closeness
    # in meaning, then by the best passage's BM25 and by coverage. Each of these keys is the same
    # whatever the filters (fetched passages are not), so a filter never reorders the set.
    closeness = np.where(semantic.raw >= semantic_bound, semantic.raw, -np.inf)
    best_bm25 = bm25.best_for(docs) if bm25 is not None else np.zeros(len(docs))
    order = np.lexsort((docs, -coverage[docs], -best_bm25, -closeness[docs], -score[docs]))
    members = docs[order]
    # One story, one result: a near-copy of a document ranked higher is not listed nor counted again.
    docs = members[index.fields.one_per_story(members)]
    # Only the semantic half can be approximate: IVF's range search sees the lists it probes.
    exact = query.mode == "keyword" or bool(parsed.phrases or cited) or index.vectors.kind == "flat"
    return RankedSet(docs, score[docs], passage[docs], exact, members)


def _semantic_side(index: LoadedIndex, vector: np.ndarray, allowed: np.ndarray | None,
                   bounds: Bounds) -> tuple[Side, float, float]:
    """Passages by cosine, the cosine a document needs to join the set, and how far the best passage
    leads the tenth (`Bounds.hybrid_weight`): the nearest DEPTH of the whole index and, when all of
    those pass the bound, every passage above it (a range search); then only the filter's. The bound
    and the lead are the unfiltered ranking's, so a filter narrows the set without reordering it.

    The bound is `semantic_threshold`, lowered to the floor when the query's best passage in the
    whole index reaches the threshold: a query about something the corpus holds also finds what
    is said of it in other words (13 of the 48 meaning questions' targets are below 0.48), while a
    query of nonsense, whose best passage stays below the threshold, still finds nothing. The best
    passage is the unfiltered one, so that a filter never changes which documents answer.

    One unfiltered search is complete for what the set needs of this side: membership needs every
    passage above the bound, and scores need every passage above the unfiltered window's low
    end (lower ones scale to 0), and both are within it. It is also cheaper than a filtered search
    besides the unfiltered one that the scale needs (at 1M passages each costs a full IVF scan).
    """
    scores, ids = _found(*index.vectors.search(vector, DEPTH))
    lead = float(scores[0] - scores[min(9, len(scores) - 1)]) if len(scores) else 0.0
    found = len(scores) > 0 and scores[0] >= bounds.semantic_threshold
    bound = bounds.floor if found else bounds.semantic_threshold
    if len(ids) == DEPTH and scores[-1] >= bound:
        scores, ids = index.vectors.within(vector, bound)
    ends = scale(scores)
    docs = index.keywords.row_docs[np.searchsorted(index.keywords.row_ids, ids)]
    if allowed is not None:
        kept = allowed[docs]
        ids, docs, scores = ids[kept], docs[kept], scores[kept]
    return group(ids, docs, scores, len(index.fields), bounds.passage_bonus, ends), bound, lead


def _keyword_side(index: LoadedIndex, bm25: PassageScores, allowed: np.ndarray | None, bounds: Bounds) -> Side:
    """Passages by BM25 within the filter, the best DEPTH."""
    keywords = index.keywords
    rows, scores = bm25.top(DEPTH, allowed)
    ends = scale(scores if allowed is None else bm25.top(WINDOW)[1])
    return group(keywords.row_ids[rows], keywords.row_docs[rows], scores, len(index.fields), bounds.passage_bonus,
                 ends)


def _found(scores: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A FAISS answer without its padding (ids of -1)."""
    kept = ids >= 0
    return scores[kept], ids[kept]


def _phrase_documents(index: LoadedIndex, phrases: tuple[str, ...], deadline: float | None) -> np.ndarray:
    """Which documents hold every phrase, word for word (case and punctuation aside).

    The passage store's FTS5 index finds candidate passages cheaply (stemmed tokens); their own
    text has the last word. Passages overlap, so a phrase is whole in at least one of them.
    """
    numbers = index.document_numbers()
    holding = np.ones(len(index.fields), dtype=bool)
    store = index.passages()
    if deadline is not None:  # SQLite calls this every 10,000 steps; non-zero interrupts the scan
        store.conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        for phrase in phrases:
            wanted = _words(phrase)
            found = np.zeros(len(index.fields), dtype=bool)
            for doc_id, title, text in store.passages_with_phrase(phrase):
                if doc_id in numbers and wanted in _words(f"{title} {text}"):
                    found[numbers[doc_id]] = True
            holding &= found
            _in_time(deadline)
    except sqlite3.OperationalError as exc:
        if "interrupt" not in str(exc):
            raise
        _in_time(deadline)  # interrupted by the handler: past the deadline
        raise
    finally:
        store.conn.set_progress_handler(None, 0)
    return holding


def _in_time(deadline: float | None) -> None:
    """Raise QueryTooSlow once `deadline` has passed."""
    if deadline is not None and time.monotonic() > deadline:
        raise QueryTooSlow("the query took longer than this server allows; try fewer words or quoted phrases")


def _words(text: str) -> str:
    """A text's words, lower-cased, between single spaces (and one at each end, so words match whole)."""
    return f" {' '.join(_WORD.findall(text.lower()))} "
