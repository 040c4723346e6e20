"""Snippets: the sentences of a passage that matter, with the query's words marked.

The snippet is HTML-escaped text in which only `<mark>` tags are markup, so pages can show it
as is and API clients can strip the tags.
"""

from __future__ import annotations

import re
from html import escape

from indexer.chunk import split_sentences
from indexer.passages import STOPWORDS

_WORD = re.compile(r"\w+", re.UNICODE)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "ed", "es", "er", "ly", "s")
MAX_CHARS = 320


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


def make_snippet(passage: str, query: str, max_chars: int = MAX_CHARS) -> str:
    """Return the best window of sentences of `passage`, escaped, with query words in <mark>."""
    stems = query_stems(query)
    sentences = [s for _, s in split_sentences(passage)] or [passage]
    scores = [sum(1 for w in _WORD.findall(s) if stem(w) in stems) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    start, end = best, best + 1
    # Grow around the best sentence while it fits, preferring the following context.
    while True:
        grown = False
        for lo, hi in ((start, end + 1), (start - 1, end)):
            if 0 <= lo and hi <= len(sentences) and len(" ".join(sentences[lo:hi])) <= max_chars:
                start, end, grown = lo, hi, True
                break
        if not grown:
            break
    text = " ".join(sentences[start:end])
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] + " …"
    elif end < len(sentences):
        text += " …"
    if start > 0:
        text = "… " + text
    return highlight(text, stems)


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
