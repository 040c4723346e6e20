"""UN document symbols: real symbol forms and their variants, near-misses, citations in words.

The tables are the test set `bench/symbols_report.py` measures precision and recall on: each case is
a text and the normalised symbols `find_symbols` must return for it, in order.
"""

from __future__ import annotations

import pytest

from corpus.symbols import BODIES, TREATY_BODIES, Symbol, find_symbols

# Symbols as written, with the variants sources use.
WRITTEN = [
    ("The Council adopted A/HRC/RES/24/24 on reprisals.", ["A/HRC/RES/24/24"]),
    ("See resolution A/HRC/RES/24/ 24.", ["A/HRC/RES/24/24"]),
    ("draft resolution A / HRC / 55 / L.12 on Sri Lanka", ["A/HRC/55/L.12"]),
    ("a/hrc/res/24/24", ["A/HRC/RES/24/24"]),
    ("A/HRC/RES/24/\u00a024", ["A/HRC/RES/24/24"]),
    ("(A/HRC/55/L.12).", ["A/HRC/55/L.12"]),
    ("the draft (A/HRC/55/L. 12), tabled by", ["A/HRC/55/L.12"]),
    ("report A/HRC/56/25/Add.1, para. 12", ["A/HRC/56/25/Add.1"]),
    ("report A/HRC/56/25.Add.1;", ["A/HRC/56/25/Add.1"]),
    ("A/HRC/55/L.12/Rev.1", ["A/HRC/55/L.12/Rev.1"]),
    ("A/HRC/54/L.3/corr.1", ["A/HRC/54/L.3/Corr.1"]),
    ("Report of the Special Rapporteur on Afghanistan, A/HRC/56/25 (13 May 2024).", ["A/HRC/56/25"]),
    ("UN Doc. A/HRC/40/CRP.1", ["A/HRC/40/CRP.1"]),
    ("A/HRC/RES/S-35/1", ["A/HRC/RES/S-35/1"]),
    ("decision A/HRC/DEC/2/102", ["A/HRC/DEC/2/102"]),
    ("UPR national report A/HRC/WG.6/44/CHN/1", ["A/HRC/WG.6/44/CHN/1"]),
    ("S/RES/2664 (2022)", ["S/RES/2664"]),
    ("S/RES/2664(2022) and S/RES/1325 (2000),", ["S/RES/2664", "S/RES/1325"]),
    ("s/res/2417 (2018)", ["S/RES/2417"]),
    ("S/PRST/2021/21", ["S/PRST/2021/21"]),
    ("letter S/2024/286 to the Council", ["S/2024/286"]),
    ("A/RES/60/251", ["A/RES/60/251"]),
    ("A/RES/ES-10/21 on Gaza", ["A/RES/ES-10/21"]),
    ("A/RES/217 (III)", ["A/RES/217(III)"]),
    ("A/C.3/78/L.39", ["A/C.3/78/L.39"]),
    ("the Secretary-General's report A/78/254", ["A/78/254"]),
    ("E/CN.4/2005/L.10", ["E/CN.4/2005/L.10"]),
    ("E/CN.4/RES/2005/69", ["E/CN.4/RES/2005/69"]),
    ("the Guiding Principles, E/CN.4/1998/53/Add.2.", ["E/CN.4/1998/53/Add.2"]),
    ("E/CN.4/Sub.2/2005/17", ["E/CN.4/Sub.2/2005/17"]),
    ("e/cn.4/sub.2/2005/17", ["E/CN.4/Sub.2/2005/17"]),
    ("E/RES/1996/31", ["E/RES/1996/31"]),
    ("E/CN.6/2024/3", ["E/CN.6/2024/3"]),
    ("CCPR/C/CHN/CO/1", ["CCPR/C/CHN/CO/1"]),
    ("CCPR/C/CHN-HKG/CO/4", ["CCPR/C/CHN-HKG/CO/4"]),
    ("ccpr/c/gc/37", ["CCPR/C/GC/37"]),
    ("CAT/C/CHN/CO/5", ["CAT/C/CHN/CO/5"]),
    ("CAT/OP/MDV/1", ["CAT/OP/MDV/1"]),
    ("CEDAW/C/PAK/CO/5", ["CEDAW/C/PAK/CO/5"]),
    ("CERD/C/CHN/CO/14\u201317", ["CERD/C/CHN/CO/14-17"]),
    ("CRC/C/GC/25", ["CRC/C/GC/25"]),
    ("E/C.12/GC/24", ["E/C.12/GC/24"]),
    ("CRPD/C/GC/7", ["CRPD/C/GC/7"]),
    ("CMW/C/MEX/CO/3", ["CMW/C/MEX/CO/3"]),
    ("CED/C/MEX/CO/1", ["CED/C/MEX/CO/1"]),
    ("HRI/GEN/1/Rev.9", ["HRI/GEN/1/Rev.9"]),
    ("A\uff0fHRC\uff0f56\uff0f25", ["A/HRC/56/25"]),
    ("A/HRC/\u00ad56/25", ["A/HRC/56/25"]),
    ("https://undocs.org/en/A/HRC/56/25", ["A/HRC/56/25"]),
    ("https://docs.un.org/en/S/RES/2664(2022)", ["S/RES/2664"]),
    ("A/HRC/56/25 / A/HRC/56/26", ["A/HRC/56/25", "A/HRC/56/26"]),
    ("UN Doc A/HRC/RES/52/2 (2023)", ["A/HRC/RES/52/2"]),
    ("(see UN doc. CCPR/C/RUS/CO/8, para 23)", ["CCPR/C/RUS/CO/8"]),
    ("General Recommendation No. 35 (CEDAW/C/GC/35)", ["CEDAW/C/GC/35"]),
    ("A/HRC/55/L.30/Rev.1.", ["A/HRC/55/L.30/Rev.1"]),
    ("CRC/C/GBR/CO/6-7", ["CRC/C/GBR/CO/6-7"]),
    ("A/HRC/WG.6/45/SAU/1.", ["A/HRC/WG.6/45/SAU/1"]),
    ("A/77/L.58", ["A/77/L.58"]),
    ("A/RES/76/300 on the right to a healthy environment", ["A/RES/76/300"]),
    ("S/2023/1033", ["S/2023/1033"]),
    ("S/PV.9999 and A/78/PV.12", ["S/PV.9999", "A/78/PV.12"]),
    ("E/CN.4/2006/120", ["E/CN.4/2006/120"]),
    ("E/C.12/CHN/CO/3", ["E/C.12/CHN/CO/3"]),
    ("CCPR/C/21/Rev.1/Add.13", ["CCPR/C/21/Rev.1/Add.13"]),
    ("Report of the Working Group (A/HRC/54/5) was presented.", ["A/HRC/54/5"]),
    ("A/HRC/49/L.5/Add.1", ["A/HRC/49/L.5/Add.1"]),
    ("CAT/C/USA/CO/3-5", ["CAT/C/USA/CO/3-5"]),
    ("CERD/C/GC/36", ["CERD/C/GC/36"]),
    ("E/CN.4/2004/L.11/Add.7", ["E/CN.4/2004/L.11/Add.7"]),
    ("CRC/C/OPAC/ISR/CO/1", ["CRC/C/OPAC/ISR/CO/1"]),
    ("S/RES/2728 (2024).", ["S/RES/2728"]),
    ("A/HRC/RES/24/24 and A/HRC/RES/24/24/Add.1", ["A/HRC/RES/24/24", "A/HRC/RES/24/24/Add.1"]),
    ("OHCHR report A/HRC/57/21, published in August", ["A/HRC/57/21"]),
    ("As the Human Rights Committee noted in CCPR/C/GC/36, para. 10", ["CCPR/C/GC/36"]),
    ("A/HRC/RES/55/1 and A/HRC/RES/55/1/Corr.1", ["A/HRC/RES/55/1", "A/HRC/RES/55/1/Corr.1"]),
    ("CRPD/C/GBR/CO/1.", ["CRPD/C/GBR/CO/1"]),
    ("CED/C/IRQ/OAI/1", ["CED/C/IRQ/OAI/1"]),
    ("S/2024/1/Add.1", ["S/2024/1/Add.1"]),
    ("A/HRC/RES/24/24; a/hrc/res/24/24 again", ["A/HRC/RES/24/24"]),
]

