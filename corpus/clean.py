"""Turn one HTML page into a clean document: title, date, tags, language and the article's paragraphs.

Two paths share this module. A site profile's CSS selectors (see ``sources.toml``) pick the body,
title, date and tags with beautifulsoup4, which is exact on sites we know. Without selectors, or
when they find nothing, trafilatura extracts the main text: on the shared extraction benchmark it
beats what a hand-written readability clone reaches (figures in ``docs/crawler.md``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, PageElement, ProcessingInstruction, Tag

from corpus.dates import date_from_text, iso_date
from corpus.language import normalise_lang
from corpus.text_clean import clean_text

# Elements whose start or end breaks a paragraph; everything else is inline text.
_BLOCKS = frozenset(
    "address article aside blockquote dd details div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
# Never text a reader sees as the article.
_NEVER = (
    "script, style, noscript, template, iframe, svg, canvas, object, embed, button, select, input, textarea"
)
# Boilerplate that pages put inside or next to the body (and that malformed markup drags into it).
_BOILERPLATE = (
    "nav, aside, footer, form, figure, figcaption, "
    "[class*=share], [class*=social], [class*=related], [class*=newsletter], [class*=signup], "
    "[class*=donate], [class*=cookie], [class*=sidebar], [class*=breadcrumb], [class*=advert], "
    "[id*=cookie], [id*=newsletter], [role=complementary], [aria-hidden=true]"
)
_META_DATES = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "citation_publication_date",
    "pubdate",
    "publish-date",
    "parsely-pub-date",
    "sailthru.date",
)
_DATE_CLASS = re.compile(
    r"(^|[-_])(date|dateline|posted|posted-on|published|time|timestamp|meta|byline)([-_]|$)"
)
_CONTENT_LANGUAGE = re.compile(r"^content-language$", re.I)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)
# trafilatura's precision mode without comments scores best on the benchmark (docs/crawler.md).
_TRAFILATURA = {"include_comments": False, "favor_precision": True}
_SHORT = 1000  # characters: below this, check precision mode against the balanced mode


@dataclass(frozen=True)
class Selectors:
    """Per-site CSS selectors for the cleaner; any may be empty."""

    body: str = ""
    title: str = ""
    date: str = ""
    tags: str = ""
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cleaned:
    """What the cleaner found on one page."""

    title: str
    body: str
    date: str | None = None
    tags: tuple[str, ...] = ()
    # The page's own canonical url (rel=canonical, resolved), or "" if it declares none.
    canonical: str = ""
    noindex: bool = False
    # How the body was found: "selectors" or "trafilatura".
    method: str = field(default="selectors", compare=False)
    # The extracted text before the text cleaner removed clutter from it; "" when it removed nothing.
    original_body: str = field(default="", compare=False)
    # The language the page declares (ISO 639 code), or "" when it declares none.
    lang: str = ""


def decode_html(raw: bytes, charset: str | None = None) -> str:
    """Decode page bytes by the HTTP charset, else the page's <meta charset>, else UTF-8.

    Bad bytes become U+FFFD instead of failing the page; latin-1 labels mean windows-1252, as
    browsers read them.
    """
    if charset is None:
        found = _CHARSET.search(raw[:4096])
        charset = found.group(1).decode("ascii") if found else "utf-8"
    charset = charset.strip().lower()
    if charset in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
        charset = "windows-1252"
    try:
        return raw.decode(charset, errors="replace")
    except (LookupError, UnicodeError):  # unknown, or a codec that is not a text encoding ("idna", "undefined")
        return raw.decode("utf-8", errors="replace")


def parse(html: str | bytes) -> BeautifulSoup:
    """Parse HTML leniently with lxml (it closes unclosed <p> where browsers do)."""
    if isinstance(html, bytes):
        html = decode_html(html)
    return BeautifulSoup(html, "lxml")


def page_links(html: str, url: str) -> list[str]:
    """Every <a href> of a page, made absolute against the page url (or its <base href>).

    lxml alone, without beautifulsoup4: listing pages are read for links on every re-crawl.
    """
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    bases = root.xpath("//base/@href")
    base = _joined(url, str(bases[0])) or url if bases else url
    links = []
    for href in root.xpath("//a/@href"):
        href = str(href).strip()
        if href and not href.startswith(("#", "mailto:", "javascript:", "tel:")) and (link := _joined(base, href)):
            links.append(link)
    return links


def _joined(base: str, href: str) -> str:
    """`href` made absolute against `base`, or "" when it does not parse (`http://[oops/`)."""
    try:
        joined = urljoin(base, href.strip())
        urlsplit(joined).port  # noqa: B018 - raises ValueError on a malformed host or port
    except ValueError:
        return ""
    return joined


def is_noindex(soup: BeautifulSoup) -> bool:
    """True if a robots meta tag asks search engines not to index the page."""
    for meta in soup.find_all("meta", attrs={"name": re.compile(r"^(robots|googlebot)$", re.I)}):
        if "noindex" in meta.get("content", "").lower() or "none" in meta.get("content", "").lower():
            return True
    return False


def declared_lang(soup: BeautifulSoup) -> str:
    """The language a page declares: <html lang>, else og:locale, else a Content-Language meta tag; or ""."""
    html = soup.find("html")
    candidates = [html.get("lang", "") if isinstance(html, Tag) else "", _meta(soup, "og:locale")]
    for meta in soup.find_all("meta", attrs={"http-equiv": _CONTENT_LANGUAGE}, content=True):
        candidates.append(meta["content"].split(",")[0])  # "fr, en": the first is the page's main language
    return next((code for value in candidates if (code := normalise_lang(value))), "")


def clean_html(html: str | bytes, url: str = "", selectors: Selectors | None = None) -> Cleaned:
    """Extract the document of one page; the crawler and `python -m corpus clean` both call this."""
    text = decode_html(html) if isinstance(html, bytes) else html
    return clean_soup(parse(text), text, url, selectors or Selectors())


def clean_soup(soup: BeautifulSoup, html: str, url: str, selectors: Selectors) -> Cleaned:
    """Extract the document from a parsed page (the soup is modified)."""
    canonical = _canonical(soup, url)
    noindex = is_noindex(soup)
    date = _date(soup, selectors)
    title = _title(soup, selectors)
    # A profile's tag selector may miss a page of another template, as its body selector may.
    tags = (_texts(soup.select(selectors.tags)) if selectors.tags else []) or _meta_tags(soup)
    lang = declared_lang(soup)
    for node in soup.select(_NEVER):
        node.decompose()
    body, method = "", "selectors"
    container = soup.select_one(selectors.body) if selectors.body else None
    if container is not None:
        for extra in selectors.remove:
            _drop(container.select(extra))
        _drop(container.select(_BOILERPLATE))
        body = "\n\n".join(paragraphs(container))
    if not body:
        body, method = main_text(html, url), "trafilatura"
    text = clean_text(body, title=title, date=date)
    original = body if text.body and text.body != body else ""
    return Cleaned(
        title=title, body=text.body if original else body, date=text.date, tags=tuple(dict.fromkeys(tags)),
        canonical=canonical, noindex=noindex, method=method, original_body=original, lang=lang,
    )


def main_text(html: str, url: str = "") -> str:
    """The main text of any page (trafilatura), paragraphs separated by blank lines.

    Precision mode drops more boilerplate, but now and then cuts the article itself: when it keeps
    a short text and the balanced mode finds several times more, the balanced text is the article.
    """
    import trafilatura  # imported lazily: slow to import, and profiled sites never need it

    text = trafilatura.extract(html, url=url or None, **_TRAFILATURA) or ""
    if len(text) < _SHORT:
        balanced = trafilatura.extract(html, url=url or None, include_comments=False) or ""
        if len(balanced) >= 3 * max(len(text), 1):
            text = balanced
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def paragraphs(node: Tag) -> list[str]:
    """The text of a subtree as paragraphs: block elements separate them, inline ones join.

    Walking the tree (not ``p.get_text()``) keeps text in unclosed or nested <p> once, and keeps
    text that sits directly in a <div>.
    """
    out: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = " ".join("".join(buffer).split())
        if text:
            out.append(text)
        buffer.clear()

    # An explicit stack: malformed pages can nest deeper than Python's recursion limit.
    stack: list[Iterator[PageElement]] = [iter(node.children)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        if isinstance(item, (Comment, Doctype, ProcessingInstruction)):
            continue
        if isinstance(item, NavigableString):
            buffer.append(str(item))
        elif isinstance(item, Tag):
            if item.name == "br":
                buffer.append(" ")
            elif item.name in _BLOCKS:
                flush()
                stack.append(_then_flush(item, flush))
            else:
                stack.append(iter(item.children))
    flush()
    return out


def _then_flush(tag: Tag, flush: Callable[[], None]) -> Iterator[PageElement]:
    """Iterate a block's children, then end its paragraph."""
    yield from tag.children
    flush()


