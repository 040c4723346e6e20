"""Read publication dates from machine-readable values and from dates written in page text.

Common English spellings ("January 16, 2024 9:30AM EST", "16 January 2024", "Jan 16, 2024") are
matched by one regular expression, which is fast and never guesses; other languages and forms go
to dateparser, which knows them but is slow, so it only sees short strings.
"""

from __future__ import annotations

import re
from datetime import date

from corpus.documents import normalise_date

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WRITTEN = [
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}})\b", re.I),
]
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DATEPARSER = {"PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"]}


def iso_date(value: str | None) -> str | None:
    """An ISO date from a machine-readable value (``2024-01-16T09:30:00-05:00``), or None."""
    if not value or not _ISO.match(value.strip()):
        return None
    return normalise_date(value.strip())


def date_from_text(text: str) -> str | None:
    """The first date written in a short text, as ``yyyy-mm-dd``, or None."""
    text = " ".join(text.split())
    if not text:
        return None
    for pattern in _WRITTEN:
        if m := pattern.search(text):
            try:
                return date(int(m["year"]), _MONTHS[m["month"].lower()], int(m["day"])).isoformat()
            except ValueError:
                continue
    if m := _ISO.search(text):
        return normalise_date(m.group(0))
    if len(text) > 60 or not re.search(r"\d{4}", text):
        return None
    import dateparser  # imported lazily: slow to import, and rarely needed

    parsed = dateparser.parse(text, settings=_DATEPARSER)
    return parsed.date().isoformat() if parsed else None