# Things that look like symbols and are not.
NEAR_MISSES = [
    "Open 24/24 and 7/7.",
    "Only 1/2 of the population voted.",
    "lawyers and/or relatives",
    "S/he was detained.",
    "The A/C was broken in the cell.",
    "See https://example.org/A/HRC/56/25 for details.",
    "Saved as /home/user/A/HRC/56/25.txt",
    "see pages 24/25 and p. 12/13",
    "A/B testing of the campaign",
    "The CRC/C series is long.",
    "A/HRC/RES without a number",
    "Her grade was A/5.",
    "Ref. E/1234 in the archive",
    "after the 9/11 attacks",
    "in 3/2024, a ratio of 3/4",
    "the ICCPR/C/1 typo",
    "S/N 12345 on the device",
    "CAT/dog/1",
    r"C:\A\HRC\56\25",
    "the 2/3 majority",
    "COVID-19/Omicron",
    "article 19/2",
    "Law No. 24/2024",
    "A/HRC/RES/24/24A",
    "ACHPR/Res.275(LV)2014",
    "at 10/10 on the scale",
    "Form A/1 is attached",
    "Section S/4 of the law",
    "A/20/24",  # session-numbered symbols start with the 31st session
    "Fig. A/2 and table S/3",
    "E/CN.4 in general",
]

