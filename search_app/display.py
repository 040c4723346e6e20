"""How the pages write dates and mark the paragraphs of a document that answer the reader's question.

Dates are stored as ISO text, whole ("2013-09-27") or partial ("2013-09", "2013"); people read
"27 Sep 2013", "Sep 2013" and "2013", and `<time datetime>` keeps the ISO form for machines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pycountry
from flask import Blueprint
from markupsafe import Markup, escape

from indexer.snippets import highlight, query_stems, sentences, stem, word_matches

_WORD = re.compile(r"\w+", re.UNICODE)
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_ISO = re.compile(r"\b(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"  # a date, whole or in part
                  r"(?:[T ](\d{2}):(\d{2})(?::[\d.]+)?(Z|[+-]\d{2}:?\d{2})?)?(?![\w-])")  # and perhaps a time


def human_date(value: str | None, empty: str = "undated") -> str:
    """'2013-09-27' as '27 Sep 2013', '2013-09' as 'Sep 2013', '2013' as itself; a timestamp keeps its
    time ('27 Sep 2013, 14:05 UTC'); anything else as it is."""
    if not value:
        return empty
    found = _ISO.fullmatch(value.strip())
    return _written(found) if found else value


def dates_in(text: str) -> str:
    """`text` with every ISO date in it written out ("2013-09-01 – …" as "1 Sep 2013 – …")."""
    return _ISO.sub(_written, text)


def _written(found: re.Match[str]) -> str:
    year, month, day, hour, minute, zone = found.groups()
    if month is None or not 1 <= int(month) <= 12:
        return found.group() if month else year
    text = f"{MONTHS[int(month) - 1]} {year}"
    if day:
        text = f"{int(day)} {text}"
    if not hour:
        return text
    utc = zone in (None, "Z") or zone.replace(":", "") in ("+0000", "-0000")  # stored times are UTC
    return f"{text}, {hour}:{minute} {'UTC' if utc else 'UTC' + zone}"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of a document as the page shows it: escaped text with the query's words marked."""

    html: Markup
    matched: bool = False  # the paragraph that answers the query best (the page scrolls to it)


# Given sentences and the query vector, the sentence closest in meaning (Embedder.token_vectors().closest).
Closest = Callable[[Sequence[str], np.ndarray], int | None]


def body_paragraphs(title: str, body: str) -> list[str]:
    """The body's paragraphs, without a first one that only repeats the title."""
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    if paragraphs and _plain(paragraphs[0]) == _plain(title):
        paragraphs = paragraphs[1:]
    return paragraphs


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def mark_paragraphs(paragraphs: Sequence[str], query: str, vector: np.ndarray | None = None,
                    closest: Closest | None = None) -> list[Paragraph]:
    """Mark the query's words in every paragraph and flag the paragraph with the most of them; when
    no word occurs, flag the paragraph holding the sentence closest in meaning and mark that sentence."""
    stems = query_stems(query) if query else set()
    # Most of the query's different words first, then most words: "journalists … detained" beats
    # "journalists … journalists".
    scores = [(len(stems & {stem(w) for w in _WORD.findall(p)}), word_matches(p, stems)) for p in paragraphs]
    if any(count for _, count in scores):
        best = max(range(len(paragraphs)), key=lambda i: (scores[i], -i))
        return [Paragraph(Markup(highlight(p, stems)), i == best) for i, p in enumerate(paragraphs)]
    plain = [Paragraph(escape(p)) for p in paragraphs]
    if not paragraphs or vector is None or closest is None:
        return plain
    parts = [(i, s) for i, p in enumerate(paragraphs) for s in sentences(p)]
    pick = closest([s for _, s in parts], vector)
    if pick is None:
        return plain
    where, sentence = parts[pick]
    text = paragraphs[where]
    at = text.find(sentence)
    marked = Markup(f'{escape(text[:at])}<mark class="meaning">{escape(sentence)}</mark>'
                    f'{escape(text[at + len(sentence):])}') if at >= 0 else escape(text)
    return [Paragraph(marked, True) if i == where else p for i, p in enumerate(plain)]


def language_name(code: str) -> str:
    """An ISO 639 code as its English name ("fr" -> "French"); an unknown code as itself."""
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    return found.name if found else code


def register(bp: Blueprint) -> None:
    """Give every template the date and language filters."""
    bp.add_app_template_filter(human_date, "human_date")
    bp.add_app_template_filter(dates_in, "dates_in")
    bp.add_app_template_filter(language_name, "language_name")
