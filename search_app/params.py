"""Request parameters, checked in one place for the page, the API, the feed and the exports alike."""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

from corpus.countries import display_names, resolve
from corpus.language import normalise_lang
from corpus.symbols import BODIES, find_symbols
from indexer.filters import Filters
from indexer.passages import KeywordQuery
from indexer.search import MODES
from indexer.themes import load_themes

SORTS = ("relevance", "date")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_VALUES = 10  # repeats of one filter parameter
MAX_VALUE_CHARS = 100
MAX_PHRASES = 5  # each quoted phrase scans the phrase index once
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


class Args(Protocol):
    """What we read from a request's query string (werkzeug's MultiDict fits)."""

    def get(self, key: str, default: str | None = None) -> str | None: ...
    def getlist(self, key: str) -> list[str]: ...


class BadParameter(ValueError):
    """A request parameter is missing or out of range; the message tells the user which."""


@dataclass(frozen=True)
class SearchParams:
    """A validated search request: the query, how to narrow it, and which page of it to show."""

    q: str
    k: int  # the page size; `k` is its older name, kept for existing clients
    mode: str
    page: int = 1
    sort: str = "relevance"
    filters: Filters = field(default_factory=Filters)
    sized: bool = False  # whether the request chose the page size (links then keep it)
    # Filter values the page set aside instead of refusing the request (see `parse_search`), as
    # (parameter, value) pairs; links leave them out.
    ignored: tuple[tuple[str, str], ...] = ()

    @property
    def per_page(self) -> int:
        """Results on one page."""
        return self.k

    def query_args(self, *, page: int | None = None, sort: str | None = None,
                   filters: Filters | None = None) -> list[tuple[str, str]]:
        """These parameters as query-string pairs, some changed; defaults are left out."""
        params = replace(self, page=page or self.page, sort=sort or self.sort,
                         filters=self.filters if filters is None else filters)
        filters = params.filters
        pairs: list[tuple[str, str]] = [("q", params.q)]
        if params.mode != "hybrid":
            pairs.append(("mode", params.mode))
        pairs += [("from", filters.date_from)] if filters.date_from else []
        pairs += [("to", filters.date_to)] if filters.date_to else []
        pairs += [("source", v) for v in filters.sources]
        pairs += [("country", v) for v in filters.countries]
        pairs += [("tag", v) for v in filters.tags]
        pairs += [("lang", v) for v in filters.langs]
        pairs += [("theme", v) for v in filters.themes]
        pairs += [("symbol", v) for v in filters.symbols]
        pairs += [("un_body", v) for v in filters.un_bodies]
        if params.sort != "relevance":
            pairs.append(("sort", params.sort))
        if params.sized:
            pairs.append(("per_page", str(params.k)))
        if params.page != 1:
            pairs.append(("page", str(params.page)))
        return pairs


def parse_search(args: Args, max_query_chars: int, default_k: int, *, lenient: bool = False) -> SearchParams:
    """Validate every search parameter, or raise BadParameter naming what is wrong.

    With `lenient`, a country that is not one we know is set aside in `ignored` instead: a person
    who mistyped one filter keeps the results and is told what was not understood, while a program
    (the API) gets the error.
    """
    q = (args.get("q") or "").strip()
    if not q:
        raise BadParameter("parameter 'q' is required and must not be empty")
    if len(q) > max_query_chars:
        raise BadParameter(f"parameter 'q' is too long ({len(q)} characters, at most {max_query_chars})")
    if len(KeywordQuery.parse(q).phrases) > MAX_PHRASES:
        raise BadParameter(f"parameter 'q' has more than {MAX_PHRASES} quoted phrases")
    # `per_page` is the page size; `k` means the same and stays for clients written before pages.
    k = _whole(args, "per_page", None, 1, MAX_PER_PAGE)
    if k is None:
        k = _whole(args, "k", default_k, 1, MAX_PER_PAGE)
    mode = args.get("mode") or "hybrid"
    if mode not in MODES:
        raise BadParameter(f"parameter 'mode' must be one of: {', '.join(MODES)}")
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        raise BadParameter(f"parameter 'sort' must be one of: {', '.join(SORTS)}")
    page = _whole(args, "page", 1, 1, MAX_PAGE)
    assert k is not None and page is not None
    sized = bool(args.get("per_page") or args.get("k"))
    filters, ignored = _filters(args, lenient)
    return SearchParams(q, k, mode, page, sort, filters, sized, ignored)


def parse_k(args: Args, default_k: int) -> int:
    """Validate `k`, the number of results asked for where there are no pages (similar releases)."""
    k = _whole(args, "k", default_k, 1, MAX_PER_PAGE)
    assert k is not None
    return k