def _drop(nodes: Iterable[Tag]) -> None:
    for node in nodes:
        if not node.decomposed:
            node.decompose()


def _texts(nodes: Iterable[Tag]) -> list[str]:
    return [t for t in (" ".join(n.get_text(" ").split()) for n in nodes) if t]


def _meta(soup: BeautifulSoup, *names: str) -> str:
    """The content of the first meta tag named (property, name or itemprop) by one of `names`."""
    found: dict[str, str] = {}
    for tag in soup.find_all("meta", content=True):
        content = tag["content"].strip()
        for attr in ("property", "name", "itemprop"):
            key = str(tag.get(attr, "")).lower()
            if key and content:
                found.setdefault(key, content)
    return next((found[n.lower()] for n in names if n.lower() in found), "")


def _meta_tags(soup: BeautifulSoup) -> list[str]:
    """Tags a page declares in article:tag meta tags (for sites without a profile)."""
    return [t["content"].strip() for t in soup.find_all("meta", property="article:tag", content=True)
            if t["content"].strip()]


def _title(soup: BeautifulSoup, selectors: Selectors) -> str:
    """The profile's title element, else the page's <h1>, og:title or <title>."""
    for selector in (selectors.title, "article h1", "main h1", "h1"):
        if selector and (found := _texts(soup.select(selector))[:1]):
            return found[0]
    title = _meta(soup, "og:title", "twitter:title")
    if not title and soup.title:
        title = " ".join(soup.title.get_text().split())
    # "Headline | Site name": drop the site part.
    return re.split(r"\s+[|–—-]\s+(?=[^|–—-]+$)", title)[0] if title else ""


