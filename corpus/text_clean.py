"""Clean release text that was scraped elsewhere: find its title, date and tags, drop page clutter.

Plain-text scrapes (`corpus import FILE.txt`), JSON Lines bodies and the HTML cleaner's output all
pass through `clean_text`. It works from the shape of the text, never from one site's strings:

- leading tag labels: short comma-separated lists of names, or lines starting with ", ", above
  the title;
- the title: the first line that is not a label (when none is given);
- the date: a dateline opening the first paragraph, "(Geneva, 27 September 2013) –";
- trailing blocks, removed only from the end of the text: a "Related articles"-like heading with
  the teasers after it, a newsletter box (a call to subscribe addressed to the reader), a share box;
- clutter lines anywhere ("ADVERTISEMENT", "Photo: AFP") and clutter glued to a paragraph
  ("Click to expand Image", "Show Caption Hide Caption", a trailing "© 2023 NAME/AGENCY").

A paragraph of the release is never removed: rules match whole clutter lines or phrases, and the
trailing blocks must look like boxes (short paragraphs after a heading, at the end).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from corpus.dates import date_from_text

# "Related articles", "Related content", "Read more", "More news", "Latest news", "See also"...; and in
# French ("Articles liés", "À lire aussi", "Sur le même sujet") and Spanish ("Artículos relacionados",
# "Te puede interesar", "Más noticias").
_RELATED_HEADING = re.compile(
    r"(related|similar|recommended|more|latest|further|other)\s+(articles?|content|stories|news|posts?|reading"
    r"|coverage|updates|releases|from \w+(\s+\w+)?)|read more|read next|see also|you (may|might) also like"
    r"|more on this( topic)?|related"
    r"|(articles?|contenus?|actualités) (liée?s?|similaires|connexes|associée?s?)|(à |a )?lire aussi"
    r"|voir aussi|sur le même (sujet|thème)|dans la même rubrique|(plus d['’]|autres |dernières )actualités"
    r"|lire la suite|pour aller plus loin"
    r"|(artículos|noticias|contenidos?|entradas|publicaciones) (relacionad[oa]s|similares)"
    r"|(te|le) (puede|podría) interesar|(lee|lea|leer|ver|véase) también|(más|otras|últimas) noticias"
    r"|leer más|sigue leyendo",
    re.I,
)
# "Related article: <title>" on one line, as some sites print a single teaser.
_RELATED_TEASER = re.compile(
    r"(related|read more|read next|see also)(\s+(articles?|stories|content|news))?\s*:\s*\S"
    r"|(article lié|(à )?lire aussi|voir aussi|artículo relacionado|(lee|lea|ver) también)\s*:\s*\S",
    re.I,
)
_TEASER_MAX = 700  # characters: a teaser's title or lead; a release paragraph may be longer
_TEASERS_MAX = 12  # paragraphs after a related heading
# A call to subscribe: words about subscribing, addressed to the reader, and not in a quotation.
_SUBSCRIBE = re.compile(
    r"subscri|sign(ing)? up|newsletter|updates|informed|stay in the loop|mailing list|inbox"
    r"|abonn|inscri|lettre d['’]information|infolettre|informé|suscri|bolet[ií]n|informad[oa]|al día"
    r"|recibir información",
    re.I,
)
_READER = re.compile(
    r"\byour (e-?mail|inbox)\b|\benter your\b|\be-?mail address\b|\b(subscribe|sign up)\s+(now|today|here)\b"
    r"|\b(sign up|subscribe|register)\s+(to|for)\s+(our|the latest)\b|\bsubscribe\W*$"
    r"|\bthank you for subscribing\b"
    r"|\bvotre (adresse )?(e-?mail|courriel|électronique)\b|\b(abonnez|inscrivez)-vous\b"
    r"|\bmerci de votre inscription\b"
    r"|\b(tu|su) (dirección de )?(correo|e-?mail)\b|\bsuscr[ií]bete\b|\bgracias por suscribirte\b",
    re.I,
)
# A sign-up form's prompt: "enter your email", "saisissez votre adresse e-mail", "introduce tu correo".
_FORM = re.compile(
    r"\b(enter|type|provide) your e-?mail\b"
    r"|\b(saisissez|entrez|indiquez|renseignez) votre (adresse )?(e-?mail|courriel|électronique)\b"
    r"|\b(introduce|introduzca|ingresa|ingrese|escribe) (tu|su) (dirección de )?(correo|e-?mail)\b",
    re.I,
)
_QUOTED = re.compile(r"[“”\"‘«»]|\b(said|says|told|a déclaré|a affirmé|declaró|dijo|afirmó)\b")
_CALL_LINE = re.compile(
    r"(subscribe|sign up|newsletter|e-?mail( address)?|subscribe now|join us"
    r"|s['’]abonner|s['’]inscrire|abonnez-vous|inscrivez-vous|courriel|suscr[ií]bete|suscribirse|bolet[ií]n"
    r"|correo electrónico)\W*",
    re.I,
)
_BOX_HEADING = re.compile(
    r"[¡¿]?(stay in the loop|stay (informed|updated|connected|in touch)|keep in touch|newsletters?"
    r"|get (our|the latest)( \w+){0,2}|sign up( \w+){0,4}|subscribe( \w+){0,4}|follow us( on \w+)?"
    r"|join (us|our mailing list)"
    r"|restez (informé\S*|connecté\S*|en contact)|(abonnez|inscrivez)-vous( \S+){0,4}|suivez-nous( sur \w+)?"
    r"|(notre |la )?(lettre d['’]information|infolettre)"
    r"|mantente (al día|informad[oa]s?|en contacto)|suscr[ií]bete( \w+){0,4}|(nuestro )?bolet[ií]n( \w+){0,3}"
    r"|s[ií]guenos( en \w+)?)\W*",
    re.I,
)
_NETWORKS = (
    r"facebook|twitter|x|linkedin|whatsapp|telegram|reddit|pinterest|tumblr|pocket|skype|email|e-mail|print"
    r"|tweet|share|copy link|messenger|bluesky|mastodon"
    r"|courriel|imprimer|partager|copier le lien|correo( electrónico)?|imprimir|compartir|copiar enlace"
)
_SHARE = re.compile(
    rf"((share( this( article| page| story)?| on| via)?|partager( cet article| sur| via)?"
    rf"|compartir( este artículo| en)?)\s*:?\s*)((\b({_NETWORKS})\b)[\s,|:]*)*",
    re.I,
)
_NETWORK_LINE = re.compile(rf"((\b({_NETWORKS})\b)[\s,|:]*)+", re.I)
_RIGHTS_LINE = re.compile(
    r".{0,80}\b(all rights reserved|tous droits réservés|todos los derechos reservados)\b.{0,80}", re.I
)
# Whole clutter lines, wherever they are.
_AD_LINE = re.compile(r"(advertisement|advertising( read more)?|sponsored( content)?|ad)\W*", re.I)
_PHOTO_LINE = re.compile(
    r"\(?((photo|image|picture)s?( credit)?\s*:|photo(graph)?s? by)\s*[^.!?]{1,80}\)?|\(?©[^.!?]{1,80}\)?",
    re.I,
)
# Clutter glued to a paragraph.
_EXPAND = re.compile(r"^click to expand (image|video|photo)\s*", re.I)
_CAPTION_BUTTONS = re.compile(r"\s*\bshow caption hide caption\b\s*", re.I)
# A credit: "© 2023 NAME/AGENCY", "Image © Maxar", "(c) Shutterstock" ("(c) of the Convention" is law).
_CREDIT_MARK = re.compile(
    r"((image|graphic|data|map|photo|analysis and graphic)\s+)?(©|\(c\)(?=\s*(\d{4}\s+)?[A-Z])"
    r"|copyright\s+(©\s*)?\d{4})", re.I
)
_CREDIT_MAX = 200  # characters from the credit's mark to the paragraph's end
_PHOTO_END = re.compile(r"(?<=[.!?”\"’)])\s+\(?photo\s*:\s*[^.!?()\n]{1,60}\)?$", re.I)
# In a photo caption, a credit whose © the scrape lost ("...Qatar.  2018 Name / Agency").
_BARE_CREDIT_END = re.compile(r"(?<=[.!?”\"’])\s{2,}\d{4}\s+[^.!?\n]{1,120}$")
# A dateline: "(Geneva, 27 September 2013) –" or "Geneva, 27 September 2013 –" or "(New York) –".
_DATELINE = re.compile(r"^\(?\s*[A-Z][^()\n,]{1,40},\s*(?P<date>[^()\n]{6,30}?)\s*\)?\s*[–—-]")
# A tag label: a short capitalised name; several on one line are comma-separated.
_LABEL_ITEM = re.compile(r"[A-Z][\w'’.&/-]*(\s+[\w'’.&/-]+){0,4}")


@dataclass(frozen=True)
class CleanText:
    """What the text cleaner found: title, date and tags (when the text gives them) and the body."""

    title: str
    body: str
    date: str | None = None
    tags: tuple[str, ...] = ()
    # How many times each rule fired ("related", "newsletter", "credit", ...); empty when nothing changed.
    rules: Counter[str] = field(default_factory=Counter, compare=False)


def clean_text(text: str, *, title: str | None = None, date: str | None = None) -> CleanText:
    """Clean one release's text; with `title` given, the text is a body and keeps its first line.

    Without a title, leading label lines become tags and the first other line is the title. The
    date is `date` when given, else the dateline's. Cleaning cleaned text changes nothing.
    """
    rules: Counter[str] = Counter()
    given = title is not None
    paragraphs = _paragraphs(text)
    tags: tuple[str, ...] = ()
    if title is None:
        tags, title, paragraphs = _header(paragraphs, rules)
    paragraphs = [p for p in (_unglue(p, rules) for p in paragraphs) if p and not _clutter_line(p, rules)]
    paragraphs = _strip_tail(paragraphs, rules)
    rules = +rules  # only the rules that fired
    # Nothing found: the text stays as given, blank lines and all.
    body = "\n\n".join(paragraphs) if rules or not given else text.strip()
    for paragraph in paragraphs[:2] if date is None else ():  # the first may be a photo caption
        if (m := _DATELINE.match(paragraph)) and (date := date_from_text(m["date"])):
            break
    return CleanText(title=" ".join(title.split()), body=body, date=date, tags=tags, rules=rules)


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs; a text without blank lines has one paragraph a line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    blocks = re.split(r"\n[ \t\u00a0]*\n", text)
    if len(blocks) == 1:
        blocks = text.split("\n")
    return [b.strip() for b in blocks if b.strip()]


def _header(paragraphs: list[str], rules: Counter[str]) -> tuple[tuple[str, ...], str, list[str]]:
    """Leading tag labels and the title of a plain-text release; the rest is the body."""
    lines = paragraphs[0].splitlines() if paragraphs else []
    rest = paragraphs[1:]
    labels: list[str] = []
    # The header's lines before the first paragraph; the last of them is never a label (it is the title).
    while len(lines) > 1 or (lines and rest and _is_label(lines[0]) and _title_like(rest[0])):
        # "Belarus" above ", Women's rights" is the first label of a list that goes on.
        continued = len(lines) > 1 and lines[1].lstrip().startswith(",") and _is_label(f"{lines[0]},")
        if not (_is_label(lines[0]) or continued):
            break
        labels += [t.strip() for t in lines.pop(0).split(",") if t.strip()]
        if not lines:
            lines, rest = rest[0].splitlines(), rest[1:]
    if labels:
        rules["labels"] += 1
    title = lines[0].strip() if lines else ""
    if len(lines) > 1:
        rest = ["\n".join(lines[1:]), *rest]
    return tuple(dict.fromkeys(labels)), title, rest


def _is_label(line: str) -> bool:
    """A line of tag labels: ", Europe", or "China, Pakistan" (short capitalised names)."""
    line = line.strip()
    items = [i.strip() for i in line.split(",")]
    if not line.startswith(",") and len(items) < 2:
        return False
    items = [i for i in items if i]  # ", Europe" goes on a list; "Belarus," starts one
    return len(line) <= 120 and all(len(i) <= 40 and _LABEL_ITEM.fullmatch(i) for i in items)


def _title_like(paragraph: str) -> bool:
    return "\n" not in paragraph and len(paragraph) <= 250 and not paragraph.endswith((".", ":", ";"))


def _unglue(paragraph: str, rules: Counter[str]) -> str:
    """Remove clutter phrases glued to a paragraph, keeping its own words."""
    text, n = _EXPAND.subn("", paragraph)
    rules["expand-image"] += n
    expanded = bool(n)
    text, n = _CAPTION_BUTTONS.subn(" ", text)
    rules["caption-buttons"] += n
    if (start := _credit_start(text, expanded)) is not None:
        text = text[:start].rstrip(" ,;")
        rules["credit"] += 1
    elif expanded and (m := _BARE_CREDIT_END.search(text)):
        text = text[: m.start()]
        rules["credit"] += 1
    # Only a credit after some words: a paragraph that is all credit is a clutter line.
    if (m := _PHOTO_END.search(text)) and m.start() > 0:
        text = text[: m.start()]
        rules["photo-credit"] += 1
    return text.strip() if text != paragraph else paragraph


def _credit_start(text: str, caption: bool) -> int | None:
    """Where a photo credit that runs to the end of a paragraph starts, or None.

    The credit follows a sentence (or, in a caption, a comma), and every sentence after its mark
    is credit too ("© 2024 Airbus. Google Earth. Graphic © HRW."), so caption text is never cut.
    """
    for m in _CREDIT_MARK.finditer(text):
        before, tail = text[: m.start()].rstrip(), text[m.start():]
        if not before or len(tail) > _CREDIT_MAX:
            continue
        after_sentence = before.endswith((".", "!", "?", "”", '"', "’", ")"))
        after_sentence |= caption and before.endswith((",", ";"))
        if not after_sentence and (len(tail) > 120 or tail.endswith((".", ";", ":", ","))):
            continue
        sentences = re.split(r"(?<=[.!?])\s+", tail)
        if all(_CREDIT_MARK.search(s) or len(s.split()) <= 3 for s in sentences):
            return m.start()
    return None


def _clutter_line(paragraph: str, rules: Counter[str]) -> bool:
    """Whether a whole paragraph is an advertising or photo-credit line."""
    for rule, pattern in (("advertising", _AD_LINE), ("photo-credit", _PHOTO_LINE)):
        if pattern.fullmatch(paragraph):
            rules[rule] += 1
            return True
    return False


def _strip_tail(paragraphs: list[str], rules: Counter[str]) -> list[str]:
    """Remove teaser, newsletter and share boxes from the end, one box at a time."""
    out = list(paragraphs)
    while len(out) > 1:
        last = out[-1]
        if _SHARE.fullmatch(last) or _NETWORK_LINE.fullmatch(last):
            rules["share"] += 1
            out.pop()
        elif _is_call(last):
            rules["newsletter"] += 1
            out.pop()
            while len(out) > 1 and len(out[-1]) <= 80 and _BOX_HEADING.fullmatch(out[-1]):
                out.pop()
        elif _RIGHTS_LINE.fullmatch(last) or (len(last) <= 250 and _RELATED_TEASER.match(last)):
            rules["related" if _RELATED_TEASER.match(last) else "rights"] += 1
            out.pop()
        elif (cut := _related_block(out)) is not None:
            rules["related"] += 1
            del out[cut:]
        else:
            break
    return out


def _is_call(paragraph: str) -> bool:
    """A newsletter box's paragraph: short, and asking the reader to subscribe."""
    if len(paragraph) > 400:
        return False
    if _CALL_LINE.fullmatch(paragraph):
        return True
    if _QUOTED.search(paragraph):
        return False
    return bool(_FORM.search(paragraph) or _SUBSCRIBE.search(paragraph) and _READER.search(paragraph))


def _related_block(paragraphs: list[str]) -> int | None:
    """Where a trailing "Related articles" block starts: a heading, then short teasers to the end."""
    for i in range(len(paragraphs) - 2, max(0, len(paragraphs) - 2 - _TEASERS_MAX), -1):
        heading = paragraphs[i].rstrip(":!. ")
        if len(heading) <= 40 and _RELATED_HEADING.fullmatch(heading):
            teasers = paragraphs[i + 1:]
            release = sum(len(p) for p in paragraphs[:i])
            if all(len(t) <= _TEASER_MAX for t in teasers) and sum(len(t) for t in teasers) < release:
                return i
            return None
    return None
