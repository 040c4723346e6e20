"""The corpus store and `python -m corpus import|export`, on the real shared files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import HRDS, HRW, SHARED, read_jsonl, run_cli, write_jsonl
from corpus.config import load_settings
from corpus.documents import Document, normalise_date
from corpus.store import CorpusStore


def test_import_both_corpora_and_scifact_as_they_are(tmp_path: Path) -> None:
    scifact = SHARED / "data" / "beir-scifact" / "corpus.jsonl"
    result = run_cli("corpus", "import", str(HRW), str(HRDS), str(scifact), "-q", data=tmp_path)
    assert "0 skipped" in result.stderr
    with CorpusStore(load_settings(tmp_path).db_path) as store:
        assert store.count() == 387 + 500 + 5183
        # Ids from the files are kept unchanged, so evaluation files that name them still match.
        assert store.get("873189810").title == "ZCTU blames Mugombeyi abduction on paid hooligans"
        assert store.get("4983").title.startswith("Microstructural development")
        # HRW reuses short ids ("27") for different daily briefs: both survive, under distinct ids.
        urls = {d.url for d in store.iter_documents() if "the-day-in-human-rights" in d.url}
        assert len(urls) == sum(1 for r in read_jsonl(HRW) if "the-day-in-human-rights" in r["url"])


def test_reimport_changes_nothing_and_changed_body_updates(tmp_path: Path) -> None:
    rows = read_jsonl(HRDS, 30)
    source = write_jsonl(tmp_path / "a.jsonl", rows)
    run_cli("corpus", "import", str(source), "-q", data=tmp_path)
    db = load_settings(tmp_path).db_path
    before = sqlite3.connect(db).execute("SELECT * FROM documents ORDER BY id").fetchall()

    again = run_cli("corpus", "import", str(source), "-q", data=tmp_path)
    assert "0 added, 0 updated, 30 unchanged" in again.stderr
    assert sqlite3.connect(db).execute("SELECT * FROM documents ORDER BY id").fetchall() == before

    rows[3] = {**rows[3], "body": rows[3]["body"] + "\n\nA correction was added."}
    write_jsonl(source, rows)
    changed = run_cli("corpus", "import", str(source), "-q", data=tmp_path)
    assert "0 added, 1 updated, 29 unchanged" in changed.stderr
    with CorpusStore(db) as store:
        doc = store.get(rows[3]["id"])
        assert doc.body.endswith("A correction was added.")
        assert doc.metadata["content_hash"] == doc.content_hash
        assert doc.metadata["content_hash"] != dict((r[0], r[8]) for r in before)[rows[3]["id"]]


def test_bad_lines_are_reported_with_their_number_and_the_rest_lands(tmp_path: Path) -> None:
    source = tmp_path / "mixed.jsonl"
    source.write_text(
        '{"id": "a", "title": "Fine", "body": "A body."}\n'
        "{not json\n"
        '{"id": "b", "title": "No body"}\n'
        '["a list"]\n'
        '{"title": "No id, no url", "body": "text"}\n'
        '{"_id": "c", "title": "BEIR style", "text": "Uses text.", "extra": 7}\n',
        encoding="utf-8",
    )
    result = run_cli("corpus", "import", str(source), "-q", data=tmp_path)
    for line in (2, 3, 4, 5):
        assert f"mixed.jsonl:{line}: skipped" in result.stderr
    exported = [json.loads(line) for line in run_cli("corpus", "export", data=tmp_path).stdout.splitlines()]
    assert [d["id"] for d in exported] == ["a", "c"]
    assert exported[1]["body"] == "Uses text." and exported[1]["extra"] == 7
    assert set(exported[0]) >= {"id", "url", "source", "title", "date", "tags", "body"}


def test_export_of_a_missing_corpus_is_one_clear_line(tmp_path: Path) -> None:
    result = run_cli("corpus", "export", data=tmp_path / "nothing", check=False)
    assert result.returncode == 1
    assert "no corpus database" in result.stderr and "Traceback" not in result.stderr


def test_store_is_wal_and_dates_are_iso(tmp_path: Path) -> None:
    with CorpusStore(tmp_path / "c.sqlite3") as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        store.upsert_many([Document(id="x", title="T", body="B", date=normalise_date("2019-09-17 02:48:13"))])
        assert store.get("x").date == "2019-09-17"
    assert normalise_date("16 January 2024") == "2024-01-16"
    assert normalise_date("not a date") is None


def test_poisoned_lines_are_skipped_one_by_one_and_the_good_ones_land(tmp_path: Path) -> None:
    good = [json.dumps({"id": f"g{i}", "title": f"Good {i}", "body": f"Body {i}."}) for i in range(10)]
    lines = [good[0], '{"id": "s", "title": "\\ud800", "body": "lone surrogate"}', *good[1:5],
             "[" * 100_000 + "]" * 100_000, *good[5:]]
    source = tmp_path / "poisoned.jsonl"
    # A byte-order mark first, a line of bytes that are not UTF-8 at the end.
    source.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b'\n{"id": "x", "body": "\xff\xfe"}\n')
    result = run_cli("corpus", "import", str(source), "-q", data=tmp_path)
    assert "poisoned.jsonl:2: skipped: a string holds an unpaired surrogate" in result.stderr
    assert "poisoned.jsonl:7: skipped: JSON nested too deeply" in result.stderr
    assert "poisoned.jsonl:13: skipped: not UTF-8" in result.stderr
    assert "10 added" in result.stderr and "3 skipped" in result.stderr and "Traceback" not in result.stderr


def test_imported_provenance_fields_never_overwrite_the_databases_own(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "claims.jsonl", [{
        "id": "p", "title": "T", "body": "B", "content_hash": "0" * 64, "fetched_at": "1999-01-01T00:00:00+00:00",
        "first_seen": "1999-01-01", "source_changed_at": "2099-01-01", "captured_at": "1999-01-01", "note": "kept"}])
    run_cli("corpus", "import", str(source), "-q", data=tmp_path)
    with CorpusStore(load_settings(tmp_path).db_path) as store:
        doc = store.get("p")
    assert doc.metadata["content_hash"] == doc.content_hash and doc.metadata["note"] == "kept"
    assert "fetched_at" not in doc.metadata and "source_changed_at" not in doc.metadata
    assert doc.metadata["first_seen"] != "1999-01-01" and doc.captured_at != "1999-01-01"


def test_dates_keep_only_what_the_source_says_and_stay_in_a_sane_range() -> None:
    # dateutil once filled the missing parts from today: "2024" became 2024-<today>, "5" this month's 5th.
    assert normalise_date("2024") == "2024" and normalise_date("May 2024") == "2024-05"
    assert normalise_date("2024-05") == "2024-05" and normalise_date("16 January 2024") == "2024-01-16"
    assert normalise_date("5") is None and normalise_date("1900-01-01") is None
    assert normalise_date("0001-01-01") is None and normalise_date("2199-01-01") is None
    doc = Document(id="y", title="T", body="B", date=normalise_date("2024"))
    assert doc.content_hash == Document(id="y", title="T", body="B", date="2024").content_hash
