"""Export a search's results as CSV or JSON, with what a citation needs: capture time and hash.

CSV cells that begin with = + - @ (or a tab or carriage return) are prefixed with an apostrophe,
so a spreadsheet shows them as text instead of running them as formulas (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from indexer.filters import Hit

COLUMNS = ("rank", "id", "url", "title", "date", "source", "countries", "tags", "score",
           "captured_at", "content_hash")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_row(hit: Hit) -> dict:
    """One result as an export record."""
    doc = hit.document
    return {
        "rank": hit.rank, "id": doc.id, "url": doc.url, "title": doc.title, "date": doc.date,
        "source": doc.source, "countries": list(hit.facts.countries), "tags": list(hit.facts.tags),
        "score": round(hit.score, 6), "captured_at": doc.captured_at,
        "content_hash": doc.metadata.get("content_hash") or doc.content_hash,
    }


def neutralise(cell: object) -> str:
    """A CSV cell as text that no spreadsheet evaluates."""
    if isinstance(cell, int | float):
        return str(cell)  # numbers are data, never formulas
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(hits: Iterable[Hit]) -> str:
    """A header and one row per hit; list fields joined with '; '."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for hit in hits:
        row = export_row(hit)
        writer.writerow(neutralise("; ".join(v) if isinstance(v, list) else v) for v in
                        (row[c] for c in COLUMNS))
    return out.getvalue()
