"""UN document symbols cited in a text, written as symbols or in words, normalised and linked.

Two kinds of citation are found:

- Symbols as written ("A/HRC/RES/24/24", "A / HRC / 55 / L.12", "ccpr/c/chn/co/1", "S/RES/2664 (2022)",
  "E/CN.4/2005/L.10", "A/HRC/56/25.Add.1"), for the General Assembly, the Human Rights Council and its
  Universal Periodic Review, the Security Council, ECOSOC, the Commission on Human Rights and its
  Sub-Commission, the Commission on the Status of Women and the treaty bodies. A match must have the
  shape of its series (`_SERIES`), so "A/C", "S/he", "and/or", "24/24" or "A/20/24" never match.
- Resolutions cited in words ("HRC resolution 30/1", "General Assembly resolution 78/241", "Security
  Council resolution 2664 (2022)", "resolutions 24/24 and 30/1"), when the number fits the body's
  numbering (`_by_numbering`: "30/1" is not a Security Council number, and the Assembly numbers by
  session only since its 31st) and the body is clear: named just before "resolution", or just after the
  number ("Resolution 46/1 was adopted by the Human Rights Council"), or the only fitting UN body the
  sentence names. A short name ("the Council adopted resolution 24/24") or the Security Council's own
  "2681 (2023)" style may also look to the paragraph, then the document, for the one fitting UN body
  named there, unless the text also names another body of that kind ("City Council", "Council of
  Europe"). "Resolution 24/24" with no UN body in sight, "European Parliament resolution", a General
  Assembly "resolution 194" without its session: nothing. A wrong link is worse than a missing one.

Normal form: the symbol as the UN writes it, in its capitals, with "Add", "Rev", "Corr", "Amend", "Sub"
and "Misc" in their usual mixed case and addenda as their own component ("A/HRC/56/25/Add.1").
Security Council resolutions are the one exception: their numbers run on across the years, so the normal
form leaves the year out ("S/RES/2664"), and a citation with the year ("S/RES/2664 (2022)") and one
without it are the same symbol; the year, when the text gives it, is kept in `Symbol.year` for the link.

The link is the UN Official Document System's address form, `https://docs.un.org/en/<symbol>` (the
English document); a Security Council resolution with a known year is linked as the ODS files it,
"S/RES/2664(2022)". Symbols inside web addresses are not citations (an address path is not a symbol),
except the symbol in a docs.un.org or undocs.org link.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from urllib.parse import quote

HRC = "Human Rights Council"
UPR = "Universal Periodic Review"
GA = "General Assembly"
SC = "Security Council"
ECOSOC = "Economic and Social Council"
CHR = "Commission on Human Rights"
SUB_COMMISSION = "Sub-Commission on the Promotion and Protection of Human Rights"
CSW = "Commission on the Status of Women"
# The treaty bodies by the root of their symbols ("CCPR/C/CHN/CO/1"); "HRI" is the series they share.
_TREATY_ROOTS = {
    "CCPR/": "Human Rights Committee",
    "E/C.12/": "Committee on Economic, Social and Cultural Rights",
    "CAT/OP/": "Subcommittee on Prevention of Torture",
    "CAT/": "Committee against Torture",
    "CEDAW/": "Committee on the Elimination of Discrimination against Women",
    "CERD/": "Committee on the Elimination of Racial Discrimination",
    "CRC/": "Committee on the Rights of the Child",
    "CRPD/": "Committee on the Rights of Persons with Disabilities",
    "CMW/": "Committee on Migrant Workers",
    "CED/": "Committee on Enforced Disappearances",
    "HRI/": "Human rights treaty bodies",
}
TREATY_BODIES = tuple(_TREATY_ROOTS.values())
# Every body a symbol can have, in the order a facet lists them.
BODIES = (HRC, UPR, GA, SC, ECOSOC, CHR, SUB_COMMISSION, CSW, *TREATY_BODIES)

ODS_URL = "https://docs.un.org/en/"


@dataclass(frozen=True)
class Symbol:
    """One UN document cited in a text."""

    symbol: str  # the normal form: "A/HRC/RES/24/24", "S/RES/2664", "CCPR/C/CHN/CO/1"
    body: str  # one of BODIES
    cited_as: str  # the first citation as written: "a/hrc/res/24/ 24", "HRC resolution 30/1"
    in_words: bool = False  # every citation was in words ("resolution 30/1"), never the symbol itself
    year: int | None = None  # a Security Council resolution's year, when the text gives it

    @property
    def url(self) -> str:
        """The document's page in the UN Official Document System."""
        symbol = f"{self.symbol}({self.year})" if self.year else self.symbol
        return ODS_URL + quote(symbol, safe="/()")


