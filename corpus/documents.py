"""The document record and the rules that make its id, date and hash stable."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

_ISO_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")
FIRST_YEAR = 1945  # dates before it are typos or placeholders (0001-01-01), not press releases


@dataclass(frozen=True)
class Document:
    """One press release: what the corpus stores and the indexer reads."""

    id: str
    title: str
    body: str
    url: str = ""
    source: str = ""
    date: str | None = None  # ISO yyyy-mm-dd, or yyyy-mm or yyyy when the source says no more
    tags: tuple[str, ...] = ()
    # ISO 639-1 code ("en", "fr"); the store detects it from the text when the source did not say.
    lang: str = field(default="", compare=False)
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
    """An ISO date (yyyy-mm-dd), or as much of one as the value says (yyyy-mm, yyyy), or None.

    A part the value does not give is never filled in (dateutil would take it from today, so
    "2024" became 2024-<today's month and day>, and the content hash changed from day to day). A
    year outside FIRST_YEAR..next year is a mistake, not a release date: None.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat() if _plausible(value.year) else None
    text = str(value).strip()
    if m := _ISO_PREFIX.match(text):
        try:
            found = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
        return found.isoformat() if _plausible(found.year) else None
    if m := _YEAR_MONTH.match(text):
        year, month = int(m[1]), int(m[2] or 0)
        if not _plausible(year) or month > 12:
            return None
        return f"{year:04d}-{month:02d}" if month else f"{year:04d}"
    # Written-out dates ("16 January 2024") are rare in files but common on pages.
    from dateutil import parser as dateparser  # imported lazily: most rows are ISO

    try:
        # Parsed against two different defaults: a part that differs was not in the text.
        one = dateparser.parse(text, fuzzy=False, default=datetime(2000, 1, 1))
        two = dateparser.parse(text, fuzzy=False, default=datetime(2004, 2, 2))
    except (ValueError, OverflowError):
        return None
    if one.year != two.year or not _plausible(one.year):
        return None
    if one.month != two.month:
        return f"{one.year:04d}"
    if one.day != two.day:
        return f"{one.year:04d}-{one.month:02d}"
    return one.date().isoformat()


def _plausible(year: int) -> bool:
    return FIRST_YEAR <= year <= date.today().year + 1


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
