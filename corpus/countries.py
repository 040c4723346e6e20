"""Which countries a document is about: names, variants and adjectives resolved to one name.

Country names come from pycountry (ISO 3166, maintained upstream); the small tables below add what
ISO leaves out: the short names people write ("Russia", "Iran"), older names ("Burma", "Turkey") and
adjectives ("Kyrgyz", "Chinese"). Matching is case-sensitive so that "turkey" or "chad" in running
text are not countries, and whole-word so that "Niger" is not found inside "Nigeria".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import pycountry

# ISO names that read badly in a list, replaced by the name people use (keyed by alpha-2 code).
DISPLAY = {
    "BO": "Bolivia", "CD": "Democratic Republic of Congo", "CG": "Republic of Congo", "CZ": "Czech Republic",
    "FM": "Micronesia", "GB": "United Kingdom", "IR": "Iran", "KP": "North Korea", "KR": "South Korea",
    "LA": "Laos", "MD": "Moldova", "PS": "Palestine", "RU": "Russia", "SY": "Syria", "TW": "Taiwan",
    "TZ": "Tanzania", "US": "United States", "VE": "Venezuela", "VN": "Vietnam", "TR": "Turkey",
    "CI": "Côte d'Ivoire", "VA": "Holy See", "BN": "Brunei", "SZ": "Eswatini", "MK": "North Macedonia",
}

# Other spellings and adjectives (demonyms), each resolved to an alpha-2 code. Adjectives that are
# also common words or too ambiguous in this corpus ("Indian" for Native Americans, "Georgian" the
# era) are left out on purpose.
VARIANTS = {
    "AF": "Afghan", "AL": "Albanian", "DZ": "Algerian", "AO": "Angolan", "AR": "Argentine|Argentinian",
    "AM": "Armenian", "AU": "Australian", "AT": "Austrian", "AZ": "Azerbaijani|Azeri", "BH": "Bahraini",
    "BD": "Bangladeshi", "BY": "Belarusian|Belarussian", "BE": "Belgian", "BJ": "Beninese",
    "BO": "Bolivian", "BA": "Bosnian|Bosnia", "BW": "Botswanan", "BR": "Brazilian", "BG": "Bulgarian",
    "BF": "Burkinabe|Burkinabè|Burkina", "BI": "Burundian", "KH": "Cambodian", "CM": "Cameroonian",
    "CA": "Canadian", "CF": "Central African Republic|CAR", "TD": "Chadian", "CL": "Chilean",
    "CN": "China|Chinese|People's Republic of China|PRC", "CO": "Colombian|Columbia",
    "CD": "DRC|DR Congo|Democratic Republic of the Congo|Democratic Republic of Congo|Congolese",
    "CG": "Republic of the Congo|Republic of Congo|Congo-Brazzaville",
    "CI": "Ivory Coast|Côte d’Ivoire|Cote d'Ivoire|Ivorian", "HR": "Croatian", "CU": "Cuban",
    "CY": "Cypriot", "CZ": "Czech|Czechia", "DK": "Danish", "DJ": "Djiboutian", "DO": "Dominican Republic",
    "EC": "Ecuadorian", "EG": "Egyptian", "SV": "Salvadoran|Salvadorian", "GQ": "Equatorial Guinean",
    "ER": "Eritrean", "EE": "Estonian", "SZ": "Eswatini|eSwatini|Swaziland", "ET": "Ethiopian",
    "FJ": "Fijian", "FI": "Finnish", "FR": "French", "GA": "Gabonese", "GM": "Gambian|Gambia",
    "DE": "German", "GH": "Ghanaian", "GR": "Greek", "GT": "Guatemalan", "GN": "Guinean", "HT": "Haitian",
    "HN": "Honduran", "HK": "Hong Kong", "HU": "Hungarian", "IN": "India", "ID": "Indonesian",
    "IR": "Iran|Iranian", "IQ": "Iraqi", "IE": "Irish", "IL": "Israeli", "IT": "Italian", "JM": "Jamaican",
    "JP": "Japanese", "JO": "Jordanian", "KZ": "Kazakh|Kazakhstani", "KE": "Kenyan", "KW": "Kuwaiti",
    "KG": "Kyrgyz|Kyrgyzstani|Kirgiz", "LA": "Lao|Laotian", "LV": "Latvian", "LB": "Lebanese",
    "LR": "Liberian", "LY": "Libyan", "LT": "Lithuanian", "MG": "Malagasy", "MW": "Malawian",
    "MY": "Malaysian", "MV": "Maldivian", "ML": "Malian", "MR": "Mauritanian", "MX": "Mexican",
    "MD": "Moldovan", "MN": "Mongolian", "ME": "Montenegrin", "MA": "Moroccan", "MZ": "Mozambican",
    "MM": "Burma|Burmese|Myanmar", "NA": "Namibian", "NP": "Nepali|Nepalese", "NL": "Dutch|Netherlands",
    "NZ": "New Zealander", "NI": "Nicaraguan", "NE": "Nigerien", "NG": "Nigerian", "KP": "North Korean",
    "NO": "Norwegian", "OM": "Omani", "PK": "Pakistani", "PS": "Palestine|Palestinian|Gaza|West Bank",
    "PA": "Panamanian", "PG": "Papua New Guinean", "PY": "Paraguayan", "PE": "Peruvian",
    "PH": "Philippine|Filipino", "PL": "Polish", "PT": "Portuguese", "QA": "Qatari", "RO": "Romanian",
    "RU": "Russia|Russian", "RW": "Rwandan", "SA": "Saudi|Saudi Arabian", "SN": "Senegalese",
    "RS": "Serbian", "SL": "Sierra Leonean", "SG": "Singaporean", "SK": "Slovak|Slovakian",
    "SI": "Slovenian", "SO": "Somali|Somalian", "ZA": "South African", "KR": "South Korean",
    "SS": "South Sudanese", "ES": "Spanish", "LK": "Sri Lankan", "SD": "Sudanese", "SE": "Swedish",
    "CH": "Swiss", "SY": "Syria|Syrian", "TW": "Taiwanese", "TJ": "Tajik|Tajikistani",
    "TZ": "Tanzanian", "TH": "Thai", "TL": "East Timor|Timorese", "TG": "Togolese",
    "TN": "Tunisian", "TR": "Turkey|Turkish|Türkiye", "TM": "Turkmen", "UG": "Ugandan",
    "UA": "Ukrainian", "AE": "UAE|Emirati|United Arab Emirates",
    "GB": "UK|U.K.|Britain|British|England|Scotland|Wales|Northern Ireland",
    "US": "US|U.S.|USA|United States of America", "UY": "Uruguayan",
    "UZ": "Uzbek|Uzbekistani", "VE": "Venezuelan", "VN": "Viet Nam|Vietnamese", "YE": "Yemeni|Yemen",
    "ZM": "Zambian", "ZW": "Zimbabwean", "BN": "Brunei", "VA": "Vatican", "MK": "Macedonian|Macedonia",
}

# A body mention counts when it is in the lead (the opening) or repeated this often: a release about
# Kyrgyzstan that names the United States once in passing is not about the United States.
LEAD_CHARS = 500
BODY_MENTIONS = 3
MAX_COUNTRIES = 6


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Every spelling we recognise, mapped to its one display name."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        display = DISPLAY.get(country.alpha_2) or getattr(country, "common_name", None) or country.name
        for spelling in (country.name, getattr(country, "common_name", None),
                         getattr(country, "official_name", None), display):
            # "Korea, Republic of" is how nobody writes it in prose.
            if spelling and "," not in spelling:
                names.setdefault(spelling, display)
    for code, spellings in VARIANTS.items():
        display = DISPLAY.get(code) or _iso_name(code)
        for spelling in spellings.split("|"):
            names[spelling] = display
    return names


def _iso_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise KeyError(f"unknown country code {code!r} in the variants table")
    return getattr(country, "common_name", None) or country.name


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    # A trie-shaped pattern: ten times faster than a flat alternation of some 600 spellings, and
    # greedy, so "South Sudan" wins over "Sudan" and "Niger" never matches inside "Nigeria".
    return re.compile(rf"(?<![\w.])(?:{_trie_pattern(_names())})(?!\w)")


def _trie_pattern(words: Iterable[str]) -> str:
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)


def display_names() -> list[str]:
    """Every country's one display name, sorted."""
    return sorted(set(_names().values()))


