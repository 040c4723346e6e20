"""The document fields that filters, facets and date order use, stored in the index.

They are written at build and update time, one row per document in the keyword index's numbering
(`KeywordIndex.documents`), so a query filters and counts the whole corpus with array operations
instead of reading documents from the corpus database. Countries and labels come from
`indexer.filters.facts_of`, themes from `indexer.themes`, UN documents cited from `corpus.symbols`,
each computed once per document version here rather than per query.

Files, flat in the index folder: `fields.json` (the value vocabularies), and `fields.*.npy`: the date
as yyyymmdd (0 when undated), the source and language numbers, each document's story (its group of
near-copies), and countries, labels, themes, UN documents cited and their bodies as compressed sparse
rows (`*_ptr` into `*_ids`). Memory: a few tens of bytes per document.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.documents import Document
from corpus.symbols import find_symbols
from indexer.filters import Filters, facts_of
from indexer.manifest import FIELDS as META
from indexer.themes import load_themes, ordered, source_themes

_REQUIRED = ("date", "source", "country_ptr", "country_ids", "tag_ptr", "tag_ids")
# The others are newer: an index written before them has none (read as empty).
_ARRAYS = (*_REQUIRED, "lang", "theme_ptr", "theme_ids", "story", "symbol_ptr", "symbol_ids", "un_body_ptr",
           "un_body_ids")


@dataclass(frozen=True)
class FieldRow:
    """One document's filterable fields, as stored."""

    date: str | None
    source: str
    countries: tuple[str, ...]
    tags: tuple[str, ...]  # labels as the source spelled them
    lang: str = ""
    themes: tuple[str, ...] = ()  # the vocabulary's themes (indexer/themes.py): the source's and assigned
    symbols: tuple[str, ...] = ()  # UN documents cited, normalised ("A/HRC/RES/24/24")
    un_bodies: tuple[str, ...] = ()  # the bodies that issued them ("Human Rights Council")

    @classmethod
    def of(cls, document: Document, assigned: Iterable[str] = ()) -> FieldRow:
        """The fields of a document, from the document itself and the themes assigned to it."""
        facts = facts_of(document)
        vocabulary = load_themes()
        themes = ordered([*source_themes(facts.tags, vocabulary), *assigned], vocabulary)
        cited = find_symbols(f"{document.title}\n{document.body}")
        return cls(document.date, document.source, facts.countries, facts.tags, document.lang, themes,
                   tuple(s.symbol for s in cited), tuple(dict.fromkeys(s.body for s in cited)))

    @property
    def assigned_themes(self) -> tuple[str, ...]:
        """The themes given from the text, not named by the source's own labels."""
        given = set(source_themes(self.tags, load_themes()))
        return tuple(t for t in self.themes if t not in given)


