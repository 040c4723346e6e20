"""Read JSON Lines and plain-text files into documents, reporting bad lines instead of stopping on them.

Every body goes through the text cleaner (`corpus.text_clean`); when it removes anything, the text
as given is kept in the document's metadata as `original_text` (not indexed, not shown as the body).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from corpus.documents import Document, id_from_url, normalise_date, normalise_tags
from corpus.language import normalise_lang
from corpus.sources import Source
from corpus.text_clean import clean_text
from corpus.urls import host_of

log = logging.getLogger(__name__)

# Fields that become Document attributes; everything else on a line is kept as metadata.
_KNOWN = {"id", "_id", "url", "title", "body", "text", "date", "tags", "source", "lang", "language"}
# Provenance the database keeps itself: an imported value would claim a hash that does not match
# the text, or a crawl that never happened. Dropped from imported metadata (an export re-imports).
RESERVED = frozenset({"content_hash", "captured_at", "fetched_at", "first_seen", "source_changed_at"})
MAX_LINE_BYTES = 10 * 1024 * 1024  # one release is a few tens of kilobytes; a longer line is refused


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
    try:
        # A lone surrogate ("\ud800") is valid JSON but no valid text: SQLite would refuse it mid-batch.
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadLine("a string holds an unpaired surrogate (\\ud800-\\udfff), which is not text") from None
    metadata = {k: v for k, v in record.items() if k not in _KNOWN and k not in RESERVED}
    body = body.strip()
    cleaned = clean_text(body, title=title, date=normalise_date(record.get("date")))
    if cleaned.body and cleaned.body != body:  # a body that is all clutter is kept as given
        metadata.setdefault("original_text", body)
        body = cleaned.body
    return Document(
        id=doc_id,
        title=" ".join(title.split()),
        body=body,
        url=url.strip(),
        source=str(source),
        date=cleaned.date,
        tags=normalise_tags(tags),
        lang=normalise_lang(record.get("lang") or record.get("language")),
        metadata=metadata,
    )


def read_jsonl(path: Path, default_source: str, errors: list[LineError]) -> Iterator[Document]:
    """Yield the documents of a JSON Lines file; append each bad line's error to `errors`.

    Every line is judged on its own, so one bad line never costs the good ones around it. A UTF-8
    byte-order mark at the start is accepted; bytes that are not UTF-8 reject their line.
    """
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if len(raw) > MAX_LINE_BYTES:
                errors.append(LineError(number, f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB"))
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                errors.append(LineError(number, f"not UTF-8 (byte {exc.start + 1} of the line)"))
                continue
            if not line.strip():
                continue
            try:
                document = document_from_record(json.loads(line), default_source)
                # Where a document without an address came from, for readers and citations.
                yield replace(document, metadata={"file": path.name, **document.metadata})
            except json.JSONDecodeError as exc:
                errors.append(LineError(number, f"invalid JSON: {exc.msg}"))
            except RecursionError:
                errors.append(LineError(number, "JSON nested too deeply"))
            except BadLine as exc:
                errors.append(LineError(number, str(exc)))


def publisher_by_address(urls: Iterable[str], sources: Iterable[Source]) -> str:
    """The publisher of the site most of these urls belong to, when a profile names it; else "".

    A data set scraped from hrw.org is Human Rights Watch's whatever its file is called.
    """
    hosts = Counter(_host(url) for url in urls if url)
    hosts.pop("", None)
    if not hosts:
        return ""
    host, count = hosts.most_common(1)[0]
    if count * 2 <= sum(hosts.values()):
        return ""  # no site holds most of them: a mixed file, not one publisher's
    for source in sources:
        if source.publisher and (host == source.host or host in source.host_map):
            return source.publisher
    return ""


def _host(url: str) -> str:
    try:
        return host_of(url)
    except ValueError:  # not a url at all
        return ""


def read_text(path: Path, default_source: str, errors: list[LineError]) -> Iterator[Document]:
    """Yield the one release of a plain-text file (labels, title, body), or append why it has none.

    The file's name (without `.txt`) is the document's id; the text as read is kept in the metadata.
    """
    raw = path.read_bytes()
    try:
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.append(LineError(1, f"not UTF-8 (byte {exc.start + 1} of the file)"))
        return
    cleaned = clean_text(text)
    if not cleaned.title or not cleaned.body:
        errors.append(LineError(1, "no title and body in the file (a title line, then paragraphs)"))
        return
    yield Document(
        id=path.stem,
        title=cleaned.title,
        body=cleaned.body,
        source=default_source,
        date=cleaned.date,
        tags=cleaned.tags,
        metadata={"file": path.name, "original_text": text},
    )