# Resolutions cited in words, where the body is clear.
IN_WORDS = [
    ("Human Rights Council resolution 30/1 was adopted by consensus.", ["A/HRC/RES/30/1"]),
    ("he backed HRC resolution 30/1, which", ["A/HRC/RES/30/1"]),
    ("the UN Human Rights Council Resolution 47/16, which denounces", ["A/HRC/RES/47/16"]),
    ("UNHRC res. 30/1", ["A/HRC/RES/30/1"]),
    ("The Human Rights Council met in Geneva.\nThe Council adopted resolution 24/24 on reprisals.",
     ["A/HRC/RES/24/24"]),
    ("Resolution 46/1 was adopted by the Human Rights Council in 2021.", ["A/HRC/RES/46/1"]),
    ("resolutions 24/24 and 30/1 of the Human Rights Council", ["A/HRC/RES/24/24", "A/HRC/RES/30/1"]),
    ("Human Rights Council resolutions 24/24, 27/31 and 30/1",
     ["A/HRC/RES/24/24", "A/HRC/RES/27/31", "A/HRC/RES/30/1"]),
    ("General Assembly Resolution 78/241 acknowledges", ["A/RES/78/241"]),
    ("UNGA resolution 78/241", ["A/RES/78/241"]),
    ("in response to Resolution 78/241 on weapons adopted by the UN General Assembly", ["A/RES/78/241"]),
    ("General Assembly resolution ES-10/21", ["A/RES/ES-10/21"]),
    ("General Assembly resolution 194 (III)", ["A/RES/194(III)"]),
    ("Security Council resolution 2664", ["S/RES/2664"]),
    ("the UN Security Council\u2019s resolution 2736 and", ["S/RES/2736"]),
    ("as set out in UN Security Council resolution 1325, including", ["S/RES/1325"]),
    ("UNSCR 1325", ["S/RES/1325"]),
    ("Security Council resolutions 1325 (2000) and 1820 (2008)", ["S/RES/1325", "S/RES/1820"]),
    ("Letter to the UN Security Council.\n\nWomen's rights must be restored, as per Resolution 2681 (2023).",
     ["S/RES/2681"]),
    ("The UN Security Council met.\n\nIn December 2022, the council adopted Resolution 2669.",
     ["S/RES/2669"]),
    ("Commission on Human Rights resolution 2005/69", ["E/CN.4/RES/2005/69"]),
    ("ECOSOC resolution 1996/31", ["E/RES/1996/31"]),
    ("UN General Assembly resolution 76/300", ["A/RES/76/300"]),
    ("the Human Rights Council adopted resolution 48/13 on the environment", ["A/HRC/RES/48/13"]),
    ("HRC Res 48/13", ["A/HRC/RES/48/13"]),
    ("UN Human Rights Council resolutions 51/1 and 54/2", ["A/HRC/RES/51/1", "A/HRC/RES/54/2"]),
    ("UN Security Council Resolution 2334 (2016) condemns settlements", ["S/RES/2334"]),
    ("Security Council members voted on resolution 2728 on Gaza.", ["S/RES/2728"]),
    ("The Assembly adopted resolution ES-10/22 at its emergency special session. The UN General Assembly",
     ["A/RES/ES-10/22"]),
    ("UN Security Council Resolution No. 2231", ["S/RES/2231"]),
    ("UNSC resolution 2231", ["S/RES/2231"]),
    ("U.N. Security Council Resolution 2401", ["S/RES/2401"]),
    ("the United Nations General Assembly adopted resolution 77/247 requesting an opinion", ["A/RES/77/247"]),
    ("In resolution 77/247, the General Assembly asked the ICJ.", ["A/RES/77/247"]),
    ("the UN rights council's resolution 51/1", ["A/HRC/RES/51/1"]),
    ("The Council's resolution 2417 (2018) on starvation, the UN Security Council said", ["S/RES/2417"]),
    ("HRC resolutions 45/31, 48/20 and 51/23", ["A/HRC/RES/45/31", "A/HRC/RES/48/20", "A/HRC/RES/51/23"]),
    ("Security Council resolutions 2467 and 2106", ["S/RES/2467", "S/RES/2106"]),
    ("the Commission's resolution 2005/69 on impunity. The UN Commission on Human Rights",
     ["E/CN.4/RES/2005/69"]),
    ("The Security Council's resolution 2730 (2024) on humanitarian workers", ["S/RES/2730"]),
    ("Under General Assembly resolution 60/251, the Council", ["A/RES/60/251"]),
    ("ICJ Order of 26 January 2024; UN Security Council resolution 2728 (2024)", ["S/RES/2728"]),
    ("In 2023, the Human Rights Council renewed the mandate (resolution 54/15).", ["A/HRC/RES/54/15"]),
    ("the HRC\u2019s resolution 53/1 on religious hatred", ["A/HRC/RES/53/1"]),
    ("UN General Assembly Resolution 3379 (XXX)", ["A/RES/3379(XXX)"]),
    ("the Council adopted resolution 5/1. The UN Human Rights Council", ["A/HRC/RES/5/1"]),
    ("The U.N. Security Council adopted resolution 2254 on Syria.", ["S/RES/2254"]),
    ("ECOSOC Res. 1503 (XLVIII)", ["E/RES/1503(XLVIII)"]),
    ("the Security Council (UNSC) resolution 2231", ["S/RES/2231"]),
    ("S/RES/2664 (2022), that is Security Council resolution 2664", ["S/RES/2664"]),
]

