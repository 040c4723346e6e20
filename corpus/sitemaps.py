"""Sitemaps: where a site lists its pages (robots.txt `Sitemap:` lines, the usual WordPress
addresses) and what one sitemap file lists (pages with their <lastmod>, or further sitemaps).

Shared by the crawler, which follows them, and by `add-source`, which reads them to propose a profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin
from xml.etree import ElementTree

# Where sites serve their sitemap when robots.txt names none: WordPress core (5.5+), Yoast and
# Rank Math, and the classic single file.
WELL_KNOWN = ("/wp-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml")


class NotASitemap(ValueError):
    """The bytes are not a sitemap or sitemap index."""


@dataclass(frozen=True)
class SitemapEntry:
    """One <url> or <sitemap> entry: an absolute address, its <lastmod> ("" if none) and its kind."""

    url: str
    lastmod: str = ""
    is_sitemap: bool = False


def read_sitemap(body: bytes, base_url: str) -> list[SitemapEntry]:
    """The entries of a sitemap or sitemap index, addresses made absolute against `base_url`.

    Raises NotASitemap when the bytes are not XML with a <urlset> or <sitemapindex> root.
    """
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise NotASitemap(f"not XML ({exc})") from exc
    if not (root.tag.endswith("urlset") or root.tag.endswith("sitemapindex")):
        raise NotASitemap(f"root element <{root.tag}> is neither <urlset> nor <sitemapindex>")
    entries = []
    for entry in root:
        loc = _child_text(entry, "loc")
        if not loc:
            continue
        try:
            url = urljoin(base_url, loc)
        except ValueError:
            continue  # not a url at all; a sitemap with one bad line still lists the others
        entries.append(SitemapEntry(url, _child_text(entry, "lastmod"), entry.tag.endswith("sitemap")))
    return entries


def sitemaps_in_robots(robots_txt: str, base_url: str) -> list[str]:
    """The sitemap addresses a robots.txt names (`Sitemap:` lines, any case), absolute, in order."""
    found: dict[str, None] = {}
    for line in robots_txt.splitlines():
        key, _, value = line.partition(":")
        if key.strip().casefold() == "sitemap" and value.strip():
            found.setdefault(urljoin(base_url, value.strip()), None)
    return list(found)


def _child_text(entry: ElementTree.Element, name: str) -> str:
    for child in entry:
        if child.tag == name or child.tag.endswith("}" + name):
            return (child.text or "").strip()
    return ""
