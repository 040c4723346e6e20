"""Countries: names, variants and adjectives resolve to one name; what a document is about."""

from __future__ import annotations

import pytest

from corpus.countries import countries_of, mentions, resolve


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Kyrgyz", "Kyrgyzstan"), ("Kyrgyzstan", "Kyrgyzstan"), ("Chinese", "China"),
        ("People's Republic of China", "China"), ("USA", "United States"), ("US", "United States"),
        ("United States of America", "United States"), ("England", "United Kingdom"),
        ("Burma", "Myanmar"), ("Russian Federation", "Russia"), ("Iranian", "Iran"),
        ("Viet Nam", "Vietnam"), ("Columbia", "Colombia"), ("eSwatini", "Eswatini"),
        ("Türkiye", "Turkey"), ("Palestinian", "Palestine"), ("kyrgyzstan", "Kyrgyzstan"),
    ],
)
def test_variants_and_adjectives_resolve_to_one_name(written: str, name: str) -> None:
    assert resolve(written) == name


@pytest.mark.parametrize("written", ["None", "Utah", "Africa", ""])
def test_non_countries_do_not_resolve(written: str) -> None:
    assert resolve(written) is None


def test_mentions_are_whole_words_case_sensitive_and_longest_first() -> None:
    found = mentions("Niger and Nigeria; South Sudan; Guinea-Bissau; a woman in Oman ate turkey in Chad")
    assert found == {"Niger": 1, "Nigeria": 1, "South Sudan": 1, "Guinea-Bissau": 1, "Oman": 1, "Chad": 1}


def test_a_document_is_about_its_title_labels_and_lead_not_passing_mentions() -> None:
    body = ("Authorities in Bishkek detained Kyrgyz journalists on Tuesday. " + "Filler sentence. " * 60
            + "The United States said nothing.")
    assert countries_of("Free the reporters", body) == ("Kyrgyzstan",)
    labelled = countries_of("Kyrgyzstan: Free the reporters", body, ["USA"])
    assert labelled[:2] == ("United States", "Kyrgyzstan")
    assert countries_of("", "Nothing about places here.") == ()
