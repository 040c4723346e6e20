"""Site profiles: where a crawl starts, which links are articles and listings, how to clean pages.

The built-in profiles live in ``corpus/sources.toml``, inside the package; the user's own (written by
`add-source`, or by hand) live in ``<data>/sources.toml`` and win on a name clash. Any other site is
crawled from a start url and an article pattern, with no code (``adhoc_source``).
"""

from __future__ import annotations

import json
import os
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
USER_SOURCES = "sources.toml"  # the user's profiles, in the data folder
_USER_HEADER = """\
# Your site profiles, read by `python -m corpus crawl` after the built-in ones (corpus/sources.toml
# describes the fields); a profile here takes the place of a built-in one of the same name.
# `python -m corpus add-source URL` appends to this file; edit it freely.
"""
PROFILE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")  # a TOML bare key, so the table header needs no quoting


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
    publisher: str = ""  # who publishes the site, as readers know it ("Human Rights Watch")
    # With no sitemaps named, the crawler looks for them (robots.txt, the usual addresses); an ad hoc
    # crawl reads only the listing it was given.
    discover_sitemaps: bool = True

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
            sources[name] = check_source(
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
                    publisher=table.get("publisher", ""),
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
    return check_source(
        Source(name=parts.hostname or "site", start=(start,), articles=pattern, listings=listings,
               discover_sitemaps=False)
    )


def check_source(source: Source) -> Source:
    """The source itself if its start urls are http(s) and its patterns compile; else CorpusError."""
    if not source.start or any(urlsplit(u).scheme not in ("http", "https") for u in source.start):
        raise CorpusError(f"source {source.name}: start urls must be http(s) urls")
    for label, pattern in (("articles", source.articles), ("listings", source.listings)):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise CorpusError(f"source {source.name}: bad {label} pattern {pattern!r}: {exc}") from exc
    return source


def user_sources_file(data_dir: Path) -> Path:
    """Where the user's profiles live: ``sources.toml`` in the data folder."""
    return Path(data_dir) / USER_SOURCES


def load_profiles(user_file: Path | None = None) -> dict[str, Source]:
    """The built-in profiles, then the user's file's (if it exists), which win on a name clash."""
    profiles = load_sources(SOURCES_FILE)
    if user_file is not None and Path(user_file).exists():
        profiles.update(load_sources(user_file))
    return profiles


def profile_toml(source: Source) -> str:
    """The profile as TOML tables, laid out like sources.toml."""
    lines = [f"[{source.name}]"]
    for key in ("description", "publisher"):
        if getattr(source, key):
            lines.append(f"{key} = {_toml_string(getattr(source, key))}")
    lines += [
        f"start = {_toml_list(source.start)}",
        f"sitemaps = {_toml_list(source.sitemaps)}",
        f"articles = {_toml_string(source.articles)}",
        f"listings = {_toml_string(source.listings)}",
    ]
    if source.aliases:
        lines.append(f"aliases = {_toml_list(source.aliases)}")
    chosen = source.selectors
    lines += ["", f"[{source.name}.selectors]"]
    if not chosen.body:
        lines.append("# no body selector: the generic extractor (trafilatura) reads every page")
    for key in ("body", "title", "date", "tags"):
        lines.append(f"{key} = {_toml_string(getattr(chosen, key))}")
    lines.append(f"remove = {_toml_list(chosen.remove)}")
    return "\n".join(lines) + "\n"


def save_profile(source: Source, path: Path, replace_existing: bool = False) -> bool:
    """Add a profile to a user sources file (made if missing); return True if it replaced one.

    A profile of the same name is replaced only with `replace_existing`, else CorpusError. The new
    file is parsed before it is written, so a bad profile never leaves a file crawl cannot read.
    """
    if not PROFILE_NAME.match(source.name):
        raise CorpusError(f"profile name {source.name!r}: use letters, digits, '-' and '_' only")
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else _USER_HEADER
    existing = load_sources(path) if path.exists() else {}
    replaced = source.name in existing
    if replaced and not replace_existing:
        raise CorpusError(f"{path} already has a profile [{source.name}]: choose another --name, "
                          "or --replace to overwrite it")
    if replaced:
        text = _without_table(text, source.name)
    text = text.rstrip("\n") + "\n\n" + profile_toml(source)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # a bug of ours, not the user's: say so, write nothing
        raise CorpusError(f"the profile [{source.name}] does not make valid TOML ({exc}); "
                          f"{path} unchanged") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)  # the whole file or the old one, never half of it
    return replaced


def _without_table(text: str, name: str) -> str:
    """The TOML text without the tables [name] and [name.*] (header to the next other header)."""
    kept, inside = [], False
    for line in text.splitlines(keepends=True):
        header = re.match(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            key = header.group(1).strip()
            inside = key == name or key.startswith(name + ".")
        if not inside:
            kept.append(line)
    return "".join(kept)


def _toml_string(value: str) -> str:
    """A TOML string: literal ('...' or '''...''') when it needs no escapes, so regexes read as written."""
    if "'" not in value and not any(ord(c) < 32 and c not in "\n\t" for c in value):
        return f"'''{value}'''" if "\n" in value else f"'{value}'"
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _toml_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(map(_toml_string, values)) + "]"
