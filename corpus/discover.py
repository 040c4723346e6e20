"""Propose a site profile from the site's address alone (`python -m corpus add-source URL`).

Discovery reads what a site publishes about itself, politely and in a bounded number of requests
(robots.txt and Crawl-delay through the Fetcher):

    robots.txt        its `Sitemap:` lines (else the usual WordPress and classic addresses)
    sitemaps          every page they list, following sitemap indexes (at most MAX_SITEMAPS files)
    feeds             the RSS/Atom feeds the entry page declares (else /feed/)
    listing pages     links of the entry page under which the known urls sit, and their page 2

Their urls become the article pattern (corpus.patterns); listing pages holding many articles
and linking to further pages become the start urls and the listings pattern. A few articles are
then fetched to choose how to read them: one body selector if it finds the same text as the generic
extractor on every one, else the generic extractor. Failures are CorpusError with one clear line.
"""

from __future__ import annotations

import gzip
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

from corpus.body_selector import SamplePage, choose_extraction
from corpus.clean import decode_html, page_links, parse
from corpus.fetch import Fetcher, Page
from corpus.patterns import (
    Group,
    article_groups,
    combined_pattern,
    is_candidate,
    next_page,
    pagination_pattern,
)
from corpus.sitemaps import WELL_KNOWN, NotASitemap, SitemapEntry, read_sitemap, sitemaps_in_robots
from corpus.sources import Source, check_source, profile_toml
from corpus.store import CorpusError
from corpus.urls import canonical_url, path_and_query

MAX_SITEMAPS = 12  # sitemap files read; enough to see every kind of article a site lists
MAX_FEEDS = 3
MAX_PROBES = 6  # candidate listing pages fetched
MIN_LISTED = 5  # article links that make a page a listing
_LISTING_WORDS = re.compile(
    r"news|latest|updates?|press|releases?|media|blog|stories|statements?|articles?|actualites|"
    r"noticias|nouvelles|communiques"
)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml")


@dataclass(frozen=True)
class Discovery:
    """A proposed profile and what it was found from."""

    source: Source
    groups: tuple[Group, ...]
    articles: int  # distinct urls seen that the article pattern matches
    sitemaps: tuple[str, ...]  # sitemap files read
    feeds: tuple[str, ...]  # feeds read
    probed: tuple[str, ...]  # candidate listing pages fetched
    samples: tuple[SamplePage, ...]
    requests: int
    seconds: float


def discover(url: str, fetcher: Fetcher, name: str, sample: int = 5) -> Discovery:
    """Look at a site and propose its profile; raise CorpusError when there is nothing to propose."""
    started, before = time.monotonic(), fetcher.requests
    site = _Site(fetcher, url)
    entry = site.entry_page()
    known, sitemaps = site.sitemap_urls()
    feed_urls, feeds = site.feed_urls(entry)
    known += feed_urls
    probes = site.listing_pages(entry, known)
    pages = [entry, *(p for p in probes if p is not entry)]
    listed = _listed_links(pages, site)
    groups = article_groups([*known, *listed])
    if not groups:
        raise CorpusError(
            f"found no article pages on {site.origin}: looked at robots.txt, {len(sitemaps)} sitemap(s), "
            f"{len(feeds)} feed(s) and {len(pages)} page(s), and no url pattern repeats like articles do"
        )
    pattern = combined_pattern(groups)
    matched = [u for u in dict.fromkeys([*known, *listed]) if re.search(pattern, urlsplit(u).path)]
    starts, listings = _listings(probes, pattern, site)
    if not starts:  # the entry page is a listing of last resort: home pages show a few articles, not all
        starts, listings = _listings([entry], pattern, site)
    useful = tuple(s for s in sitemaps if s in site.useful_sitemaps)
    if not starts and not useful:
        raise CorpusError(f"found no sitemap and no listing page on {site.origin}: a crawl would have "
                          "nowhere to find articles")
    chosen = _spread(matched, groups, sample)
    spares = [u for u in matched if u not in chosen][:sample]  # in case some chosen pages fail
    pages_read = site.sample_pages(chosen + spares, sample)
    selectors, samples = choose_extraction([(p.url, p.html) for p in pages_read])
    source = check_source(Source(
        name=name,
        start=starts or (entry.url,),  # read as a listing; the sitemaps lead to the articles
        articles=pattern,
        listings=listings,
        sitemaps=useful,
        selectors=selectors,
        description=f"added by add-source from {url} on {date.today().isoformat()}",
        publisher=_site_name(entry),
    ))
    return Discovery(
        source=source, groups=tuple(groups), articles=len(matched), sitemaps=tuple(sitemaps),
        feeds=tuple(feeds), probed=tuple(p.url for p in probes), samples=tuple(samples),
        requests=fetcher.requests - before, seconds=time.monotonic() - started,
    )


