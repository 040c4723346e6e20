"""Snippets: the sentences of a passage that matter, with the query's words marked.

The snippet is HTML-escaped text in which only `<mark>` tags are markup, so pages can show it
as is and API clients can strip the tags. Query words are `<mark>`; when no word matches, the
sentence closest in meaning (chosen by the Searcher from sentence vectors) is `<mark class="meaning">`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import numpy as np

from indexer.chunk import split_sentences
from indexer.passages import STOPWORDS

_WORD = re.compile(r"\w+", re.UNICODE)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "ed", "es", "er", "ly", "s")
MAX_CHARS = 320


@lru_cache(maxsize=65536)  # a snippet stems every word of ten passages; words repeat across queries
def stem(word: str) -> str:
    """A crude English stem, enough to mark "bans" for "ban" and "detained" for "detention"."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def query_stems(query: str) -> set[str]:
    """The stems of a query's meaningful words."""
    return {stem(w) for w in _WORD.findall(query) if w.lower() not in STOPWORDS}


def sentences(passage: str) -> list[str]:
    """The sentences of a passage, as snippets cut them."""
    return [s for _, s in split_sentences(passage)] or [passage]


def word_matches(sentence: str, stems: set[str]) -> int:
    """How many words of `sentence` share a stem with the query."""
    return sum(1 for w in _WORD.findall(sentence) if stem(w) in stems)


def make_snippet(passage: str, query: str, max_chars: int = MAX_CHARS, meaning: int | None = None) -> str:
    """Return the best window of sentences of `passage`, escaped, with query words in <mark>.

    `meaning` is the index (in `sentences(passage)`) of the sentence closest in meaning to the
    query, found by the caller when no word matches; the window centres on it and marks it whole
    as `<mark class="meaning">`, so readers see why a result without their words was returned.
    """
    stems = query_stems(query)
    parts = sentences(passage)
    return _window(parts, [word_matches(s, stems) for s in parts], stems, max_chars, meaning)


def _window(parts: list[str], scores: list[int], stems: set[str], max_chars: int, meaning: int | None) -> str:
    """The snippet of a passage cut into `parts` (sentences), each with its count of query words."""
    if meaning is not None and 0 <= meaning < len(parts) and not any(scores):
        best = meaning
    else:
        best, meaning = max(range(len(parts)), key=lambda i: (scores[i], -i)), None
    start, end = best, best + 1
    lengths = [len(p) for p in parts]
    # Grow around the best sentence while it fits (joined by spaces), preferring the following context.
    while True:
        grown = False
        for lo, hi in ((start, end + 1), (start - 1, end)):
            if 0 <= lo and hi <= len(parts) and sum(lengths[lo:hi]) + hi - lo - 1 <= max_chars:
                start, end, grown = lo, hi, True
                break
        if not grown:
            break
    pieces = []
    for i in range(start, end):
        piece = parts[i]
        if len(piece) > max_chars:
            piece = piece[:max_chars].rsplit(" ", 1)[0] + " …"
        marked = highlight(piece, stems)
        pieces.append(f'<mark class="meaning">{marked}</mark>' if i == meaning else marked)
    text = " ".join(pieces)
    if end < len(parts) and not text.endswith("…"):
        text += " …"
    return "… " + text if start > 0 else text


def highlight(text: str, stems: set[str]) -> str:
    """Escape `text` and wrap words whose stem is in `stems` in <mark>."""
    out: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        if stem(match.group()) in stems:
            out.append(escape(text[last : match.start()]))
            out.append(f"<mark>{escape(match.group())}</mark>")
            last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


@dataclass(frozen=True)
class Snippet:
    """What a result shows of its matched passage: the passage and the marked window of it."""

    passage: str
    html: str


# Given a passage's sentences and the query vector, the sentence closest in meaning (indexer.meaning).
Closest = Callable[[Sequence[str], np.ndarray], int | None]


def snippets_for(passages: Sequence[str], query: str, vector: np.ndarray | None,
                 closest: Closest | None) -> list[Snippet]:
    """A snippet of each passage; where none of the query's words occurs, the sentence closest in
    meaning is marked instead (when the query was embedded), so readers see why it was returned."""
    stems = query_stems(query)
    found = []
    for text in passages:
        parts = sentences(text)
        scores = [word_matches(s, stems) for s in parts]
        wordless = not any(scores)
        meaning = closest(parts, vector) if wordless and closest is not None and vector is not None else None
        found.append(Snippet(text, _window(parts, scores, stems, MAX_CHARS, meaning)))
    return found