def parse_filters(args: Args) -> Filters:
    """Validate from, to, source, country, tag, lang, theme, symbol and un_body (all but the dates repeatable)."""
    return _filters(args, lenient=False)[0]


def closest(value: str, choices: Iterable[str]) -> str | None:
    """The choice closest in spelling to `value` (ignoring case), if one is close enough to suggest."""
    folded: dict[str, str] = {}
    for choice in choices:
        folded.setdefault(choice.casefold(), choice)
    found = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.75)
    return folded[found[0]] if found else None


def _filters(args: Args, lenient: bool) -> tuple[Filters, tuple[tuple[str, str], ...]]:
    date_from = _date(args.get("from"), "from", end=False)
    date_to = _date(args.get("to"), "to", end=True)
    if date_from and date_to and date_from > date_to:
        raise BadParameter("parameter 'from' must not be after 'to'")
    countries, ignored = [], []
    for value in _values(args, "country"):
        name = resolve(value)
        if name is not None:
            countries.append(name)
        elif lenient:
            ignored.append(("country", value))
        else:
            guess = closest(value, display_names())
            hint = f" (did you mean {guess!r}?)" if guess else ""
            raise BadParameter(f"parameter 'country': {value!r} is not a country we know{hint}")
    langs = []
    for value in _values(args, "lang"):
        code = normalise_lang(value)
        if not code:
            raise BadParameter(f"parameter 'lang': {value!r} is not a language code (such as en, fr, es)")
        langs.append(code)
    themes = []
    names = {t.name.casefold(): t.name for t in load_themes()} | {t.key: t.name for t in load_themes()}
    for value in _values(args, "theme"):
        if value.casefold() in names:
            themes.append(names[value.casefold()])
        elif lenient:
            ignored.append(("theme", value))
        else:
            guess = closest(value, [t.name for t in load_themes()])
            hint = f" (did you mean {guess!r}?)" if guess else ""
            raise BadParameter(f"parameter 'theme': {value!r} is not one of our themes{hint}")
    symbols = []
    for value in _values(args, "symbol"):
        found = find_symbols(value)
        if len(found) != 1 or found[0].in_words:
            raise BadParameter(f"parameter 'symbol': {value!r} is not a UN document symbol (such as A/HRC/RES/24/24)")
        symbols.append(found[0].symbol)
    bodies = {b.casefold(): b for b in BODIES}
    un_bodies = []
    for value in _values(args, "un_body"):
        if value.casefold() not in bodies:
            guess = closest(value, BODIES)
            hint = f" (did you mean {guess!r}?)" if guess else ""
            raise BadParameter(f"parameter 'un_body': {value!r} is not a UN body we know{hint}")
        un_bodies.append(bodies[value.casefold()])
    filters = Filters(date_from, date_to, _values(args, "source"), tuple(dict.fromkeys(countries)),
                      _values(args, "tag"), tuple(dict.fromkeys(langs)), tuple(dict.fromkeys(themes)),
                      tuple(dict.fromkeys(symbols)), tuple(dict.fromkeys(un_bodies)))
    return filters, tuple(ignored)


def _whole(args: Args, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"parameter '{name}' must be a whole number between {low} and {high}") from None
    if not low <= value <= high:
        raise BadParameter(f"parameter '{name}' must be between {low} and {high}")
    return value


def _date(raw: str | None, name: str, *, end: bool) -> str | None:
    """An ISO date from yyyy, yyyy-mm or yyyy-mm-dd; a year or month means its first (or last) day."""
    if raw is None or raw.strip() == "":
        return None
    match = _DATE.match(raw.strip())
    try:
        if match is None:
            raise ValueError
        year, month, day = int(match[1]), int(match[2] or (12 if end else 1)), match[3]
        if month < 1 or month > 12 or year < 1:
            raise ValueError
        last = calendar.monthrange(year, month)[1]
        value = int(day) if day else (last if end else 1)
        if not 1 <= value <= last:
            raise ValueError
    except ValueError:
        raise BadParameter(f"parameter '{name}' must be a date: yyyy, yyyy-mm or yyyy-mm-dd") from None
    return f"{year:04d}-{month:02d}-{value:02d}"


def _values(args: Args, name: str) -> tuple[str, ...]:
    values = [" ".join(v.split()) for v in args.getlist(name)]
    values = [v for v in values if v]
    if len(values) > MAX_VALUES:
        raise BadParameter(f"parameter '{name}' may be given at most {MAX_VALUES} times")
    for value in values:
        if len(value) > MAX_VALUE_CHARS:
            raise BadParameter(f"parameter '{name}' is too long (at most {MAX_VALUE_CHARS} characters)")
    return tuple(dict.fromkeys(values))