@dataclass(frozen=True)
class _Html:
    """A fetched HTML page, decoded, with its links."""

    url: str
    html: str
    links: tuple[str, ...]


class _Site:
    """The site under discovery: its origin, and polite fetching that stays on it."""

    def __init__(self, fetcher: Fetcher, url: str) -> None:
        self.fetcher = fetcher
        self.url = url if "://" in url else f"https://{url}"
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CorpusError(f"{url!r} is not a web address (try https://example.org/)")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.useful_sitemaps: set[str] = set()  # the top-level sitemaps that listed pages

    def on_site(self, url: str) -> bool:
        """True if a url belongs to the site (its host, with or without www.)."""
        return _bare(urlsplit(url).netloc) == _bare(urlsplit(self.origin).netloc)

    def get(self, url: str, any_type: bool = False) -> Page | None:
        """A 200 response from the site, or None (disallowed, failed, another status)."""
        if not self.fetcher.allowed(url):
            return None
        page = self.fetcher.get(url, any_type=any_type, on_site=self.on_site)
        return page if page is not None and page.status == 200 else None

    def html(self, url: str) -> _Html | None:
        """An HTML page of the site, decoded, with its links; None if it is not one."""
        page = self.get(url)
        if page is None or not page.is_html or not page.body:
            return None
        text = decode_html(page.body, page.charset)
        return _Html(page.final_url, text, tuple(page_links(text, page.final_url)))

    def entry_page(self) -> _Html:
        """The page at the address given; the site's origin follows its redirects (http to https, www.)."""
        if not self.fetcher.allowed(self.url):
            reason = self.fetcher.last_error
            raise CorpusError(f"cannot reach {self.origin}: {reason}" if reason
                              else f"{self.origin}/robots.txt does not allow us to read {self.url}")
        page = self.fetcher.get(self.url, on_site=self.on_site)
        if page is None:
            raise CorpusError(f"cannot reach {self.url}: {self.fetcher.last_error}")
        if page.status != 200:
            raise CorpusError(f"{self.url} answers HTTP {page.status}")
        if not page.is_html or not page.body:
            raise CorpusError(f"{self.url} is not an HTML page ({page.content_type or 'empty'})")
        final = urlsplit(page.final_url)
        self.origin = f"{final.scheme}://{final.netloc}"  # after http -> https, bare -> www. redirects
        text = decode_html(page.body, page.charset)
        return _Html(page.final_url, text, tuple(page_links(text, page.final_url)))

    def sitemap_urls(self) -> tuple[list[str], list[str]]:
        """The page urls the site's sitemaps list, and the sitemap files read."""
        robots = self.get(f"{self.origin}/robots.txt", any_type=True)
        named = sitemaps_in_robots(robots.body.decode("utf-8", "replace"), self.origin) if robots else []
        # (sitemap, the top-level sitemap it came from); "" marks a guessed address, tried until one reads.
        queue = [(u, u) for u in named if self.on_site(u)] or [(self.origin + p, "") for p in WELL_KNOWN]
        urls: list[str] = []
        read: list[str] = []
        while queue and len(read) < MAX_SITEMAPS:
            url, top = queue.pop(0)
            if not top and read:
                continue  # another guess, after one that was a sitemap
            entries = self._sitemap(url)
            if entries is None:
                continue
            read.append(url)
            top = top or url
            children = [e.url for e in entries if e.is_sitemap and self.on_site(e.url)]
            # Posts before taxonomies, users and pages: the budget goes to sitemaps of articles.
            queue += [(u, top) for u in sorted(children, key=_taxonomy_last)]
            pages = [e.url for e in entries if not e.is_sitemap and self.on_site(e.url)]
            if pages:
                self.useful_sitemaps.add(top)
            urls += pages
        return urls, read

    def _sitemap(self, url: str) -> list[SitemapEntry] | None:
        page = self.get(url, any_type=True)
        if page is None:
            return None
        body = gzip.decompress(page.body) if page.body[:2] == b"\x1f\x8b" else page.body
        try:
            return read_sitemap(body, url)
        except (NotASitemap, OSError, EOFError):
            return None

    def feed_urls(self, entry: _Html) -> tuple[list[str], list[str]]:
        """The item links of the feeds the entry page declares (else /feed/), and the feeds read."""
        soup = parse(entry.html)
        declared = [urljoin(entry.url, link["href"]) for link in soup.find_all("link", href=True)
                    if "alternate" in (link.get("rel") or ()) and link.get("type", "").lower() in _FEED_TYPES]
        urls: list[str] = []
        read: list[str] = []
        for feed in list(dict.fromkeys(declared))[:MAX_FEEDS] or [f"{self.origin}/feed/"]:
            page = self.get(feed, any_type=True) if self.on_site(feed) else None
            items = _feed_links(page.body, feed) if page is not None else None
            if items is not None:
                read.append(feed)
                urls += [u for u in items if self.on_site(u)]
        return urls, read

    def listing_pages(self, entry: _Html, known: list[str]) -> list[_Html]:
        """Candidate listing pages: entry-page links with the most known urls under them, plus page 2."""
        under = Counter(p for u in known + list(entry.links) for p in _parents(u))
        listed = set(known)
        candidates: dict[str, tuple[int, bool]] = {}
        for link in entry.links:
            url = canonical_url(link)
            path = urlsplit(url).path
            if not self.on_site(url) or url == entry.url or url in listed or not is_candidate(url):
                continue  # off the site, known already, or pagination, a taxonomy page, the home page
            score = under[path.rstrip("/") + "/"]
            # A section named like news (/news/, /press-releases/), not an article about the news.
            last = path.rstrip("/").rsplit("/", 1)[-1]
            named = len(re.findall(r"[^\W_]+", last)) <= 3 and _LISTING_WORDS.search(path.lower()) is not None
            if score or named:
                candidates[url] = (score, named)
        ranked = sorted(candidates, key=lambda u: (-candidates[u][0], not candidates[u][1], len(u)))
        pages = [p for p in map(self.html, ranked[:MAX_PROBES]) if p is not None]
        if urlsplit(entry.url).path not in ("", "/"):
            pages.insert(0, entry)  # the address given was a listing page itself
        # Page 2 of the first listings: its articles differ from page 1's, its menus do not.
        more = dict.fromkeys(link for p in pages[:2] if (link := next_page(p.url, p.links)))
        return pages + [p for p in map(self.html, more) if p is not None]

    def sample_pages(self, urls: list[str], wanted: int) -> list[_Html]:
        """Up to `wanted` article pages fetched from `urls`, in order; raise if none can be read."""
        pages: list[_Html] = []
        for url in urls:
            if len(pages) == wanted:
                break
            if (page := self.html(url)) is not None:
                pages.append(page)
        if not pages:
            raise CorpusError(f"could not fetch any of the article pages found on {self.origin}")
        return pages


