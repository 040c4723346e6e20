"""How the keyword side reads each language: its stemmer and its stopwords.

English keeps the Porter stemmer and the short stopword list the index always used (its figures
in docs/retrieval.md were measured with them). Other languages get their Snowball stemmer
(PyStemmer ships 30) and, for French and Spanish, the function words that carry no topic; a
language Snowball does not know is indexed unstemmed rather than with English rules.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import Stemmer

from indexer.passages import STOPWORDS as ENGLISH_STOPWORDS

DEFAULT = "en"  # a document or query whose language is unknown is read as English
_SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
    "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
    "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "nl": "dutch", "no": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}
# Written as people spell them; compared after the same folding as the text (accents removed).
_FUNCTION_WORDS = {
    "fr": """au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la le les leur
        leurs lui ma mais me meme mes moi mon ne nos notre nous on ou où par pas pour qu que qui sa se
        ses son sur ta te tes toi ton tu un une vos votre vous c d j l à m n s t y a ai as avait
        avoir été être est sont ont comme aussi entre sans sous selon depuis lors dont si tout tous
        toute toutes plus très ainsi afin cela ceci celui celle ceux""",
    "es": """de la que el en y a los del se las por un para con no una su al lo como más pero sus le
        ya o este esta estos estas ese esa eso esos esas entre cuando muy sin sobre también me hasta
        hay donde quien quienes desde todo todos toda todas nos durante uno unos unas les ni contra
        otro otros otra otras ante ellos ellas él ella e esto antes algunos algunas qué cual cuales
        es son fue fueron ha han había ser sido era eran está están estar mi mis tu tus te ti yo
        porque sí así""",
}


def fold(text: str) -> str:
    """Lower case without accents: how both text and stopwords are compared."""
    folded = unicodedata.normalize("NFKD", text.lower())
    if folded.isascii():
        return folded
    return "".join(c for c in folded if not unicodedata.combining(c))


@cache
def stopwords(lang: str) -> frozenset[str]:
    """The words of language `lang` that are never index terms ("" and unknown: English's)."""
    if lang in _FUNCTION_WORDS:
        return frozenset(fold(_FUNCTION_WORDS[lang]).split())
    return ENGLISH_STOPWORDS if lang in ("", DEFAULT) else frozenset()


@cache
def stemmer(lang: str) -> Stemmer.Stemmer | None:
    """The stemmer for language `lang` (Porter for English and unknown), or None when there is none."""
    if lang in ("", DEFAULT):
        return Stemmer.Stemmer("porter")
    name = _SNOWBALL.get(lang)
    return Stemmer.Stemmer(name) if name else None


def analysed(lang: str) -> str:
    """The language whose rules index a text declared as `lang` (unknown: the default)."""
    return lang if lang in _SNOWBALL or lang in _FUNCTION_WORDS else DEFAULT
