"""An Atom feed (RFC 4287) for any search: the matching releases, newest first.

Entry ids are the document pages' urls, which stay the same as long as the document exists, so a
feed reader shows each release once however often the corpus is re-imported or re-indexed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree

from corpus.documents import Document
from search_app.links import web_link
from search_app.results import Result

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50
SUMMARY_CHARS = 300  # an entry's summary: the release's opening, cut at a word
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

ElementTree.register_namespace("", ATOM)


def atom_feed(title: str, self_url: str, page_url: str, results: Sequence[Result],
              document_url: Callable[[str], str]) -> bytes:
    """Serialise results as Atom; `document_url(id)` is a document page's url."""
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    _text(feed, "updated", max((_updated(r.document) for r in results), default=_epoch()))
    ElementTree.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=self_url)
    ElementTree.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=page_url)
    _text(_sub(feed, "author"), "name", "RightsSearch")
    _text(feed, "generator", "RightsSearch")
    for result in results[:MAX_ENTRIES]:
        doc = result.document
        entry = _sub(feed, "entry")
        _text(entry, "id", document_url(doc.id))
        _text(entry, "title", doc.title or "Untitled")
        _text(entry, "updated", _updated(doc))
        if doc.date and len(doc.date) == 10:  # a year or month alone is no Atom date
            _text(entry, "published", f"{doc.date}T00:00:00Z")
        ElementTree.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html",
                               href=web_link(doc.url) or document_url(doc.id))
        _text(_sub(entry, "author"), "name", result.publisher or "unknown")
        for term in (*result.match.fields.countries, *result.match.fields.tags):
            ElementTree.SubElement(entry, f"{{{ATOM}}}category", term=term)
        _text(entry, "summary", _lead(doc.body))
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


def _lead(body: str) -> str:
    """The opening of a release, at most SUMMARY_CHARS, cut at a word."""
    text = " ".join(body.split())
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"


def _updated(doc: Document) -> str:
    """When an entry last changed: its capture time, or its publication date."""
    if doc.captured_at:
        return datetime.fromisoformat(doc.captured_at).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{(doc.date + '-01-01')[:10]}T00:00:00Z" if doc.date else _epoch()


def _epoch() -> str:
    return "1970-01-01T00:00:00Z"


def _sub(parent: ElementTree.Element, name: str) -> ElementTree.Element:
    return ElementTree.SubElement(parent, f"{{{ATOM}}}{name}")


def _text(parent: ElementTree.Element, name: str, text: str) -> None:
    # Control characters (from a query or a scraped title) are not allowed in XML at all.
    _sub(parent, name).text = _NOT_XML.sub("", text)
