"""An Atom feed (RFC 4287) for any search: the matching releases, newest first.

Entry ids are the document pages' urls, which stay the same as long as the document exists, so a
feed reader shows each release once however often the corpus is re-imported or re-indexed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree

from indexer.filters import Hit
from indexer.search import Result

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50
_TAG = re.compile(r"</?mark>")

ElementTree.register_namespace("", ATOM)


def atom_feed(title: str, self_url: str, page_url: str, hits: Sequence[Hit], results: Sequence[Result],
              document_url: Callable[[str], str]) -> bytes:
    """Serialise hits (and their results' snippets) as Atom; `document_url(id)` is a document page's url."""
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    _text(feed, "updated", max((_updated(h) for h in hits), default=_epoch()))
    ElementTree.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=self_url)
    ElementTree.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=page_url)
    _text(_sub(feed, "author"), "name", "RightsSearch")
    _text(feed, "generator", "RightsSearch")
    for hit, result in zip(hits[:MAX_ENTRIES], results, strict=True):
        doc = hit.document
        entry = _sub(feed, "entry")
        _text(entry, "id", document_url(doc.id))
        _text(entry, "title", doc.title or "Untitled")
        _text(entry, "updated", _updated(hit))
        if doc.date:
            _text(entry, "published", f"{doc.date}T00:00:00Z")
        ElementTree.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html",
                               href=doc.url or document_url(doc.id))
        _text(_sub(entry, "author"), "name", doc.source or "unknown")
        for term in (*hit.facts.countries, *hit.facts.tags):
            ElementTree.SubElement(entry, f"{{{ATOM}}}category", term=term)
        _text(entry, "summary", html.unescape(_TAG.sub("", result.snippet)))
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


def _updated(hit: Hit) -> str:
    """When an entry last changed: its capture time, or its publication date."""
    captured = hit.document.captured_at
    if captured:
        return datetime.fromisoformat(captured).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{hit.document.date}T00:00:00Z" if hit.document.date else _epoch()


def _epoch() -> str:
    return "1970-01-01T00:00:00Z"


def _sub(parent: ElementTree.Element, name: str) -> ElementTree.Element:
    return ElementTree.SubElement(parent, f"{{{ATOM}}}{name}")


def _text(parent: ElementTree.Element, name: str, text: str) -> None:
    _sub(parent, name).text = text
