"""The text cleaner: scraped releases (the seed and texts shaped like it), JSON Lines bodies, HTML output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import HRDS, HRW, SHARED, read_jsonl, write_jsonl

from corpus.cli import main
from corpus.config import load_settings
from corpus.store import CorpusStore
from corpus.text_clean import clean_text

SEED = SHARED / "data" / "seed" / "000_44bc49f1fcb1a498.txt"
FILLER = ("The authorities have not answered the letters that lawyers sent in January, and the families "
          "of the detained say they have had no news of them since their arrest.")

# Shaped like the seed, with other words: labels, a bare dateline, "More news" teasers, a share box.
KENYA = f"""Kenya, Uganda

Court frees four land rights defenders after a year in pre-trial detention

Nairobi, 3 March 2021 – A court in Nairobi released four defenders of community land rights today.

{FILLER}

"This is a first step, not justice," said their lawyer.

More news

Uganda: journalists beaten at a rally

Police officers beat three journalists covering an opposition rally in Kampala on Monday.

Share this

Facebook

Twitter
"""
# Photo captions with credits, advertising, a photo line, "Related content" teasers and a newsletter call.
BELARUS = f"""Belarus
, Women's rights

Belarus: women activists sentenced for peaceful protest

Click to expand Image Protesters march in Minsk on September 13, 2020. © 2020 AP Photo/Someone

(Minsk, 18 February 2021) – Two women activists were sentenced to two years in prison today.

ADVERTISEMENT

{FILLER}

Photo: AFP / Someone Else

The verdict drew criticism from the UN Special Rapporteur. © 2021 Human Rights Watch

Related content

Russia: new foreign agents law

The law widens the definition of a foreign agent.

Subscribe to our newsletter

Get our updates straight to your inbox: enter your email address below.
"""
# A release whose own words talk about subscribing, related cases and sharing: nothing may go.
OWN_WORDS = f"""Free the journalists, Kyrgyz court told

(Bishkek, January 17, 2023) – Eleven journalists remain in detention.

{FILLER}

Further reading

The committee's report lists related cases in detail: the journalists of Temirov Live, the bloggers
detained in Osh, and the editor of the Kloop newsletter, whose subscribers were questioned by police
and told to share the names of other readers. {FILLER} {FILLER} {FILLER}

Readers who subscribe to the outlet's newsletter now face fines; the police asked subscribers to sign up
for a state register.