def _date(soup: BeautifulSoup, selectors: Selectors) -> str | None:
    """Publication date: JSON-LD, meta tags, <time datetime>, then a date written on the page."""
    for candidate in (_json_ld_date(soup), _meta(soup, *_META_DATES)):
        if found := iso_date(candidate):
            return found
    scope = (soup.select_one(selectors.date) if selectors.date else None) or soup
    for time in scope.find_all("time"):
        if found := iso_date(time.get("datetime", "")) or date_from_text(time.get_text(" ")):
            return found
    if selectors.date:
        for text in _texts(soup.select(selectors.date)):
            if found := date_from_text(text):
                return found
    # Candidates come in page order, so the article's own date is met before related items'.
    candidates = soup.find_all(lambda t: any(_DATE_CLASS.search(c) for c in t.get("class") or ()), limit=10)
    for text in _texts(candidates):
        if len(text) < 100 and (found := date_from_text(text)):
            return found
    return None


def _json_ld_date(soup: BeautifulSoup) -> str:
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (json.JSONDecodeError, RecursionError):  # broken, or nested too deep to read
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if isinstance(item.get("datePublished"), str):
                    return item["datePublished"]
                stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return ""


def _canonical(soup: BeautifulSoup, url: str) -> str:
    link = soup.find("link", rel="canonical", href=True)
    return _joined(url, link["href"]) if link and link["href"].strip() else ""
