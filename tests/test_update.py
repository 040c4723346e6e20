"""Incremental updates: only what changed is embedded, and the result matches a fresh build."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from conftest import HRDS, read_jsonl, run_cli
from corpus.config import load_settings
from corpus.importer import document_from_record
from corpus.store import CorpusStore
from indexer.build import build_index, update_index
from indexer.keywords import KeywordIndex
from indexer.manifest import PASSAGES, VECTORS, Manifest
from indexer.vectors import FaissStore


def _passages(index: Path) -> dict[tuple[str, int], tuple[int, str]]:
    """{(doc id, ordinal): (passage id, text)} of an index folder."""
    with sqlite3.connect(index / PASSAGES) as conn:
        rows = conn.execute("SELECT id, doc_id, ordinal, text FROM passages").fetchall()
    return {(doc, ordinal): (pid, text) for pid, doc, ordinal, text in rows}


def _vectors(index: Path, passages: dict) -> dict[tuple[str, int], np.ndarray]:
    store = FaissStore.load(index / VECTORS)
    return {key: store.index.reconstruct(pid) for key, (pid, _) in passages.items()}


@pytest.mark.slow
def test_update_embeds_only_the_changed_documents_and_matches_a_fresh_build(
        small_data: Path, copy_data, embedder, tmp_path: Path) -> None:
    data = copy_data(small_data)
    settings = load_settings(data)
    before = Manifest.read(settings.index_path)
    with CorpusStore(settings.db_path) as store:
        ids = sorted(store.hashes())
        edited = [dataclasses.replace(store.get(i), body=store.get(i).body + "\n\nThe Xylophone Tribunal "
                                      "ordered the release of the defenders.") for i in ids[:2]]
        new = [document_from_record(r, "hrdsattack") for r in read_jsonl(HRDS, 43)[40:]]
        store.upsert_many([*edited, *new])
        store.delete([ids[2]])

    result = update_index(settings, embedder, progress=False)

    assert (result.added, result.changed, result.removed) == (3, 2, 1)
    manifest = Manifest.read(settings.index_path)
    assert manifest.documents == before.documents + 2 and manifest.embed_backend == embedder.backend
    updated = _passages(settings.index_path)
    assert len(updated) == manifest.passages == len(FaissStore.load(settings.index_path / VECTORS))
    assert not any(doc == ids[2] for doc, _ in updated)
    touched = {d.id for d in [*edited, *new]}
    assert result.embedded == sum(1 for doc, _ in updated if doc in touched) < manifest.passages / 4

    # The same corpus built from scratch has the same passages and (nearly) the same vectors.
    fresh_data = tmp_path / "fresh"
    fresh_data.mkdir()
    (fresh_data / "corpus.sqlite3").write_bytes(settings.db_path.read_bytes())
    fresh = load_settings(fresh_data)
    build_index(fresh, embedder, progress=False)
    rebuilt = _passages(fresh.index_path)
    assert {k: t for k, (_, t) in updated.items()} == {k: t for k, (_, t) in rebuilt.items()}
    ours, theirs = _vectors(settings.index_path, updated), _vectors(fresh.index_path, rebuilt)
    # int8 activations are quantised per batch, so batch neighbours move a vector slightly
    cosines = [float(ours[k] @ theirs[k]) for k in ours]
    assert np.mean(cosines) >= 0.995 and min(cosines) >= 0.98

    # ...and the same keyword ranking: the update re-weighted the postings as a build would.
    def keyword_ranking(index: Path, passages: dict) -> list[tuple[tuple[str, int], float]]:
        key_of = {pid: key for key, (pid, _) in passages.items()}
        found = KeywordIndex.load(index).search(["defenders", "release", "detention"], 10_000)
        return sorted((key_of[pid], round(score, 4)) for pid, score in found)  # ties may come in any order

    assert keyword_ranking(settings.index_path, updated) == keyword_ranking(fresh.index_path, rebuilt)

    hits = run_cli("indexer", "search", "Xylophone Tribunal", "--mode", "keyword", "--json", data=data)
    assert edited[0].id in hits.stdout or edited[1].id in hits.stdout
    again = run_cli("indexer", "update", "-q", data=data)
    assert "up to date" in again.stderr and os.path.realpath(settings.index_path) == str(result.path)


@pytest.mark.slow
def test_a_document_committed_during_a_build_is_embedded_by_the_next_update(
        small_data: Path, copy_data, embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build reads the corpus in one snapshot, so a crawl's commit cannot slip between its reads."""
    from corpus.documents import Document

    data = copy_data(small_data)
    settings = load_settings(data)
    late = Document(id="late-1", title="Wombat rangers detained", body="Rangers of the wombat reserve were detained.")
    real_iter = CorpusStore.iter_documents

    def iter_then_commit(store: CorpusStore):  # noqa: ANN202 - a generator like the original
        yield from real_iter(store)
        with CorpusStore(settings.db_path) as other:  # a crawl, committing between the build's reads
            other.upsert_many([late])

    monkeypatch.setattr(CorpusStore, "iter_documents", iter_then_commit)
    build_index(settings, embedder, force=True, progress=False)
    monkeypatch.undo()
    assert "late-1" not in _passages_docs(settings.index_path)

    update_index(settings, embedder, progress=False)
    assert "late-1" in _passages_docs(settings.index_path)  # not listed as indexed without its passages


def _passages_docs(index: Path) -> set[str]:
    return {doc for doc, _ in _passages(index)}