# Resolutions cited in words whose body is not clear, or is not the UN's: nothing is linked.
NO_CLEAR_BODY = [
    "Resolution 24/24 was adopted.",
    "The council adopted resolution 24/24.",
    "UN General Assembly Resolution 194 and the Covenant",  # no session: which "194"?
    "The European Parliament resolution 2019/2876 condemned the arrests.",
    "It violates UN resolution 2334.",
    "The National Security Council passed resolution 12. The UN Security Council did not.",
    "Human Rights Council resolution 2664",  # not a Council number
    "General Assembly resolution 30/1",  # session/number only from the 31st session
    "the Inter-American Commission on Human Rights Resolution 1/2020",
    "The General Assembly and the Human Rights Council both cite resolution 46/1.",
    "as per Resolution 2681 (2023)",  # no Security Council in the text
    "At a meeting, the Peace and Security Council adopted resolution 2719. The UN Security Council did not.",
    "The Kampala City Council debated. The UN Security Council met. The council adopted resolution 12.",
    "Argentina's Security Ministry Resolution 943/2023 and the UN Security Council",
    "the Council of Europe resolution 2417 (2022), the UN Security Council",
    "decree 12/2023 of the Council of Ministers",
    "the Council of Ministers' resolution 34/2",
    "the city council resolution 5/2 and the Human Rights Council",
    "IACHR Resolution 1/2020",
    "the African Commission adopted Resolution 275 in 2014. The UN Security Council also met.",
    "Resolution 2231 (2015) endorsed the JCPOA",
    "the Assembly of States Parties adopted resolution ICC-ASP/20/Res.5",
    "the Human Rights Council of Australia cited resolution 12/3",
    "Resolution 1/2020 of the Inter-American Commission",
    "the OAS General Assembly resolution AG/RES. 2908",
    "items 4/5 and 6/7 of the agenda of the Human Rights Council",
    "The Security Council visit lasted 3/4 of the week.",
    "CEDAW Committee resolution 5",
    "a resolution 24/24 was tabled in Parliament",
    "PACE resolution 2417 (2022) and the UN Security Council",
    "EU Council resolution 12/2023 and the UN Human Rights Council",
    "Resolution 54/15 renewed the mandate.",
    "GA resolution 78/241",  # "GA" alone is too short a name to trust
    "Kenya\u2019s National Assembly passed resolution 14 of 2023",
    "The Assembly of Kosovo adopted resolution 05-V-123",
    "The Commission on Human Rights in South Sudan cited resolution 2005/69.",
]


