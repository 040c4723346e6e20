"""What a document is about (countries, themes) and what a researcher narrows results to.

`facts_of` derives a document's countries and themes from its tags, metadata, title and body;
the index stores them per document at build time (indexer/fields.py), where `Filters` are applied
to the whole corpus before ranking. All filters combine with AND, also repeated values of one
parameter: `country=Iran&country=Iraq` keeps documents about both. That is what keeps facet
counts exact for many-valued fields: the count beside a value is the total that selecting it yields.
"""

from __future__ import annotations

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
class Filters:
    """What a researcher narrowed the results to; empty fields do not filter."""

    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None
    sources: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()  # ISO 639-1 codes
    themes: tuple[str, ...] = ()  # names of the theme vocabulary (indexer/themes.py)
    symbols: tuple[str, ...] = ()  # UN documents cited, normalised (corpus/symbols.py)
    un_bodies: tuple[str, ...] = ()  # UN bodies whose documents are cited

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.date_from or self.date_to or self.sources or self.countries or self.tags or self.langs
                    or self.themes or self.symbols or self.un_bodies)


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
