"""Site profiles: where a crawl starts, which links are articles and listings, how to clean pages.

Profiles live in one TOML file (``corpus/sources.toml`` unless another is named); any other site
is crawled from a start url and an article pattern, with no code (``adhoc_source``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from corpus.clean import Selectors
from corpus.store import CorpusError
from corpus.urls import canonical_url, host_of, path_and_query

SOURCES_FILE = Path(__file__).with_name("sources.toml")


@dataclass(frozen=True)
class Source:
    """One site to crawl and how to read it."""

    name: str
    start: tuple[str, ...]
    articles: str
    listings: str = ""
    sitemaps: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    selectors: Selectors = field(default_factory=Selectors)
    description: str = ""

    @cached_property
    def host(self) -> str:
        """The host every url of the site is rewritten to."""
        return host_of(self.start[0])

    @cached_property
    def host_map(self) -> dict[str, str]:
        """Alias host -> canonical host (also www. and new. variants of the canonical host)."""
        bare = re.sub(r"^(www|new)\.", "", self.host)
        names = {*self.aliases, bare, f"www.{bare}", f"new.{bare}"}
        return {name: self.host for name in names if name != self.host}

    def canonical(self, url: str) -> str:
        """The url as the crawler keys it: one spelling per page."""
        return canonical_url(url, self.host_map)

    def on_site(self, url: str) -> bool:
        """True if a canonical url belongs to this site."""
        return urlsplit(url).netloc == self.host

    def is_article(self, url: str) -> bool:
        """True if a canonical url of this site is an article page."""
        return self.on_site(url) and self._articles.search(path_and_query(url)) is not None

    def is_listing(self, url: str) -> bool:
        """True if a canonical url of this site is a listing page to follow."""
        return (
            self._listings is not None
            and self.on_site(url)
            and self._listings.search(path_and_query(url)) is not None
        )

    @cached_property
    def _articles(self) -> re.Pattern[str]:
        return re.compile(self.articles)

    @cached_property
    def _listings(self) -> re.Pattern[str] | None:
        return re.compile(self.listings) if self.listings else None

    def rebased(self, base_url: str) -> Source:
        """The same profile served from another origin (a local mirror, a staging host)."""
        base = urlsplit(base_url)

        def move(url: str) -> str:
            return urlunsplit((base.scheme, base.netloc, *urlsplit(url)[2:]))

        return replace(
            self, start=tuple(map(move, self.start)), sitemaps=tuple(map(move, self.sitemaps)), aliases=()
        )


def load_sources(path: Path = SOURCES_FILE) -> dict[str, Source]:
    """Read every profile of a sources file; a bad file raises CorpusError saying what is wrong."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CorpusError(f"cannot read sources file {path}: {exc}") from exc
    sources = {}
    for name, table in data.items():
        try:
            selectors = table.get("selectors", {})
            sources[name] = _checked(
                Source(
                    name=name,
                    start=tuple(table["start"]),
                    articles=table["articles"],
                    listings=table.get("listings", ""),
                    sitemaps=tuple(table.get("sitemaps", ())),
                    aliases=tuple(table.get("aliases", ())),
                    selectors=Selectors(
                        body=selectors.get("body", ""),
                        title=selectors.get("title", ""),
                        date=selectors.get("date", ""),
                        tags=selectors.get("tags", ""),
                        remove=tuple(selectors.get("remove", ())),
                    ),
                    description=table.get("description", ""),
                )
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise CorpusError(f"{path}: profile [{name}] is incomplete or malformed ({exc})") from exc
    return sources


def adhoc_source(start: str, pattern: str, listings: str | None = None) -> Source:
    """A profile for any site: articles match `pattern`; listings default to the start page's pages."""
    parts = urlsplit(start)
    if listings is None:
        # The start page and its pagination: /news/, /news/page/2/, /news?page=2.
        listings = "^" + re.escape(parts.path.rstrip("/")) + r"/?(page/\d+/?)?(\?page=\d+)?$"
    return _checked(
        Source(name=parts.hostname or "site", start=(start,), articles=pattern, listings=listings)
    )


def _checked(source: Source) -> Source:
    if not source.start or any(urlsplit(u).scheme not in ("http", "https") for u in source.start):
        raise CorpusError(f"source {source.name}: start urls must be http(s) urls")
    for label, pattern in (("articles", source.articles), ("listings", source.listings)):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise CorpusError(f"source {source.name}: bad {label} pattern {pattern!r}: {exc}") from exc
    return source