def find_symbols(text: str) -> list[Symbol]:
    """Every UN document the text cites, each once, in order of first citation."""
    plain, origin = _plain(text)
    masked = _mask_addresses(plain)
    found: dict[str, Symbol] = {}
    for start, end, symbol, body, in_words, year in sorted([*_written(masked), *_in_words(masked)]):
        first = found.get(symbol)
        if first is None:
            cited_as = text[origin[start]:origin[end - 1] + 1] if origin else text[start:end]
            found[symbol] = Symbol(symbol, body, cited_as, in_words, year)
        else:
            found[symbol] = Symbol(symbol, body, first.cited_as, first.in_words and in_words,
                                   first.year or year)
    return list(found.values())


# (start, end, symbol, body, in_words, year), offsets into the plain text.
_Citation = tuple[int, int, str, str, bool, int | None]

# Characters that vary between sources but mean the same: odd spaces, slashes, hyphens, apostrophes.
_SAME = {
    **dict.fromkeys("\t\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "),
    **dict.fromkeys("\u2044\u2215\uff0f", "/"),
    **dict.fromkeys("\u2010\u2011\u2012\u2013", "-"),
    "\u2019": "'",
}
_VARIANT = re.compile("[" + "".join(_SAME) + "]")
# Invisible characters scrapes leave inside words ("Coun\u00adcil"): dropped.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_HAS_INVISIBLE = re.compile(f"[{_INVISIBLE}]")


def _plain(text: str) -> tuple[str, list[int] | None]:
    """The text with variant characters unified and invisible ones dropped, and where each came from.

    The origins are None when nothing was dropped: every offset is then the same in both.
    """
    origin = None
    if _HAS_INVISIBLE.search(text):
        origin = [i for i, char in enumerate(text) if char not in _INVISIBLE]
        text = "".join(text[i] for i in origin)
    return _VARIANT.sub(lambda variant: _SAME[variant.group()], text), origin


_ADDRESS = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.I)
_RESOLVER = re.compile(r"(?:https?://)?(?:www\.)?(?:undocs\.org|docs\.un\.org)/(?:(?:en|fr|es|ar|ru|zh)/)?",
                       re.I)


def _mask_addresses(text: str) -> str:
    """Blank out web addresses (same length), except the symbol of a UN document link."""
    def blank(match: re.Match[str]) -> str:
        address = match.group(0)
        resolver = _RESOLVER.match(address)
        keep = resolver.end() if resolver else len(address)
        return " " * keep + address[keep:]

    return _ADDRESS.sub(blank, text)


# --- symbols as written ---------------------------------------------------------------------------

_ROOT = r"(?:A|S|E|CCPR|CAT|CEDAW|CERD|CRC|CRPD|CMW|CED|HRI)"
_AMENDMENT = r"(?:Add|Rev|Corr|Amend)\.?[ ]?\d{1,3}"
# An addendum, a number ("24", "S-30", "14-17") or a word ("RES", "L.12", "WG.6", "CHN-HKG").
_PART = (rf"(?:{_AMENDMENT}|(?:E?S-)?\d{{1,5}}(?:-\d{{1,5}})?"
         r"|[A-Z]{1,6}(?:-[A-Z]{3})?(?:\.[ ]?\d{1,5})?)")
# A part may not start another symbol, so that "A/HRC/56/25 / A/HRC/56/26" stays two.
_WRITTEN = re.compile(
    rf"(?<![\w/.\-]){_ROOT}(?:[ ]*/[ ]*(?!{_ROOT}[ ]*/){_PART}|\.[ ]?{_AMENDMENT})+"
    r"(?:[ ]?\((?P<paren>\d{4}|(?-i:(?:E?S-)?[IVXLC]{1,8}))\))?(?![\w/])",
    re.I,
)
# A root just before a slash: only there can a symbol start (a case-insensitive scan of every
# character would cost more than all the rest).
_ROOT_BEFORE = re.compile(rf"{_ROOT}[ ]*$", re.I)
_MIXED_CASE = re.compile(r"(add|rev|corr|amend|sub|misc)\.?(\d+)", re.I)

