"""Which language a document is written in: as its source declares it, or detected from its text.

Detection uses py3langid (a maintained fork of langid.py: 97 languages, a 4 MB model shipped in
the wheel, no download), loaded on first use. A text too short or too mixed to tell gets "" rather
than a guess: a wrong language would give the document the wrong stemmer.
"""

from __future__ import annotations

import re
from functools import cache

_CODE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{2,8})*$")
_WORD = re.compile(r"\w{2,}")
MIN_WORDS = 4  # "China, Pakistan" says nothing about the language it is written in
MIN_CONFIDENCE = 0.6  # normalised probability; short or mixed texts fall below it
SAMPLE_CHARS = 3000  # the opening of a long text is enough, and detection is linear in length


def normalise_lang(value: object) -> str:
    """A declared language as a lowercase ISO 639 code ("fr-FR", "fr_FR", "FR" -> "fr"), or ""."""
    if not isinstance(value, str):
        return ""
    match = _CODE.match(value.strip().casefold())
    return match[1] if match else ""


def detect_language(title: str, body: str) -> str:
    """The ISO 639-1 code of the language of a title and body, or "" when the text cannot tell."""
    text = f"{title}\n{body[:SAMPLE_CHARS]}"
    if len(_WORD.findall(text)) < MIN_WORDS:
        return ""
    lang, confidence = _identifier().classify(text)
    return lang if confidence >= MIN_CONFIDENCE else ""


@cache
def _identifier():  # noqa: ANN202 - py3langid's class is untyped
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
