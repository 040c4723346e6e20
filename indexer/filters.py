"""Narrow a ranked result set by date, source, country and tag; count its facets; order it.

The result set of a search is the `pool` best documents of the Searcher's ranking, computed the
same way whatever the filters. Filters only remove documents from it, facets count over what is
left, and sorting and paging only reorder and cut it. So the count shown beside a facet value is
exactly the `total` that selecting it yields, and every page is a slice of one list.

All filters combine with AND, also repeated values of one parameter: `country=Iran&country=Iraq`
keeps documents about both. That is what keeps facet counts exact for many-valued fields.

Countries and themes are derived from each document on first use and cached by content: the
derivation can improve without re-importing or re-indexing, and a changed text gets new facts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from corpus.countries import countries_of, resolve
from corpus.documents import Document

# Labels of data sets (HRDsAttack) that become themes; these say nothing a reader can filter by.
_METADATA_TAGS = ("violation_types", "victim_types")
_UNINFORMATIVE = frozenset({"other", "unknown", "insufficient information", "none", ""})


@dataclass(frozen=True)
class Facts:
    """What a document is about, for filtering: its countries and themes (tags)."""

    countries: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """One document of a result set: its place in the ranking, the stored document and its facts."""

    rank: int  # 1-based position in the relevance ranking
    score: float
    document: Document
    facts: Facts

    @property
    def year(self) -> str | None:
        """The publication year (yyyy), or None when undated."""
        return self.document.date[:4] if self.document.date else None

    @property
    def month(self) -> str | None:
        """The publication month (yyyy-mm), or None when undated."""
        return self.document.date[:7] if self.document.date else None


@dataclass(frozen=True)
class Filters:
    """What a researcher narrowed the results to; empty fields do not filter."""

    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None
    sources: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.date_from or self.date_to or self.sources or self.countries or self.tags)

    def matches(self, hit: Hit) -> bool:
        """Whether a hit passes every filter."""
        date = hit.document.date
        if (self.date_from or self.date_to) and not date:
            return False
        if self.date_from and date and date < self.date_from:
            return False
        if self.date_to and date and date > self.date_to:
            return False
        tags = {t.casefold() for t in hit.facts.tags}
        return (
            all(s == hit.document.source for s in self.sources)
            and all(c in hit.facts.countries for c in self.countries)
            and all(t.casefold() in tags for t in self.tags)
        )


def facts_of(document: Document) -> Facts:
    """The countries and themes of a document, from its tags, metadata, title and body."""
    labels = list(document.tags)
    for key in _METADATA_TAGS:
        value = document.metadata.get(key)
        labels += value if isinstance(value, list) else []
    country = document.metadata.get("country")
    return _facts(document.title, document.body, tuple(labels), country if isinstance(country, str) else "")


@lru_cache(maxsize=20_000)
def _facts(title: str, body: str, labels: tuple[str, ...], country: str) -> Facts:
    # Keyed by content, so an updated document is looked at afresh.
    countries = countries_of(title, body, (*labels, country))
    tags = [str(label) for label in labels if str(label).strip().casefold() not in _UNINFORMATIVE]
    # A tag that names a country is a country: one filter for it, not two.
    themes = [t for t in dict.fromkeys(tags) if resolve(t) is None]
    return Facts(countries, tuple(themes))


def narrow(hits: Iterable[Hit], filters: Filters) -> list[Hit]:
    """The hits that pass the filters, in their order."""
    return [h for h in hits if filters.matches(h)]


def facets(hits: Sequence[Hit]) -> dict[str, dict[str, int]]:
    """Counts per source, country, tag and year over all `hits`, most frequent first."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in ("source", "country", "tag", "year")}
    for hit in hits:
        counts["source"][hit.document.source] += 1
        counts["country"].update(hit.facts.countries)
        counts["tag"].update({t.casefold() for t in hit.facts.tags})
        if hit.year:
            counts["year"][hit.year] += 1
    ordered = {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in counts.items()}
    ordered["year"] = dict(sorted(counts["year"].items(), reverse=True))
    return ordered


def by_month(hits: Iterable[Hit]) -> dict[str, int]:
    """Dated hits counted per month (yyyy-mm), in calendar order."""
    return dict(sorted(Counter(h.month for h in hits if h.month).items()))


def order(hits: Sequence[Hit], sort: str) -> list[Hit]:
    """Hits by relevance, or by date newest first (undated last; ties keep relevance order)."""
    if sort == "relevance":
        return sorted(hits, key=lambda h: h.rank)
    if sort == "date":
        return sorted(hits, key=lambda h: (h.document.date is None, _negated(h.document.date), h.rank))
    raise ValueError(f"unknown sort {sort!r}")


def _negated(date: str | None) -> tuple[int, ...]:
    """A key that sorts ISO dates newest first."""
    return tuple(-int(part) for part in date.split("-")) if date else ()