_AMENDED = r"(?:/(?:Add|Rev|Corr|Amend)\.\d{1,3})*"
# (prefix, body, what must follow the prefix), the most specific prefix of a root first.
_SHAPES = (
    ("A/HRC/WG.6/", UPR, r"[1-9]\d?/.+"),
    ("A/HRC/RES/", HRC, r"(?:S-)?[1-9]\d?/[1-9]\d{0,2}"),
    ("A/HRC/DEC/", HRC, r"(?:S-)?[1-9]\d?/[1-9]\d{0,2}"),
    ("A/HRC/PRST/", HRC, r"(?:S-)?[1-9]\d?/[1-9]\d{0,2}"),
    ("A/HRC/", HRC, r"(?:S-)?[1-9]\d?/.+"),
    ("A/RES/", GA, r"(?:E?S-)?[1-9]\d?/[1-9]\d{0,2}|[1-9]\d{0,3}\((?:E?S-)?[IVXLC]+\)"),
    # Session-numbered since the 31st session (1976): "A/78/254", "A/C.3/78/L.39", "A/ES-10/L.30".
    ("A/", GA, r"(?:(?:C\.\d/|INF/)?(?:3[1-9]|[4-9]\d)|E?S-\d{1,2})/.+"),
    ("S/RES/", SC, r"[1-9]\d{0,3}"),
    ("S/PRST/", SC, r"\d{4}/\d{1,3}"),
    ("S/", SC, r"\d{4}/\d{1,4}|PV\.\d{1,5}"),
    ("E/CN.4/Sub.2/", SUB_COMMISSION, r"(?:RES/)?\d{4}/.+"),
    ("E/CN.4/", CHR, r"(?:RES/|DEC/)?\d{4}/.+"),
    ("E/CN.6/", CSW, r"\d{4}/.+"),
    ("E/C.12/", _TREATY_ROOTS["E/C.12/"], r".+"),
    ("E/RES/", ECOSOC, r"\d{4}/[1-9]\d{0,2}|[1-9]\d{0,3}\([IVXLC]+\)"),
    ("E/", ECOSOC, r"\d{4}/.+"),
    ("CAT/OP/", _TREATY_ROOTS["CAT/OP/"], r".+"),
    ("HRI/", _TREATY_ROOTS["HRI/"], r"(?:GEN|CORE|MC)/.+"),
    # Committee documents ("C"), concluding observations ("CO"), meetings of States parties ("SP").
    *((root, _TREATY_ROOTS[root], r"(?:C|CO|SP|OP|GC)/.+")
      for root in ("CCPR/", "CAT/", "CEDAW/", "CERD/", "CRC/", "CRPD/", "CMW/", "CED/")),
)
_SERIES = tuple((prefix, body, re.compile(re.escape(prefix) + f"(?:{rest}){_AMENDED}"))
                for prefix, body, rest in _SHAPES)


def _written(text: str) -> list[_Citation]:
    """Symbols written as symbols, each normalised and checked against its series."""
    found: list[_Citation] = []
    done = 0
    for slash in re.finditer("/", text):
        if slash.start() < done:
            continue
        root = _ROOT_BEFORE.search(text, max(0, slash.start() - 8), slash.start())
        match = _WRITTEN.match(text, root.start()) if root else None
        if not match:
            continue
        done = match.end()
        paren = match.group("paren")
        raw = text[match.start():match.start("paren") if paren else match.end()].rstrip(" (")
        symbol, year, end = _normal(raw), None, match.start() + len(raw)
        if paren and paren.isdigit() and symbol.startswith("S/RES/"):
            year, end = int(paren), match.end()  # the year, kept for the link
        elif paren and not paren.isdigit() and symbol.startswith(("A/RES/", "E/RES/")):
            symbol, end = f"{symbol}({paren})", match.end()  # "A/RES/194(III)": the session
        body = _series_body(symbol)
        if body:
            found.append((match.start(), end, symbol, body, False, year))
    return found


