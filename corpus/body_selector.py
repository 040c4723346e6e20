"""How to read a new site's articles: one body selector for all of them, or the generic extractor.

`add-source` fetches a few article pages and asks this module. A CSS selector is exact and fast on a
site whose pages share one template; a site with several (classic and block-editor WordPress posts,
page builders) is better read by trafilatura, which needs no selector. A selector is chosen only when
it finds, on every sample page, an article's worth of text that agrees with trafilatura's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import Tag

from corpus.clean import Cleaned, Selectors, clean_soup, parse
from corpus.crawl import MIN_BODY_CHARS
from corpus.evaluate import score_page

MIN_AGREEMENT = 0.8  # body F1 between a selector and the generic extractor, on every sample page
# Containers that hold the article body in common CMS themes (WordPress, Drupal, news sites).
BODY_SELECTORS = (
    "div.entry-content", "div.article-body", "[itemprop=articleBody]", "div.post-content",
    "div.wp-block-post-content", "div.field--name-body", "div.story-body", "article .content",
    "div.article-content", "div.content-body",
)


@dataclass(frozen=True)
class SamplePage:
    """One sample article as the crawl would store it."""

    url: str
    title: str
    date: str | None
    words: str  # the body's first words
    method: str  # "selectors" or "trafilatura"
    noindex: bool = False


def choose_extraction(pages: list[tuple[str, str]]) -> tuple[Selectors, list[SamplePage]]:
    """The body selector that finds the generic extractor's text on every (url, html) page, else none.

    Candidates are the usual CMS containers and each page's densest paragraph container; of those
    matching every page with an article's worth of text, the one agreeing best with trafilatura wins.
    """
    generic = [_clean(url, html, Selectors()) for url, html in pages]
    best, best_score, best_cleaned = Selectors(), 0.0, generic
    for selector in _candidates([html for _, html in pages]):
        cleaned = [_clean(url, html, Selectors(body=selector)) for url, html in pages]
        if any(c.method != "selectors" for c in cleaned):
            continue
        scores = [score_page(c.body, g.body).f1 for c, g in zip(cleaned, generic, strict=True)]
        if min(scores) >= MIN_AGREEMENT and sum(scores) / len(scores) > best_score:
            best, best_score, best_cleaned = Selectors(body=selector), sum(scores) / len(scores), cleaned
    samples = [
        SamplePage(url, c.title, c.date, " ".join(c.body.split()[:12]), c.method, c.noindex)
        for (url, _), c in zip(pages, best_cleaned, strict=True)
    ]
    return best, samples


def _candidates(pages: list[str]) -> list[str]:
    """Selectors that find an article's worth of text on every page: the usual ones, then found ones."""
    soups = [parse(html) for html in pages]
    found: dict[str, None] = dict.fromkeys(BODY_SELECTORS)
    for soup in soups:
        found.update(dict.fromkeys(_names(_densest(soup))))
    return [s for s in found if all(_has_text(soup.select_one(s)) for soup in soups)]


def _densest(soup: Tag) -> Tag | None:
    """The element with the most text in paragraphs of its own: where a page keeps its article."""
    return max(soup.find_all(["div", "section", "article", "main"]), default=None,
               key=lambda tag: sum(len(p.get_text()) for p in tag.find_all("p", recursive=False)))


def _names(tag: Tag | None) -> list[str]:
    """Selectors for an element by its classes and id, leaving out per-post ones (post-2742)."""
    if tag is None:
        return []
    names = [f"{tag.name}.{c}" for c in tag.get("class") or () if not re.search(r"\d", c)]
    if tag.get("id") and not re.search(r"\d", str(tag["id"])):
        names.append(f"{tag.name}#{tag['id']}")
    return names


def _has_text(node: Tag | None) -> bool:
    return node is not None and len(" ".join(node.get_text(" ").split())) >= MIN_BODY_CHARS


def _clean(url: str, html: str, selectors: Selectors) -> Cleaned:
    return clean_soup(parse(html), html, url, selectors)