@pytest.mark.parametrize(("text", "symbols"), WRITTEN + IN_WORDS)
def test_symbols_are_found_and_normalised(text: str, symbols: list[str]) -> None:
    assert [found.symbol for found in find_symbols(text)] == symbols


@pytest.mark.parametrize("text", NEAR_MISSES + NO_CLEAR_BODY)
def test_near_misses_and_unclear_bodies_are_not_symbols(text: str) -> None:
    assert find_symbols(text) == []


def test_the_test_set_is_as_large_as_promised() -> None:
    assert len(WRITTEN) >= 40 and len(NEAR_MISSES) >= 15 and len(IN_WORDS) >= 15 and len(NO_CLEAR_BODY) >= 10


def test_a_symbol_keeps_its_body_citation_and_link() -> None:
    text = ("The Human Rights Council (A/HRC/RES/24/24) and HRC resolution 30/1; "
            "Security Council resolution 2664 (2022); CCPR/C/CHN-HKG/CO/4; A/RES/217 (III).")
    assert find_symbols(text) == [
        Symbol("A/HRC/RES/24/24", "Human Rights Council", "A/HRC/RES/24/24"),
        Symbol("A/HRC/RES/30/1", "Human Rights Council", "HRC resolution 30/1", in_words=True),
        Symbol("S/RES/2664", "Security Council", "Security Council resolution 2664 (2022)", True, 2022),
        Symbol("CCPR/C/CHN-HKG/CO/4", "Human Rights Committee", "CCPR/C/CHN-HKG/CO/4"),
        Symbol("A/RES/217(III)", "General Assembly", "A/RES/217 (III)"),
    ]
    urls = [found.url for found in find_symbols(text)]
    assert urls == [
        "https://docs.un.org/en/A/HRC/RES/24/24", "https://docs.un.org/en/A/HRC/RES/30/1",
        "https://docs.un.org/en/S/RES/2664(2022)", "https://docs.un.org/en/CCPR/C/CHN-HKG/CO/4",
        "https://docs.un.org/en/A/RES/217(III)",
    ]


def test_cited_as_is_the_original_text_even_with_invisible_characters() -> None:
    [found] = find_symbols("See A/HRC/\u00ad56/25 and then")
    assert found.cited_as == "A/HRC/\u00ad56/25"
    [found] = find_symbols("the Security Coun\u00adcil resolution 2736")
    assert (found.symbol, found.cited_as) == ("S/RES/2736", "Security Coun\u00adcil resolution 2736")


def test_a_symbol_cited_both_ways_is_one_symbol_not_only_in_words() -> None:
    [found] = find_symbols("Security Council resolution 2664 and later S/RES/2664 (2022).")
    assert (found.in_words, found.year, found.cited_as) == (False, 2022, "Security Council resolution 2664")


def test_bodies_cover_every_body_a_symbol_can_have() -> None:
    texts = [text for text, _ in WRITTEN + IN_WORDS]
    assert {found.body for text in texts for found in find_symbols(text)} <= set(BODIES)
    assert set(TREATY_BODIES) <= set(BODIES) and len(set(BODIES)) == len(BODIES)