def _normal(raw: str) -> str:
    """The normal form of a symbol as written: no spaces, UN capitals, addenda as components."""
    compact = re.sub(r"\.(?=(?:add|rev|corr|amend)\.?\d)", "/", raw.replace(" ", ""), flags=re.I)
    parts = []
    for part in compact.split("/"):
        mixed = _MIXED_CASE.fullmatch(part)
        parts.append(f"{mixed[1].capitalize()}.{mixed[2]}" if mixed else part.upper())
    return "/".join(parts)


def _series_body(symbol: str) -> str | None:
    """The body of a normalised symbol, or None if it does not have its series' shape."""
    if not symbol[-1].isdigit() and not symbol.endswith(")"):
        return None
    for prefix, body, shape in _SERIES:
        if symbol.startswith(prefix):
            return body if shape.fullmatch(symbol) else None
    return None


# --- resolutions cited in words -------------------------------------------------------------------

# How each UN body is named in prose. A name counts only where it is the UN's (`_after_proper_name`).
# Not the "General Assembly of Virginia" or the "Human Rights Council of Australia".
_NOT_OF = r"(?! of (?!the United Nations|the UN\b))"
_NAMES = {
    HRC: rf"(?i:human rights council){_NOT_OF}|(?:UN|U\.N\.|United Nations) (?i:rights council)|UNHRC|HRC",
    GA: rf"(?i:general assembly){_NOT_OF}|UNGA",
    SC: rf"(?<!Peace and )(?i:security council){_NOT_OF}|UNSC",
    ECOSOC: rf"(?i:economic and social council){_NOT_OF}|ECOSOC",
    # Not the Commission on Human Rights "of the Philippines" or "in South Sudan".
    CHR: r"(?i:commission on human rights)(?! (?:in|of|on|for)\b)"
         r"|(?:UN|U\.N\.|United Nations) (?i:human rights commission)",
}
_BODY_NAME = re.compile(r"\b(?:" + "|".join(f"(?P<b{i}>{name})" for i, name in enumerate(_NAMES.values()))
                        + r")\b")
_BODY_OF_GROUP = {f"b{i}": body for i, body in enumerate(_NAMES)}
# "The Council", "the Assembly": which bodies each short name may stand for.
_SHORT_NAME = re.compile(r"\b(?i:(council|assembly|commission))\b(?P<of> of (?:the )?[A-Z])?")
_SHORT_BODIES = {"council": {HRC, SC, ECOSOC}, "assembly": {GA}, "commission": {CHR}}

_NUMBER = (r"(?:E?S-)?\d{1,4}(?:/\d{1,4})?(?:[ ]?\((?:\d{4}|(?-i:(?:E?S-)?[IVXLC]{1,8}))\))?"
           r"(?![\w/%]|[.,]\d)")
_NUMBER_RE = re.compile(_NUMBER, re.I)
_IN_WORDS = re.compile(
    rf"\b(?P<word>resolutions?|res\.?|UNSCRs?)[ ]+(?:nos?\.?[ ]*)?(?P<first>{_NUMBER})"
    rf"(?P<more>(?:(?:[ ]*,[ ]*(?:and[ ]+)?|[ ]+and[ ]+){_NUMBER})*)",
    re.I,
)
# Between a body's name and "resolution": "Security Council's resolution", "Human Rights Council (HRC)".
_NAME_GAP = re.compile(r"(?:[ ]?\([A-Z]{2,6}\))?(?:'s?)?[ ]+(?:(?:landmark|historic|recent|latest|new)[ ]+)?")
# Between the number and a body's name: "Resolution 46/1 was adopted by the Human Rights Council".
_AFTER_GAP = re.compile(r",?[ ]+(?:(?:was|were)[ ]+)?(?:(?:adopted|passed)[ ]+)?(?:of|by)[ ]+(?:the[ ]+)?")
# A sentence ends at a full stop before a capital, but not after "U.N." or "No.".
_SENTENCE_END = re.compile(r"(?<![A-Z]\.[A-Z])(?<!\bNo)(?<!\bNos)[.!?][\"”')\]]*[ ]+(?=[\"“‘(\[]?[A-Z])|\n")