def _listed_links(pages: list[_Html], site: _Site) -> list[str]:
    """Links of the fetched pages that are not the site's template (menus, footers: on every page)."""
    template = set.intersection(*(set(p.links) for p in pages)) if len(pages) > 1 else set()
    return [canonical_url(u) for p in pages for u in p.links
            if u not in template and site.on_site(u) and is_candidate(u)]


def _listings(pages: list[_Html], articles: str, site: _Site) -> tuple[tuple[str, ...], str]:
    """Start urls and listings pattern: the pages linking to many articles, with their pagination.

    `pages` come best first, each listing before its page 2, which its pagination pattern then covers.
    """
    starts: list[str] = []
    patterns: list[str] = []
    for page in pages:
        linked = {canonical_url(u) for u in page.links if site.on_site(u)}
        listed = sum(1 for u in linked if re.search(articles, urlsplit(u).path))
        if listed >= MIN_LISTED and not any(re.search(p, path_and_query(page.url)) for p in patterns):
            starts.append(page.url)
            patterns.append(pagination_pattern(page.url, page.links))
    return tuple(starts), "|".join(patterns)


def _spread(urls: list[str], groups: list[Group], count: int) -> list[str]:
    """Up to `count` urls taken in turn from each group, evenly spaced within it."""
    members = [[u for u in urls if re.search(g.pattern, urlsplit(u).path)] for g in groups]
    picks: list[str] = []
    for turn in range(count):
        for group in members:
            step = max(1, len(group) // count)
            if turn * step < len(group) and group[turn * step] not in picks and len(picks) < count:
                picks.append(group[turn * step])
    return picks


def _feed_links(body: bytes, url: str) -> list[str] | None:
    """The item links of an RSS or Atom feed, or None if the bytes are not one."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    if not root.tag.endswith(("rss", "feed", "RDF")):
        return None
    links = []
    for element in root.iter():
        atom = element.tag.endswith("}link") and element.get("href")
        if atom and element.get("rel", "alternate") == "alternate":
            links.append(urljoin(url, element.get("href", "")))
        elif element.tag in ("link", "{http://purl.org/rss/1.0/}link") and (element.text or "").strip():
            links.append(urljoin(url, (element.text or "").strip()))
    return links


def _site_name(page: _Html) -> str:
    """The organisation's name as the site gives it (og:site_name), for the profile's publisher."""
    meta = parse(page.html).find("meta", property="og:site_name", content=True)
    return " ".join(meta["content"].split()) if meta else ""


def _parents(url: str) -> list[str]:
    """The section paths above a url: /news/2024/01/x/ -> /news/, /news/2024/, /news/2024/01/."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    return ["/" + "/".join(segments[:n]) + "/" for n in range(1, len(segments))]


def _taxonomy_last(url: str) -> bool:
    """Sort key: sitemaps of categories, tags, authors and pages after those of posts."""
    return re.search(r"categor|tag|taxonom|author|user|page", url.rsplit("/", 1)[-1]) is not None


def _bare(netloc: str) -> str:
    return re.sub(r"^www\.", "", netloc.lower())


def profile_name(url: str) -> str:
    """A profile name from a site's address: hrw.org -> hrw, 127.0.0.1:8000 -> 127-0-0-1-8000."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = parts.hostname or "site"
    if re.fullmatch(r"[\d.]+|\[.*\]|localhost", host) or "." not in host:
        return re.sub(r"[^A-Za-z0-9]+", "-", parts.netloc).strip("-")
    labels = [label for label in host.split(".") if label not in ("www", "new", "m")][:-1]
    if len(labels) > 1 and labels[-1] in ("co", "com", "org", "gov", "ac", "net"):
        labels = labels[:-1]  # bbc.co.uk -> bbc
    return re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(labels)) or "site"


def describe(found: Discovery) -> str:
    """The proposal as a user reads it: what was looked at, the profile (TOML) and the sample."""
    start = urlsplit(found.source.start[0])
    origin = f"{start.scheme}://{start.netloc}"

    def short(url: str) -> str:
        return url.removeprefix(origin) or "/"

    lines = [
        f"# {found.requests} requests in {found.seconds:.1f} s",
        f"# sitemaps read: {', '.join(map(short, found.sitemaps)) or 'none'}",
        f"# feeds read: {', '.join(map(short, found.feeds)) or 'none'}",
        f"# pages looked at for listings: {', '.join(map(short, found.probed)) or 'none'}",
        f"# articles: {found.articles} urls seen match the pattern, in {len(found.groups)} group(s):",
        *(f"#   {g.count:>6}  {g.pattern}  e.g. {g.example}" for g in found.groups),
        "# extraction: " + (f"body selector {found.source.selectors.body} (it finds the generic "
                            "extractor's text on every sample page)" if found.source.selectors.body else
                            "the generic extractor (no one body selector found its text on every sample "
                            "page)"),
        "",
        profile_toml(found.source).rstrip("\n"),
        "",
        f"# sample: {len(found.samples)} article page(s) as the crawl would store them",
    ]
    for page in found.samples:
        lines += [f"#   {short(page.url)}",
                  f"#     title: {page.title or '(none)'}",
                  f"#     date: {page.date or '(none)'}; method: {page.method}"
                  + ("; noindex: the crawl will skip it" if page.noindex else ""),
                  f"#     text: {page.words} ..."]
    return "\n".join(lines) + "\n"
