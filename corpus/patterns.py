"""Url patterns from examples: which paths of a site are articles, and how its listings paginate.

`add-source` collects the urls a site lists (sitemaps, feeds, listing pages) and asks this module for
the regular expression a profile needs. Paths are cut into segments and each segment is generalised by
its shape (a year, a two-digit month or day, a number, a slug); paths of one leading section and one
shape form a group, and a group becomes part of the pattern when it looks like articles: enough
siblings, and a last segment that names one item (a slug of several words, a date, an id) rather
than a topic or a menu entry.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median
from urllib.parse import urlsplit

from corpus.urls import is_file_link, path_and_query

# Segments that mark archive, taxonomy, feed and system pages, never one article.
_NOT_ARTICLES = frozenset(
    "amp archive archives attachment author authors categories category comments embed feed feeds label "
    "labels login page print search tag tags taxonomy theme themes topic topics type user users wp-admin "
    "wp-content wp-includes wp-json".split()
)
# Language prefixes of multilingual sites (/fr/..., /zh-hans/...): a variant of a section, not a section.
_LANGUAGE = re.compile(r"^(ar|de|en|es|fa|fr|id|it|ja|ko|nl|pl|pt|ru|sw|tr|uk|zh)(-[a-z]{2,4})?$")
# What follows a listing's address on its further pages: /page/2/, /2 (not /2024: a year), ?page=2
# (Drupal counts from 0).
_PAGINATION = re.compile(r"^/?(page/?\d+/?|\d{1,3}/?)?(\?(page|paged|p|start|offset)=\d+)?$")
_EXTENSION = re.compile(r"\.(html?|php|aspx?)$")
_SLUG = r"[\w%-]+"
MIN_SIBLINGS = 3  # a shape seen fewer times is a one-off page, not a kind of article
MIN_SLUG_WORDS = 3  # median words in a group's slugs: "sudan" is a topic, "sudan-army-kills-..." an article


@dataclass(frozen=True)
class Group:
    """Article urls of one section and shape, with the regular expression that matches them."""

    pattern: str
    count: int
    example: str


def path_segments(url: str) -> list[str]:
    """The non-empty segments of a url's path."""
    return [s for s in urlsplit(url).path.split("/") if s]


def is_candidate(url: str) -> bool:
    """False for urls that cannot be articles: home pages, queries, pagination, taxonomy, files."""
    segments = path_segments(url)
    if not segments or urlsplit(url).query or is_file_link(url):
        return False
    if len(segments) == 1 and _LANGUAGE.match(segments[0]):
        return False  # a language's home page
    return not any(s.lower() in _NOT_ARTICLES for s in segments)


def article_groups(urls: Iterable[str]) -> list[Group]:
    """The groups of urls that look like articles, largest first."""
    members: dict[tuple[str, ...], list[list[str]]] = defaultdict(list)
    languages: dict[tuple[str, ...], set[str]] = defaultdict(set)
    examples: dict[tuple[str, ...], str] = {}
    for url in dict.fromkeys(urls):
        if not is_candidate(url):
            continue
        segments = path_segments(url)
        language = ""
        if len(segments) > 1 and _LANGUAGE.match(segments[0]):
            language, segments = segments[0], segments[1:]
        key = _shape_key(segments)
        members[key].append(segments)
        languages[key].add(language)
        examples.setdefault(key, urlsplit(url).path)
    groups = []
    for key, paths in members.items():
        if len(paths) >= MIN_SIBLINGS and _names_one_item(paths):
            groups.append(Group(_group_pattern(paths, languages[key]), len(paths), examples[key]))
    return sorted(groups, key=lambda g: (-g.count, g.pattern))


def combined_pattern(groups: list[Group]) -> str:
    """One regular expression for all groups: a verbose alternation when there are several."""
    if len(groups) == 1:
        return groups[0].pattern
    return "(?x)\n    " + "\n  | ".join(g.pattern for g in groups) + "\n"


def pagination_pattern(listing: str, links: Iterable[str]) -> str:
    """The listings regex of a listing page: itself and the further pages it links to.

    `/news/` linking to `/news/page/2/` gives ``^/news/(page/\\d+/)?$``; a page that links to no
    further page gives just its own path.
    """
    base = path_and_query(listing)
    forms = {re.sub(r"\d+", r"\\d+", _literal(rest)) for rest, _ in _further_pages(base, links)}
    alternatives = "|".join(sorted(forms))
    return "^" + _literal(base) + (f"({alternatives})?" if alternatives else "") + "$"


def next_page(listing: str, links: Iterable[str]) -> str | None:
    """The listing's link to its next page (the lowest page number it links to), if any."""
    pages = sorted((int(re.findall(r"\d+", rest)[-1]), link)
                   for rest, link in _further_pages(path_and_query(listing), links))
    return next((link for number, link in pages if number > 0), None)


def _further_pages(base: str, links: Iterable[str]) -> list[tuple[str, str]]:
    """(what follows the listing's address, link) for each link to a further page of the listing."""
    found = []
    for link in links:
        rest = path_and_query(link)
        if rest.startswith(base) and rest != base and _PAGINATION.match(rest[len(base) :]):
            found.append((rest[len(base) :], link))
    return found


def _segment_shape(segment: str) -> str:
    """The regex of a segment's shape: \\d{4} for years, \\d{2} for months and days, \\d+, or a slug."""
    if segment.isdigit():
        if len(segment) == 4 and segment[:2] in ("19", "20"):
            return r"\d{4}"
        return r"\d{2}" if len(segment) == 2 else r"\d+"
    extension = _EXTENSION.search(segment)
    return _SLUG + (_literal(extension.group()) if extension else "")


def _shape_key(segments: list[str]) -> tuple[str, ...]:
    """The group of a path: its leading section (unless that is a number) and its segments' shapes."""
    shapes = [_segment_shape(s) for s in segments]
    return (shapes[0] if segments[0].isdigit() else segments[0], *shapes[1:])


def _names_one_item(paths: list[list[str]]) -> bool:
    """True if the group's last segments name single items: ids, dates, or slugs of several words."""
    if len(paths[0]) < 2 and not paths[0][0].isdigit():
        return False  # one segment: section pages (/about-us/), not articles under a section
    last = [p[-1] for p in paths]
    if all(s.isdigit() for s in last):
        return True
    return median(len(re.findall(r"[^\W_]+", s)) for s in last) >= MIN_SLUG_WORDS


def _group_pattern(paths: list[list[str]], languages: set[str]) -> str:
    """The regex of one group: segments all members share (the section, at least) are literal."""
    parts = []
    for values in zip(*paths, strict=True):
        same = len(set(values)) == 1 and not values[0].isdigit()
        parts.append(_literal(values[0]) if same else _segment_shape(values[0]))
    codes = sorted(languages - {""})
    prefix = f"{codes[0]}/" if len(codes) == 1 else f"({'|'.join(codes)})/" if codes else ""
    if codes and "" in languages:
        prefix = f"({prefix})?"  # the default language has no prefix
    return "^/" + prefix + "/".join(parts) + "/?$"


def _literal(text: str) -> str:
    """`text` as a regex matching itself, without re.escape's needless backslashes before hyphens."""
    return re.escape(text).replace("\\-", "-")