@dataclass(frozen=True)
class _Context:
    """Where sentences and paragraphs start, and where UN bodies are named, in one text."""

    text: str
    sentences: list[int]
    paragraphs: list[int]
    names: list[tuple[int, int, str]]  # (start, end, body) of each UN body named in full
    short_names: dict[int, str]  # start -> "council" of each "the Council" that may be the UN's
    others: dict[int, str]  # start -> "council" of each other body's ("City Council", "EU Commission")

    @classmethod
    def of(cls, text: str) -> _Context:
        sentences = [0, *(m.end() for m in _SENTENCE_END.finditer(text))]
        paragraphs = [0, *(m.end() for m in re.finditer(r"\n+", text))]

        def sentence_start(match: re.Match[str]) -> int:
            return _span(sentences, match.start(), len(text))[0]

        names = [(m.start(), m.end(), _BODY_OF_GROUP[m.lastgroup or ""]) for m in _BODY_NAME.finditer(text)
                 if not _after_proper_name(text, sentence_start(m), m.start())]
        short_names: dict[int, str] = {}
        others: dict[int, str] = {}
        for match in _SHORT_NAME.finditer(text):
            if _may_be_the_uns(text, sentence_start(match), match.start()) and not match["of"]:
                short_names[match.start()] = match[1].lower()
            elif not any(start <= match.start() < end for start, end, _ in names):
                others[match.start()] = match[1].lower()
        return cls(text, sentences, paragraphs, names, short_names, others)

    def sentence(self, at: int) -> tuple[int, int]:
        return _span(self.sentences, at, len(self.text))

    def paragraph(self, at: int) -> tuple[int, int]:
        return _span(self.paragraphs, at, len(self.text))

    def bodies_named(self, span: tuple[int, int], among: set[str]) -> set[str]:
        return {body for start, end, body in self.names
                if span[0] <= start and end <= span[1] and body in among}

    def name_before(self, at: int) -> tuple[int, str] | None:
        """The start and body of a name just before at ("Human Rights Council resolution")."""
        for start, end, body in self.names:
            if end <= at and _NAME_GAP.fullmatch(self.text, end, at):
                return start, body
        return None

    def name_after(self, at: int) -> str | None:
        """The body named just after at ("30/1 of the Human Rights Council")."""
        for start, _, body in self.names:
            if start >= at and _AFTER_GAP.fullmatch(self.text, at, start):
                return body
        return None


def _span(starts: list[int], at: int, length: int) -> tuple[int, int]:
    index = bisect_right(starts, at) - 1
    return starts[index], starts[index + 1] if index + 1 < len(starts) else length


_UN = {"UN", "U.N.", "Nations"}
# What comes before a short name that is the UN body's: "the Council", "its Council", "the UN Council".
_DETERMINERS = {"the", "this", "that", "its", "their"}


def _word_before(text: str, sentence_start: int, start: int) -> tuple[str, bool] | None:
    """The word before start in its sentence, and whether it is the sentence's first word."""
    window = max(sentence_start, start - 60)
    words = text[window:start].split()
    if not words:
        return None
    word = words[-1].strip("()[]\"'“”‘,;:").removesuffix("'s")
    return word, len(words) == 1 and window == sentence_start


def _after_proper_name(text: str, sentence_start: int, start: int) -> bool:
    """Whether the word before start makes it another body's ("National Security Council", "PACE").

    The first word of a sentence ("The Council", "In resolution ...") is capitalised anyway, unless it
    is an acronym.
    """
    before = _word_before(text, sentence_start, start)
    if before is None or before[0] in _UN:
        return False
    word, first = before
    return (word.isupper() and len(word) > 1) or (not first and word[:1].isupper())


def _may_be_the_uns(text: str, sentence_start: int, start: int) -> bool:
    """Whether a short name at start may be a UN body's: "the Council", not "the city council"."""
    before = _word_before(text, sentence_start, start)
    return before is None or before[0].lower() in _DETERMINERS or before[0] in _UN


def _in_words(text: str) -> list[_Citation]:
    """Resolutions cited by number whose issuing body is clear from the context."""
    lower = text.lower()
    if not any(word in lower for word in ("resolution", "res.", "res ", "unscr")):
        return []  # most texts: plain searches cost far less than the pattern
    found: list[_Citation] = []
    context = None
    for match in _IN_WORDS.finditer(text):
        context = context or _Context.of(text)
        numbers = [(match.start("first"), match.group("first"))]
        if match.group("word").lower().endswith("s"):  # only "resolutions" lists several
            offset = match.start("more")
            numbers += [(offset + m.start(), m.group(0)) for m in _NUMBER_RE.finditer(match.group("more"))]
        unscr = match.group("word").startswith("UNSCR")
        before = None if unscr else context.name_before(match.start())
        for start, number in numbers:
            candidates = _by_numbering(number)
            end = start + len(number)
            if unscr:
                body: str | None = SC  # "UNSCR 1325": United Nations Security Council Resolution
            elif before:
                body = before[1]  # the name just before decides, even against the numbering
            else:
                body = _issuer(number, set(candidates), match.start(), end, context)
            if body in candidates:
                symbol, year = candidates[body]
                found.append((before[0] if before else match.start(), end, symbol, body, True, year))
    return found


