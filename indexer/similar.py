"""Releases similar to a given one: the document's opening searched by meaning.

The title and lead say what a release is about; searching them semantically finds releases on the
same subject without depending on how the vector index stores its vectors (flat or approximate).
"""

from __future__ import annotations

from corpus.documents import Document
from indexer.search import Result, Searcher

LEAD_CHARS = 1000  # about one passage: what the model reads well


def similar_documents(searcher: Searcher, document: Document, k: int = 10) -> list[Result]:
    """The k documents closest in meaning to `document`, best first, never itself (nor a copy at its url)."""
    # Quotation marks in the release are not the user's quoted phrases: left in, a quote such as
    # "sad day for media freedom" would restrict the results to documents repeating it.
    text = f"{document.title}\n{document.body[:LEAD_CHARS]}".replace('"', " ").strip()
    # Two more than asked: the document itself, and a copy of it, are usually the best matches.
    response = searcher.search(text, k=k + 2, mode="semantic")
    return [r for r in response.results
            if r.id != document.id and not (document.url and r.url == document.url)][:k]
