"""The document record and the rules that make its id, date and hash stable."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

_ISO_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Document:
    """One press release: what the corpus stores and the indexer reads."""

    id: str
    title: str
    body: str
    url: str = ""
    source: str = ""
    date: str | None = None  # ISO yyyy-mm-dd
    tags: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    # Set by the store: when this version of the text was captured (UTC, ISO).
    captured_at: str = field(default="", compare=False)

    @property
    def content_hash(self) -> str:
        """Hash of what a reader sees: a change here means the document changed."""
        payload = json.dumps(
            [self.title, self.date, list(self.tags), self.body, self.url], ensure_ascii=False
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def id_from_url(url: str) -> str:
    """Derive a stable document id from a canonical url."""
    return "u" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:15]


def normalise_date(value: Any) -> str | None:
    """Return an ISO date (yyyy-mm-dd) for common date spellings, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    m = _ISO_PREFIX.match(text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    # Written-out dates ("16 January 2024") are rare in files but common on pages.
    from dateutil import parser as dateparser  # imported lazily: most rows are ISO

    try:
        return dateparser.parse(text, fuzzy=False).date().isoformat()
    except (ValueError, OverflowError):
        return None


def normalise_tags(value: Any) -> tuple[str, ...]:
    """Accept a list or a comma-separated string of tags; drop blanks and repeats."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    seen: dict[str, None] = {}
    for item in items:
        tag = " ".join(str(item).split())
        if tag:
            seen.setdefault(tag, None)
    return tuple(seen)
