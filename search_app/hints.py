"""What the results page tells a reader about the request itself, instead of refusing it.

A mistyped filter value is set aside (the results stay) and named, with the closest value the
index knows; countries the question names are offered as a one-click filter; a page past the
end says where the results end. The API refuses bad values instead (see `params.parse_search`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from corpus.countries import display_names, named_in_query
from indexer.filters import Filters
from indexer.themes import load_themes
from search_app.params import SearchParams, closest

# The filter parameters a reader can mistype, with the Filters field each fills and how the page
# names what it holds.
_FIELDS = {"country": ("countries", "a country we know"), "source": ("sources", "a source in the index"),
           "tag": ("tags", "a tag of any release"), "theme": ("themes", "one of our themes")}


@dataclass(frozen=True)
class NotUnderstood:
    """A filter value that was set aside, and the closest known value (with the filters it would give)."""

    parameter: str  # "country", "source", "tag" or "theme"
    value: str
    what: str  # what the value is not, in words: "a country we know"
    suggestion: str | None
    filters: Filters | None  # the request's filters with the suggestion added


@dataclass(frozen=True)
class NamedCountry:
    """A country the query names: how many results are about it, and the filters that keep only those."""

    name: str
    count: int
    filters: Filters


def known_values(params: SearchParams, coverage: dict[str, dict[str, int]]) -> SearchParams:
    """`params` with every source and theme that no indexed document has moved to `ignored`.

    Left in, such a value would filter everything out and leave the reader with "no results" and no
    idea why; the page says instead which value it did not know.
    """
    f = params.filters
    if not (f.sources or f.tags):
        return params
    known_sources = {s.casefold() for s in coverage["source"]}
    known_tags = {t.casefold() for t in coverage["tag"]}
    sources = tuple(s for s in f.sources if s.casefold() in known_sources)
    tags = tuple(t for t in f.tags if t.casefold() in known_tags)
    ignored = [("source", s) for s in f.sources if s not in sources]
    ignored += [("tag", t) for t in f.tags if t not in tags]
    if not ignored:
        return params
    return replace(params, filters=replace(f, sources=sources, tags=tags),
                   ignored=(*params.ignored, *ignored))


def not_understood(params: SearchParams, coverage: dict[str, dict[str, int]]) -> list[NotUnderstood]:
    """Each set-aside value, with the closest known value of its kind."""
    if not params.ignored:
        return []
    choices = {"country": display_names(), "source": list(coverage["source"]), "tag": list(coverage["tag"]),
               "theme": [t.name for t in load_themes()]}
    notes = []
    for parameter, value in params.ignored:
        field, what = _FIELDS[parameter]
        suggestion = closest(value, choices[parameter])
        filters = None
        if suggestion is not None:
            chosen = getattr(params.filters, field)
            filters = replace(params.filters, **{field: tuple(dict.fromkeys((*chosen, suggestion)))})
        notes.append(NotUnderstood(parameter, value, what, suggestion, filters))
    return notes


def named_countries(params: SearchParams, country_counts: dict[str, int], total: int) -> list[NamedCountry]:
    """Countries the query names that are not yet a filter, with how many of the results are about each.

    Offered only when it narrows: some results are about the country, and not all of them.
    """
    chosen = params.filters.countries
    named = []
    for name in named_in_query(params.q):
        count = country_counts.get(name, 0)
        if name not in chosen and 0 < count < total:
            named.append(NamedCountry(name, count, replace(params.filters, countries=(*chosen, name))))
    return named
