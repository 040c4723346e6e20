"""Export a search's results as CSV or JSON, with what a citation needs: capture time and hash.

CSV cells that begin with = + - @ (or a tab or carriage return) are prefixed with an apostrophe,
so a spreadsheet shows them as text instead of running them as formulas (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from search_app.results import Result, imported_from

COLUMNS = ("rank", "id", "url", "title", "date", "source", "publisher", "lang", "countries", "tags", "score",
           "passage", "captured_at", "content_hash", "imported_from")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_row(result: Result) -> dict:
    """One result as an export record."""
    doc, match = result.document, result.match
    return {
        "rank": match.rank, "id": doc.id, "url": doc.url, "title": doc.title, "date": doc.date,
        "source": doc.source, "publisher": result.publisher, "lang": doc.lang,
        "countries": list(match.fields.countries), "tags": list(match.fields.tags),
        "score": round(match.score, 6), "passage": result.passage, "captured_at": doc.captured_at,
        "content_hash": doc.metadata.get("content_hash") or doc.content_hash,
        "imported_from": imported_from(doc),
    }


def neutralise(cell: object) -> str:
    """A CSV cell as text that no spreadsheet evaluates."""
    if isinstance(cell, int | float):
        return str(cell)  # numbers are data, never formulas
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(results: Sequence[Result], total: int) -> str:
    """A header and one row per result (list fields joined with '; '); when the export holds fewer
    rows than the search's `total`, a last comment row says so, so a cut export is never silent."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for result in results:
        row = export_row(result)
        writer.writerow(neutralise("; ".join(v) if isinstance(v, list) else v) for v in
                        (row[c] for c in COLUMNS))
    if len(results) < total:
        writer.writerow([f"# truncated: {len(results)} of {total} results exported; narrow the search for the rest"])
    return out.getvalue()