def _issuer(number: str, candidates: set[str], word: int, end: int, context: _Context) -> str | None:
    """The body that adopted "resolution <number>" (word to end), if the context makes it clear.

    candidates are the bodies whose numbering the number fits.
    """
    after = context.name_after(end)
    if after:
        return after
    text, sentence = context.text, context.sentence(word)
    window = max(sentence[0], word - 60)
    before = re.search(r"(\S+)[ ]+$", text[window:word])
    at = window + before.start(1) if before else -1
    if at in context.short_names:
        candidates &= _SHORT_BODIES[context.short_names[at]]  # "the Council's resolution"
    elif at in context.others or _after_proper_name(text, sentence[0], word):
        return None  # "Parliament resolution", "city council resolution": not a body we can name
    # Further than the sentence, only a short name ("the council adopted resolution 2669") or the
    # Security Council's own "2681 (2023)" lets the one UN body of its kind in the paragraph, then the
    # document, decide; and nowhere may the text name another body of that kind ("City Council").
    kinds = {kind for start, kind in context.short_names.items() if sentence[0] <= start < sentence[1]}
    allowed = set().union(*(_SHORT_BODIES[kind] for kind in kinds))
    if re.fullmatch(r"\d+[ ]?\(\d{4}\)", number):
        allowed.add(SC)
    for scope in (sentence, context.paragraph(word), (0, len(text))):
        if any(scope[0] <= start < scope[1] and _SHORT_BODIES[kind] & candidates
               for start, kind in context.others.items()):
            return None
        named = context.bodies_named(scope, candidates)
        if named:
            return named.pop() if len(named) == 1 else None
        candidates &= allowed
    return None


def _by_numbering(number: str) -> dict[str, tuple[str, int | None]]:
    """Each body whose resolutions can carry this number, with the symbol and year it would be."""
    match = re.fullmatch(r"(?:(E?S)-)?(\d+)(?:/(\d+))?(?:[ ]?\((.+)\))?", number, re.I)
    if not match:
        return {}
    special, first, second, paren = match.groups()
    if first.startswith("0") or (second or "").startswith("0"):
        return {}  # "05/1" is nobody's numbering
    a, b = int(first), int(second or 0)
    year = int(paren) if paren and paren.isdigit() else None
    if second is None:
        if special or not 1 <= a <= 3999:
            return {}
        if paren and not year:  # "194 (III)": the General Assembly's and ECOSOC's numbering until 1975
            return {GA: (f"A/RES/{a}({paren})", None), ECOSOC: (f"E/RES/{a}({paren})", None)}
        return {SC: (f"S/RES/{a}", year)} if not year or 1946 <= year <= 2100 else {}
    if special:  # special ("S-30/1") and emergency special ("ES-10/21") sessions
        sessions: dict[str, tuple[str, int | None]] = {GA: (f"A/RES/{special.upper()}-{a}/{b}", None)}
        if special.upper() == "S":
            sessions[HRC] = (f"A/HRC/RES/S-{a}/{b}", None)
        return sessions
    found: dict[str, tuple[str, int | None]] = {}
    # Session/number: the Council since 2006, the Assembly since its 31st session (1976); year/number:
    # the Commission on Human Rights (until 2006) and ECOSOC (since 1978).
    if 1 <= a <= 99 and 1 <= b <= 99:
        found[HRC] = (f"A/HRC/RES/{a}/{b}", None)
    if 31 <= a <= 99 and 1 <= b <= 400:
        found[GA] = (f"A/RES/{a}/{b}", None)
    if 1946 <= a <= 2006 and 1 <= b <= 300:
        found[CHR] = (f"E/CN.4/RES/{a}/{b}", None)
    if 1978 <= a <= 2100 and 1 <= b <= 300:
        found[ECOSOC] = (f"E/RES/{a}/{b}", None)
    return found
