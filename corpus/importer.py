"""Read JSON Lines files into documents, reporting bad lines instead of stopping on them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.documents import Document, id_from_url, normalise_date, normalise_tags

log = logging.getLogger(__name__)

# Fields that become Document attributes; everything else on a line is kept as metadata.
_KNOWN = {"id", "_id", "url", "title", "body", "text", "date", "tags", "source"}


class BadLine(ValueError):
    """A line that cannot become a document, with the reason."""


@dataclass(frozen=True)
class LineError:
    """A rejected line: where it was and why."""

    line: int
    reason: str


def document_from_record(record: Any, default_source: str) -> Document:
    """Turn one decoded JSON object into a Document, or raise BadLine saying why."""
    if not isinstance(record, dict):
        raise BadLine("not a JSON object")
    title = record.get("title")
    body = record.get("body") if record.get("body") is not None else record.get("text")
    if not isinstance(body, str) or not body.strip():
        raise BadLine("missing or empty 'body' (or 'text')")
    if title is None:
        title = ""
    if not isinstance(title, str):
        raise BadLine("'title' is not a string")
    url = record.get("url") or ""
    if not isinstance(url, str):
        raise BadLine("'url' is not a string")
    raw_id = record.get("id", record.get("_id"))
    if raw_id is not None and not isinstance(raw_id, str | int):
        raise BadLine("'id' is not a string or number")
    doc_id = str(raw_id).strip() if raw_id is not None else ""
    if not doc_id:
        if not url:
            raise BadLine("no 'id'/'_id' and no 'url' to derive one from")
        doc_id = id_from_url(url)
    tags = record.get("tags")
    if tags is not None and not isinstance(tags, str | list):
        raise BadLine("'tags' is not a list or a string")
    source = record.get("source") or default_source
    return Document(
        id=doc_id,
        title=" ".join(title.split()),
        body=body.strip(),
        url=url.strip(),
        source=str(source),
        date=normalise_date(record.get("date")),
        tags=normalise_tags(tags),
        metadata={k: v for k, v in record.items() if k not in _KNOWN},
    )


def read_jsonl(path: Path, default_source: str, errors: list[LineError]) -> Iterator[Document]:
    """Yield the documents of a JSON Lines file; append each bad line's error to `errors`."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield document_from_record(json.loads(line), default_source)
            except json.JSONDecodeError as exc:
                errors.append(LineError(number, f"invalid JSON: {exc.msg}"))
            except BadLine as exc:
                errors.append(LineError(number, str(exc)))