def resolve(name: str) -> str | None:
    """The display name for a country name, variant or adjective, or None if it is not one."""
    text = " ".join(name.split())
    names = _names()
    if text in names:
        return names[text]
    return _folded_names().get(text.casefold())


@lru_cache(maxsize=1)
def _folded_names() -> dict[str, str]:
    """`_names` keyed case-insensitively (built once: resolve runs for every tag of every result)."""
    return {k.casefold(): v for k, v in _names().items()}


def mentions(text: str) -> Counter[str]:
    """Count the countries named in `text`, by display name."""
    names = _names()
    return Counter(names[m.group()] for m in _pattern().finditer(text))


# Spellings that are also everyday words: in a lowercase query they mean the word, not the country.
_WORDS = frozenset({"us", "car", "chad", "turkey", "jordan", "guinea", "lao"})


@lru_cache(maxsize=1)
def _folded_pattern() -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.])(?:{_trie_pattern(_folded_names())})(?!\w)")


def named_in_query(query: str) -> tuple[str, ...]:
    """The countries a search names, in order, however it is cased ("kyrgyzstan" too).

    People type queries in lowercase, so case cannot tell "Turkey" from "turkey" here as it does in
    prose; spellings that are everyday words count only when capitalised.
    """
    found: dict[str, None] = {}
    folded = query.casefold()
    # Casefolding can change lengths ("ß" -> "ss"); then the written form is not at the same place.
    aligned = len(folded) == len(query)
    for match in _folded_pattern().finditer(folded):
        written = query[match.start():match.end()] if aligned else match.group()
        if match.group() in _WORDS and written == written.lower():
            continue
        found[_folded_names()[match.group()]] = None
    return tuple(found)


def countries_of(title: str, body: str, labels: Iterable[str] = ()) -> tuple[str, ...]:
    """The countries a document is about, most prominent first.

    `labels` are values someone assigned (tags, a data set's country field); any that is a country
    counts. So does a country in the title, or one named in the lead or repeatedly in the body.
    """
    score: Counter[str] = Counter()
    for label in labels:
        found = resolve(label)
        if found:
            score[found] += 100
    for country, n in mentions(title).items():
        score[country] += 50 * n
    lead = mentions(body[:LEAD_CHARS])
    for country, n in mentions(body).items():
        if n >= BODY_MENTIONS or country in lead or country in score:
            score[country] += n
    return tuple(c for c, _ in sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_COUNTRIES])