"Never give your email password to anyone," said a digital security trainer who advises the editors.
"""


def _import(tmp_path: Path, *files: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["import", *map(str, files), "--data", str(tmp_path), "-q"]) == 0
    return capsys.readouterr().err


def test_seed_imports_with_title_date_tags_and_only_the_release(tmp_path: Path, capsys) -> None:
    _import(tmp_path, SEED, capsys=capsys)
    with CorpusStore(load_settings(tmp_path).db_path) as store:
        doc = store.get("000_44bc49f1fcb1a498")
    assert doc.title == ("UN passes strongest resolution yet on ending reprisals against human rights "
                         "defenders")
    assert doc.date == "2013-09-27"
    assert doc.tags == ("China", "Pakistan", "Europe")
    assert doc.body.startswith("(Geneva, 27 September 2013) – The United Nations has taken a critical step")
    assert doc.body.endswith("A September 2013 report by ISHR on the role of national laws and policies in "
                             "ending reprisals is available here.")
    for gone in ("Related articles", "Beijing", "African Commission", "Stay in the loop", "email", "China,"):
        assert gone not in doc.body
    assert doc.metadata["original_text"] == SEED.read_text(encoding="utf-8")
    assert doc.metadata["file"] == SEED.name and doc.source == "seed"
    # Every paragraph of the release is there, in order.
    original = SEED.read_text(encoding="utf-8").split("\n\n")
    release = original[original.index(doc.body.split("\n\n")[0]):original.index("Related articles")]
    assert doc.body.split("\n\n") == release
    assert "0 added, 0 updated, 1 unchanged" in _import(tmp_path, SEED, capsys=capsys)


@pytest.mark.parametrize(
    ("text", "title", "date", "tags", "first", "last"),
    [
        (KENYA, "Court frees four land rights defenders after a year in pre-trial detention", "2021-03-03",
         ("Kenya", "Uganda"), "Nairobi, 3 March 2021 –",
         '"This is a first step, not justice," said their lawyer.'),
        (BELARUS, "Belarus: women activists sentenced for peaceful protest", "2021-02-18",
         ("Belarus", "Women's rights"), "Protesters march in Minsk on September 13, 2020.",
         "The verdict drew criticism from the UN Special Rapporteur."),
        (OWN_WORDS, "Free the journalists, Kyrgyz court told", "2023-01-17", (),
         "(Bishkek, January 17, 2023)",
         '"Never give your email password to anyone," said a digital security trainer who advises the '
         'editors.'),
    ],
    ids=["kenya", "belarus", "own-words"],
)
def test_texts_shaped_like_the_seed(text: str, title: str, date: str, tags: tuple, first: str,
                                    last: str) -> None:
    cleaned = clean_text(text)
    assert (cleaned.title, cleaned.date, cleaned.tags) == (title, date, tags)
    assert cleaned.body.startswith(first) and cleaned.body.endswith(last)
    for clutter in ("More news", "Share this", "Facebook", "Click to expand", "©", "ADVERTISEMENT", "Photo:",
                    "Related content", "foreign agent", "Subscribe to our", "enter your email"):
        assert clutter not in cleaned.body
    assert clean_text(cleaned.body, title=cleaned.title).body == cleaned.body


def test_a_release_that_talks_about_subscribing_and_related_cases_keeps_every_paragraph() -> None:
    cleaned = clean_text(OWN_WORDS)
    assert not cleaned.rules
    assert cleaned.body.split("\n\n") == OWN_WORDS.strip().split("\n\n")[1:]


@pytest.mark.parametrize("ending", [
    "Related articles\n\nA shorter teaser than the release.",
    "Stay in the loop!\n\nPlease enter your email address below!",
    "Share this:\n\nTwitter\n\nPrint",
    "Advertisement",
])
def test_a_box_goes_only_from_the_end(ending: str) -> None:
    release = f"(Geneva, 1 May 2020) – Opening.\n\n{FILLER}\n\nLast paragraph of the release."
    assert clean_text(f"{release}\n\n{ending}", title="T").body == release
    # In the middle, teasers and boxes are release text (only whole advertising lines go anywhere).
    middle = clean_text(f"(Geneva, 1 May 2020) – Opening.\n\n{ending}\n\n{FILLER}", title="T").body
    assert (ending in middle) != (ending == "Advertisement")


def test_jsonl_bodies_lose_hrw_clutter_and_keep_the_original(tmp_path: Path, capsys) -> None:
    glued = ("Click to expand Image Police officers detain a journalist in Bishkek, Kyrgyzstan, "
             "January 10, 2023. © 2023 IGOR KOVALENKO/EPA-EFE/Shutterstock\n\n"
             "(Bishkek) – Kyrgyz authorities should free eleven "
             f"journalists.\n\n{FILLER}\n\nClick to expand Image © 2024 Human Rights Watch")
    rows = [{"id": "glued", "title": "Kyrgyzstan: free journalists", "date": "2023-01-17", "body": glued},
            {"id": "plain", "title": "Plain", "date": "2023-01-18", "body": f"A release.\n\n\n\n{FILLER}"}]
    source = write_jsonl(tmp_path / "rows.jsonl", rows)
    _import(tmp_path, source, capsys=capsys)
    with CorpusStore(load_settings(tmp_path).db_path) as store:
        doc, plain = store.get("glued"), store.get("plain")
    assert doc.body == ("Police officers detain a journalist in Bishkek, Kyrgyzstan, January 10, 2023.\n\n"
                        f"(Bishkek) – Kyrgyz authorities should free eleven journalists.\n\n{FILLER}")
    assert doc.metadata["original_text"] == glued
    assert plain.body == rows[1]["body"] and "original_text" not in plain.metadata  # nothing found, as given
    assert "0 added, 0 updated, 2 unchanged" in _import(tmp_path, source, capsys=capsys)
    # An export re-imports as itself: the cleaned body stays, the original with it.
    exported = tmp_path / "export.jsonl"
    capsys.readouterr()
    assert main(["export", "--data", str(tmp_path)]) == 0
    exported.write_text(capsys.readouterr().out, encoding="utf-8")
    again = tmp_path / "again"
    _import(again, exported, capsys=capsys)
    with CorpusStore(load_settings(again).db_path) as store:
        assert store.get("glued").body == doc.body and store.get("glued").metadata["original_text"] == glued


def test_real_hrw_bodies_lose_the_clutter_of_their_snippets() -> None:
    for row in read_jsonl(HRW, 60):
        body = clean_text(row["body"], title=row["title"]).body
        assert "Click to expand Image" not in body
        assert not any(p.rstrip().endswith("Shutterstock") for p in body.split("\n\n"))


def test_cleaning_is_idempotent_on_the_shared_corpora() -> None:
    for path in (HRW, HRDS):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            once = clean_text(row["body"], title=row["title"], date=row.get("date"))
            assert clean_text(once.body, title=once.title, date=once.date).body == once.body, row["id"]

