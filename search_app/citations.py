"""Citations of releases for reference managers: BibTeX, RIS and CSL-JSON.

A press release is cited as a report of the kind "Press release", issued and written by its
publisher (an organisation, never parsed as a person's name). That is how Zotero files one (item
type Report, "Report Type: Press release"), the one type its BibTeX, RIS and CSL-JSON importers all
reach (from @techreport, RPRT and "report"), and what author-date styles print as "Publisher.
(2024). Title [Press release]". CSL has no press-release type: "report" with a genre is the closest.
The accessed date is the day RightsSearch captured the text: the version the citation stands for."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from corpus.documents import Document
from search_app.results import imported_from

GENRE = "Press release"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_LATEX = {"\\": r"\textbackslash{}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#", "_": r"\_",
          "^": r"\textasciicircum{}", "~": r"\textasciitilde{}"}
# Real BibTeX counts every brace, escaped or not: \{ only works where the braces pair up.
_PAIRED_BRACES = str.maketrans({**_LATEX, "{": r"\{", "}": r"\}"})
_LONE_BRACES = str.maketrans({**_LATEX, "{": r"\textbraceleft{}", "}": r"\textbraceright{}"})


@dataclass(frozen=True)
class Citation:
    """What a reference manager needs to cite one release."""

    key: str  # ASCII, unique within one file: the BibTeX key, the RIS ID and the CSL id
    title: str
    publisher: str
    date: str | None  # ISO yyyy-mm-dd, or yyyy-mm or yyyy when the source says no more
    url: str
    accessed: str  # the capture day, yyyy-mm-dd; "" when unknown
    lang: str
    imported_from: str  # the imported file, for a release with no url

    @property
    def note(self) -> str:
        """Where a release without an address of its own can be found, else ""."""
        if not self.imported_from:
            return ""
        return f"No original address: imported into RightsSearch from the file {self.imported_from}"

    @property
    def date_parts(self) -> list[int]:
        """The release date as [year, month, day], or as much of it as is known."""
        return [int(part) for part in (self.date or "").split("-") if part]


def cite(pairs: Iterable[tuple[Document, str]]) -> list[Citation]:
    """Citations of (document, publisher name) pairs, with keys unique among them."""
    citations, seen = [], set()
    for document, publisher in pairs:
        key = base = citation_key(document, publisher)
        suffix = 1
        while key in seen:  # two releases alike in publisher, year, first word and id hash
            suffix += 1
            key = f"{base}{suffix}"
        seen.add(key)
        citations.append(Citation(key, _one_line(document.title), _one_line(publisher), document.date,
                                  document.url, _day(document.captured_at), document.lang,
                                  imported_from(document)))
    return citations


def citation_key(document: Document, publisher: str) -> str:
    """A readable, stable ASCII key: publisher, year, first word of the title, a hash of the id
    ("hrw2024kyrgyzstan-3f9a1c"); "nd" stands for a missing year."""
    words = _ascii(publisher or document.source).split()
    capitals = [w for w in words if w[0].isupper()]
    # Organisations are known by their initials (Human Rights Watch: hrw), one-word names as they are.
    name = "".join(w[0] for w in capitals) if len(capitals) > 1 else "".join(words[:1])[:16]
    title = [w for w in _ascii(document.title).lower().split() if w not in ("a", "an", "the")]
    year = (document.date or "")[:4] or "nd"
    digest = hashlib.sha1(document.id.encode("utf-8")).hexdigest()[:6]
    return f"{name.lower() or 'release'}{year}{''.join(title[:1])[:20]}-{digest}"


def to_bibtex(citations: Sequence[Citation]) -> str:
    """A BibTeX file: one @techreport of type "Press release" each (biblatex reads it as @report)."""
    entries = []
    for c in citations:
        year, month = (c.date_parts + [0, 0])[:2]
        fields = {
            "author": _latex(c.publisher, braces=2),  # braced twice: an organisation, not a person
            "title": _latex(c.title, braces=2),  # braced twice: styles keep its capitals
            "institution": _latex(c.publisher), "type": _latex(GENRE), "year": _latex(str(year or "")),
            "month": MONTHS[month - 1] if month else "",  # the standard macro, unbraced: every style knows it
            "date": _latex(c.date or ""), "url": _bibtex_url(c.url), "urldate": _latex(c.accessed),
            "language": _latex(c.lang), "note": _latex(c.note),
        }
        lines = "".join(f"  {name} = {value},\n" for name, value in fields.items() if value)
        entries.append(f"@techreport{{{c.key},\n{lines}}}\n")
    return "\n".join(entries)


def to_ris(citations: Sequence[Citation]) -> str:
    """An RIS file: one RPRT record each, closed by its ER line."""
    records = []
    for c in citations:
        tags = [("TY", "RPRT"), ("ID", c.key), ("TI", c.title), ("AU", c.publisher), ("PB", c.publisher),
                ("M3", GENRE), ("PY", str(c.date_parts[0]) if c.date_parts else ""),
                ("DA", "/".join(f"{p:02d}" for p in c.date_parts)), ("UR", c.url),
                ("Y2", c.accessed.replace("-", "/")), ("LA", c.lang), ("N1", c.note)]
        # A value never spans lines: each line is one tag, and a newline would start a bogus one.
        lines = [f"{tag}  - {_one_line(value)}" for tag, value in tags if value] + ["ER  - "]
        records.append("\r\n".join(lines) + "\r\n")
    return "".join(records)


def to_csl_json(citations: Sequence[Citation]) -> list[dict]:
    """CSL-JSON items, the input of citeproc processors (pandoc, Zotero, citation.js)."""
    items = []
    for c in citations:
        item = {
            "id": c.key, "type": "report", "genre": GENRE, "title": c.title,
            "author": [{"literal": c.publisher}] if c.publisher else [], "publisher": c.publisher,
            "issued": {"date-parts": [c.date_parts]} if c.date_parts else {},
            "accessed": {"date-parts": [[int(p) for p in c.accessed.split("-")]]} if c.accessed else {},
            "URL": c.url, "language": c.lang, "note": c.note,
        }
        items.append({name: value for name, value in item.items() if value})
    return items


def _csl_json_text(citations: Sequence[Citation]) -> str:
    return json.dumps(to_csl_json(citations), ensure_ascii=False, indent=1)


# File suffix: (media type, writer). bib and ris are text, so they name their charset.
FORMATS: dict[str, tuple[str, Callable[[Sequence[Citation]], str]]] = {
    "bib": ("application/x-bibtex; charset=utf-8", to_bibtex),
    "ris": ("application/x-research-info-systems; charset=utf-8", to_ris),
    "csl.json": ("application/vnd.citationstyles.csl+json", _csl_json_text),
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _ascii(text: str) -> str:
    """Letters and digits folded to ASCII (Côte -> Cote), everything else a space."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", " ", folded)


def _day(timestamp: str) -> str:
    """The day of an ISO timestamp, or "" when it is not one."""
    try:
        return datetime.fromisoformat(timestamp).date().isoformat()
    except ValueError:
        return ""


def _latex(text: str, braces: int = 1) -> str:
    """Text as a braced BibTeX value that LaTeX prints as the text ("" for none); letters beyond
    ASCII stay UTF-8, which biber, Zotero and LaTeX all read."""
    if not text:
        return ""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    escaped = _one_line(text).translate(_PAIRED_BRACES if depth == 0 else _LONE_BRACES)
    return "{" * braces + escaped + "}" * braces


def _bibtex_url(url: str) -> str:
    """A url as a braced BibTeX value: verbatim (the url package prints it as is), but with braces,
    which would end the value, and spaces percent-encoded."""
    return "{" + url.replace("{", "%7B").replace("}", "%7D").replace(" ", "%20") + "}" if url else ""