@dataclass
class DocumentFields:
    """Filterable fields of every document of an index, as arrays indexed by document number."""

    sources: list[str]
    countries: list[str]
    tags: list[str]
    date: np.ndarray  # int32 yyyymmdd, 0 = undated
    source: np.ndarray  # int32 index into `sources`
    country_ptr: np.ndarray  # document d's countries are country_ids[country_ptr[d]:country_ptr[d+1]]
    country_ids: np.ndarray
    tag_ptr: np.ndarray
    tag_ids: np.ndarray
    langs: list[str]
    lang: np.ndarray  # int32 index into `langs`
    themes: list[str]
    theme_ptr: np.ndarray
    theme_ids: np.ndarray
    # Each document's story (indexer/duplicates.py): the lowest document number among its near-copies.
    story: np.ndarray
    symbols: list[str]
    symbol_ptr: np.ndarray
    symbol_ids: np.ndarray
    un_bodies: list[str]
    un_body_ptr: np.ndarray
    un_body_ids: np.ndarray

    @classmethod
    def build(cls, rows: Sequence[FieldRow], story: np.ndarray | None = None) -> DocumentFields:
        """Arrays of these rows, in order (row i is document number i), and their stories (default:
        each document its own)."""
        sources: dict[str, int] = {}
        countries: dict[str, int] = {}
        tags: dict[str, int] = {}
        langs: dict[str, int] = {}
        themes: dict[str, int] = {}
        symbols: dict[str, int] = {}
        bodies: dict[str, int] = {}
        date = np.array([_date_number(r.date) for r in rows], dtype=np.int32)
        source = np.array([sources.setdefault(r.source, len(sources)) for r in rows], dtype=np.int32)
        country_ptr, country_ids = _sparse([r.countries for r in rows], countries)
        tag_ptr, tag_ids = _sparse([r.tags for r in rows], tags)
        lang = np.array([langs.setdefault(r.lang, len(langs)) for r in rows], dtype=np.int32)
        theme_ptr, theme_ids = _sparse([r.themes for r in rows], themes)
        story = np.arange(len(rows), dtype=np.int32) if story is None else story
        symbol_ptr, symbol_ids = _sparse([r.symbols for r in rows], symbols)
        un_body_ptr, un_body_ids = _sparse([r.un_bodies for r in rows], bodies)
        return cls(list(sources), list(countries), list(tags), date, source, country_ptr, country_ids,
                   tag_ptr, tag_ids, list(langs), lang, list(themes), theme_ptr, theme_ids, story,
                   list(symbols), symbol_ptr, symbol_ids, list(bodies), un_body_ptr, un_body_ids)

    def __len__(self) -> int:
        return len(self.date)

    def row(self, doc: int) -> FieldRow:
        """The stored fields of document number `doc`."""
        countries = self.country_ids[self.country_ptr[doc] : self.country_ptr[doc + 1]]
        tags = self.tag_ids[self.tag_ptr[doc] : self.tag_ptr[doc + 1]]
        def values(names: list[str], ptr: np.ndarray, ids: np.ndarray) -> tuple[str, ...]:
            return tuple(names[i] for i in ids[ptr[doc] : ptr[doc + 1]].tolist())

        return FieldRow(_date_text(int(self.date[doc])), self.sources[int(self.source[doc])],
                        tuple(self.countries[c] for c in countries.tolist()),
                        tuple(self.tags[t] for t in tags.tolist()), self.langs[int(self.lang[doc])],
                        values(self.themes, self.theme_ptr, self.theme_ids),
                        values(self.symbols, self.symbol_ptr, self.symbol_ids),
                        values(self.un_bodies, self.un_body_ptr, self.un_body_ids))

    def rows_by_id(self, documents: Sequence[str]) -> dict[str, FieldRow]:
        """{document id: fields} for a list of document ids numbered like these fields."""
        return {doc_id: self.row(i) for i, doc_id in enumerate(documents)}

    def __post_init__(self) -> None:
        # Query-time views: each sparse entry's owning document, and themes folded to one caseless
        # value per document (a facet counts documents, and "Torture" and "torture" are one theme).
        self._country_owners = np.repeat(np.arange(len(self)), np.diff(self.country_ptr))
        self._theme_owners = np.repeat(np.arange(len(self)), np.diff(self.theme_ptr))
        self._symbol_owners = np.repeat(np.arange(len(self)), np.diff(self.symbol_ptr))
        self._un_body_owners = np.repeat(np.arange(len(self)), np.diff(self.un_body_ptr))
        # Documents grouped by story, for listing a result's other versions without a scan.
        self._by_story = np.argsort(self.story, kind="stable")
        self._story_starts = np.searchsorted(self.story[self._by_story], np.arange(len(self) + 1))
        self._shared = np.bincount(self.story, minlength=len(self))[self.story] > 1  # has a copy
        folded: dict[str, int] = {}
        fold = np.array([folded.setdefault(t.casefold(), len(folded)) for t in self.tags], dtype=np.int64)
        owners = np.repeat(np.arange(len(self)), np.diff(self.tag_ptr))
        pairs = np.unique(np.stack([owners, fold[self.tag_ids]]), axis=1) if len(owners) else np.zeros((2, 0), int)
        self._folded_tags = list(folded)
        self._tag_owners, self._tag_values = pairs[0], pairs[1]
        # A date the source gave only as a year (yyyy0000) or a month (yyyymm00) spans it: a date
        # filter keeps it when the whole span lies inside, so a year facet's count is what
        # selecting that year yields.
        year, month, day = self.date // 10_000, self.date // 100 % 100, self.date % 100
        self._first_day = np.where(month == 0, year * 10_000 + 101, np.where(day == 0, self.date + 1, self.date))
        self._last_day = np.where(month == 0, year * 10_000 + 1231, np.where(day == 0, self.date + 31, self.date))

    def mask(self, filters: Filters) -> np.ndarray | None:
        """The documents passing every filter (a bool per document), or None when nothing filters."""
        if not filters.active:
            return None
        keep = np.ones(len(self), dtype=bool)
        if filters.date_from or filters.date_to:
            keep &= self.date > 0
            if filters.date_from:
                keep &= self._first_day >= _date_number(filters.date_from)
            if filters.date_to:
                keep &= self._last_day <= _date_number(filters.date_to)
        for name in filters.sources:
            keep &= self.source == _position(self.sources, name)
        for code in filters.langs:
            keep &= self.lang == _position(self.langs, code)
        for name in filters.themes:
            keep &= self._having(self._theme_owners, self.theme_ids, _position(self.themes, name))
        for symbol in filters.symbols:
            keep &= self._having(self._symbol_owners, self.symbol_ids, _position(self.symbols, symbol))
        for body in filters.un_bodies:
            keep &= self._having(self._un_body_owners, self.un_body_ids, _position(self.un_bodies, body))
        for name in filters.countries:
            keep &= self._having(self._country_owners, self.country_ids, _position(self.countries, name))
        for name in filters.tags:
            keep &= self._having(self._tag_owners, self._tag_values, _position(self._folded_tags, name.casefold()))
        return keep

    def facets(self, docs: np.ndarray, *, by_story: bool = True) -> dict[str, dict[str, int]]:
        """Counts per source, language, country, theme, label, UN document and body, and year over
        documents `docs`, most frequent first (years newest first).

        `by_story` counts a story once per value any of its documents among `docs` has: the number
        a filter on the value yields, since a filter keeps a story when any of its documents passes.
        """
        chosen = np.zeros(len(self), dtype=bool)
        chosen[docs] = True

        def tally(values: np.ndarray, owners: np.ndarray, count: int) -> np.ndarray:
            """Documents (or stories) per value, from each entry's value and owning document."""
            if not by_story:
                return np.bincount(values, minlength=count)
            # Only the few documents that have copies need the distinct count; the rest count as they are.
            shared = self._shared[owners]
            counts = np.bincount(values[~shared], minlength=count)
            if shared.any():
                counts += _distinct(values[shared], self.story[owners[shared]], count)
            return counts

        def single(values: np.ndarray, names: list[str]) -> dict[str, int]:
            return _named(tally(values[docs], docs, len(names)), names)

        def many(owners: np.ndarray, values: np.ndarray, names: list[str]) -> dict[str, int]:
            kept = chosen[owners]
            return _named(tally(values[kept], owners[kept], len(names)), names)

        counts = {
            "source": single(self.source, self.sources),
            "lang": {code: n for code, n in single(self.lang, self.langs).items() if code},  # unknown is no choice
            "country": many(self._country_owners, self.country_ids, self.countries),
            "tag": many(self._tag_owners, self._tag_values, self._folded_tags),
            "theme": many(self._theme_owners, self.theme_ids, self.themes),
            "symbol": many(self._symbol_owners, self.symbol_ids, self.symbols),
            "un_body": many(self._un_body_owners, self.un_body_ids, self.un_bodies),
        }
        ordered = {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in counts.items()}
        dated = docs[self.date[docs] > 0]
        years = self.date[dated] // 10_000
        first = int(years.min()) if len(years) else 0
        per_year = tally(years - first, dated, int(years.max()) - first + 1 if len(years) else 0)
        ordered["year"] = {str(first + y): int(n) for y, n in reversed(list(enumerate(per_year.tolist()))) if n}
        return ordered

    def one_per_story(self, docs: np.ndarray) -> np.ndarray:
        """Positions in `docs` (best first) of the first document of each story: copies drop out."""
        _, first = np.unique(self.story[docs], return_index=True)
        return np.sort(first)

    def versions(self, doc: int) -> np.ndarray:
        """The other documents of document `doc`'s story (its near-copies), in document order."""
        story = int(self.story[doc])
        same = self._by_story[self._story_starts[story] : self._story_starts[story + 1]]
        return same[same != doc]

    def months(self, docs: np.ndarray) -> dict[str, int]:
        """Dated documents among `docs` counted per month (yyyy-mm), in calendar order."""
        dates = self.date[docs]
        months, counts = np.unique(dates[dates // 100 % 100 > 0] // 100, return_counts=True)  # month known
        return {f"{m // 100:04d}-{m % 100:02d}": c for m, c in zip(months.tolist(), counts.tolist(), strict=True)}

    def newest_first(self, docs: np.ndarray) -> np.ndarray:
        """Positions in `docs` (relevance order) by date, newest first; undated last; ties keep relevance order."""
        dates = self.date[docs].astype(np.int64)
        return np.lexsort((np.arange(len(docs)), -dates, dates == 0))

    def _having(self, owners: np.ndarray, values: np.ndarray, number: int) -> np.ndarray:
        """Whether each document has value `number` in a sparse field (given as entry owners and values)."""
        has = np.zeros(len(self), dtype=bool)
        has[owners[values == number]] = True
        return has

    def save(self, folder: Path) -> None:
        """Write the fields as `fields.*` files in `folder`."""
        for name in _ARRAYS:
            np.save(folder / f"fields.{name}.npy", getattr(self, name))
        meta = {"sources": self.sources, "countries": self.countries, "tags": self.tags, "langs": self.langs,
                "themes": self.themes, "symbols": self.symbols, "un_bodies": self.un_bodies}
        (folder / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> DocumentFields:
        """Open the fields saved in `folder` (OSError, ValueError or KeyError if they are broken)."""
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        arrays = {}
        for name in _ARRAYS:
            path = folder / f"fields.{name}.npy"
            if name in _REQUIRED or path.exists():
                arrays[name] = np.load(path)
        # An index written before documents had a language and themes: all unknown, none.
        arrays.setdefault("lang", np.zeros(len(arrays["date"]), dtype=np.int32))
        arrays.setdefault("theme_ptr", np.zeros(len(arrays["date"]) + 1, dtype=np.int64))
        arrays.setdefault("theme_ids", np.zeros(0, dtype=np.int32))
        arrays.setdefault("story", np.arange(len(arrays["date"]), dtype=np.int32))
        for name in ("symbol", "un_body"):
            arrays.setdefault(f"{name}_ptr", np.zeros(len(arrays["date"]) + 1, dtype=np.int64))
            arrays.setdefault(f"{name}_ids", np.zeros(0, dtype=np.int32))
        fields = cls(list(meta["sources"]), list(meta["countries"]), list(meta["tags"]),
                     langs=list(meta.get("langs", [""])), themes=list(meta.get("themes", [])),
                     symbols=list(meta.get("symbols", [])), un_bodies=list(meta.get("un_bodies", [])), **arrays)
        if (len(fields.country_ptr) != len(fields) + 1 or len(fields.tag_ptr) != len(fields) + 1
                or len(fields.source) != len(fields) or len(fields.lang) != len(fields)
                or len(fields.theme_ptr) != len(fields) + 1 or len(fields.story) != len(fields)
                or len(fields.symbol_ptr) != len(fields) + 1 or len(fields.un_body_ptr) != len(fields) + 1):
            raise ValueError(f"the document fields in {folder} are inconsistent")
        return fields


def fields_for(documents: Sequence[str], known: Mapping[str, FieldRow],
               story: np.ndarray | None = None) -> DocumentFields:
    """The fields of `documents` (ids in document-number order), each taken from `known`, with their
    stories (default: every document its own)."""
    return DocumentFields.build([known.get(doc_id, _EMPTY) for doc_id in documents], story)


_EMPTY = FieldRow(None, "", (), (), "")  # a document number whose document has left the index


def _date_number(date: str | None) -> int:
    """yyyy-mm-dd as the number yyyymmdd (yyyy-mm as yyyymm00, yyyy as yyyy0000), 0 for none."""
    if not date:
        return 0
    parts = [int(p) for p in date[:10].split("-")] + [0, 0]
    return parts[0] * 10_000 + parts[1] * 100 + parts[2]


def _date_text(number: int) -> str | None:
    """The ISO text of a date number, as much of it as is known."""
    if not number:
        return None
    year, month, day = number // 10_000, number // 100 % 100, number % 100
    return f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if day else "")


def _position(names: list[str], name: str) -> int:
    """The number of a value, or -1 (which no document has) for a value no document has."""
    try:
        return names.index(name)
    except ValueError:
        return -1


def _sparse(values: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum([len(v) for v in values], out=ptr[1:])
    ids = np.array([vocabulary.setdefault(v, len(vocabulary)) for vs in values for v in vs], dtype=np.int32)
    return ptr, ids


def _distinct(values: np.ndarray, groups: np.ndarray, count: int) -> np.ndarray:
    """How many distinct groups have each of `count` values, from (value, group) pairs."""
    if not len(values):
        return np.zeros(count, dtype=np.int64)
    span = int(groups.max()) + 1
    pairs = np.unique(values.astype(np.int64) * span + groups)
    return np.bincount(pairs // span, minlength=count)


def _named(counts: np.ndarray, names: list[str]) -> dict[str, int]:
    return {name: int(c) for name, c in zip(names, counts.tolist(), strict=True) if c}
