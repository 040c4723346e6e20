"""Build an index into a new folder and swap it in only when it is complete.

A crash, Ctrl-C or SIGKILL mid-build leaves the live index untouched; the half-written folder is
removed then (or at the next build, for SIGKILL). Only one build runs at a time per data folder.
An update copies the live index into the new folder and changes only what the corpus changed:
documents are compared by content hash with the list the index keeps (documents.json).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import numpy as np
from tqdm import tqdm

from corpus.config import Settings
from corpus.documents import Document
from corpus.store import CorpusStore, utc_now
from indexer import duplicates
from indexer.chunk import Chunker, Passage
from indexer.embed import Embedder
from indexer.fields import DocumentFields, FieldRow, fields_for
from indexer.keywords import KeywordIndex
from indexer.manifest import DOCUMENTS, PASSAGES, VECTORS, IndexLoadError, Manifest
from indexer.passages import PassageStore
from indexer.themes import ThemeMatcher, load_themes, vocabulary_digest
from indexer.vectors import FLAT_LIMIT, FaissStore

log = logging.getLogger(__name__)

EMBED_CHUNK = 1024  # passages per progress-bar step (and per length-sorted run)
TMP_PREFIX = ".tmp-"
T = TypeVar("T")


class BuildBusy(Exception):
    """Another build holds the lock on this data folder."""


@dataclass(frozen=True)
class BuildResult:
    """What a build did."""

    path: Path | None
    manifest: Manifest
    skipped: bool = False


@dataclass(frozen=True)
class UpdateResult:
    """What an update changed, and what it cost."""

    path: Path | None
    manifest: Manifest
    added: int = 0
    changed: int = 0
    removed: int = 0
    embedded: int = 0
    seconds: float = 0.0
    skipped: bool = False


@contextmanager
def build_lock(settings: Settings) -> Iterator[None]:
    """Hold the data folder's build lock, or raise BuildBusy at once."""
    settings.builds_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.builds_dir / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BuildBusy(f"another build is running on {settings.data_dir}") from exc
        yield


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so the cleanup in `finally` runs."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def live_manifest(settings: Settings) -> Manifest | None:
    """The manifest of the index now serving, or None if there is none (or it is broken)."""
    try:
        return Manifest.read(settings.index_path)
    except IndexLoadError:
        return None


def build_index(settings: Settings, embedder: Embedder, *, force: bool = False,
                progress: bool = True) -> BuildResult:
    """Build the index of the whole corpus and make it the live one."""
    embedder.token_vectors()  # made once per model, so no query waits for it (indexer.meaning)
    with build_lock(settings), _terminate_as_exit():
        remove_stale_builds(settings)
        # One read transaction: a crawl committing meanwhile must not slip documents between the
        # statements (listed as indexed but never embedded, or the reverse).
        with CorpusStore(settings.db_path, create=False) as store, store.snapshot():
            fingerprint = store.fingerprint()
            current = live_manifest(settings)
            if not force and current is not None and _up_to_date(current, settings, fingerprint):
                log.info("index is up to date (%d passages); use --force to rebuild", current.passages)
                return BuildResult(settings.index_path, current, skipped=True)
            documents = list(store.iter_documents())
            hashes = store.hashes()
        final, manifest = _in_new_folder(
            settings,
            lambda tmp: _write_index(tmp, documents, hashes, fingerprint, settings, embedder, progress))
        return BuildResult(final, manifest)


def update_index(settings: Settings, embedder: Embedder, *, progress: bool = True) -> UpdateResult:
    """Embed only new and changed documents, drop deleted ones, and swap the result in.

    Without a live index to start from (or one made with other model or passage settings, or
    before indexes listed their documents) this is a full build.
    """
    embedder.token_vectors()
    with build_lock(settings), _terminate_as_exit():
        remove_stale_builds(settings)
        current = live_manifest(settings)
        with CorpusStore(settings.db_path, create=False) as store, store.snapshot():
            fingerprint = store.fingerprint()
            hashes = store.hashes()
            indexed = _indexed_documents(settings.index_path) if current is not None else None
            compatible = current is not None and _up_to_date(current, settings, current.corpus_fingerprint)
            whole = not compatible or indexed is None
            if not whole and current.corpus_fingerprint == fingerprint:
                log.info("index is up to date (%d passages)", current.passages)
                return UpdateResult(settings.index_path, current, skipped=True)
            if whole:
                documents = list(store.iter_documents())
            else:
                fresh = [doc_id for doc_id, digest in hashes.items() if indexed.get(doc_id) != digest]
                documents = list(store.get_many(fresh).values())
        if whole:
            log.info("no compatible index to update: building it whole")
            final, manifest = _in_new_folder(settings, lambda tmp: _write_index(
                tmp, documents, hashes, fingerprint, settings, embedder, progress))
            return UpdateResult(final, manifest, added=len(documents), embedded=manifest.passages,
                                seconds=manifest.build_seconds)
        gone = [doc_id for doc_id in indexed if doc_id not in hashes]
        live = settings.index_path.resolve()
        final, (manifest, embedded) = _in_new_folder(settings, lambda tmp: _apply_changes(
            live, tmp, documents, gone, hashes, fingerprint, settings, embedder, progress))
        changed = sum(1 for d in documents if d.id in indexed)
        return UpdateResult(final, manifest, added=len(documents) - changed, changed=changed,
                            removed=len(gone),
                            embedded=embedded, seconds=manifest.build_seconds)


def _in_new_folder(settings: Settings, write: Callable[[Path], T]) -> tuple[Path, T]:
    """Run `write` on a fresh temporary folder, rename it to its final name and swap it in."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = settings.builds_dir / f"{TMP_PREFIX}{stamp}"
    tmp.mkdir()
    try:
        written = write(tmp)
        final = settings.builds_dir / stamp
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_in(settings, final)
    remove_stale_builds(settings)
    return final, written


def _indexed_documents(folder: Path) -> dict[str, str] | None:
    """The {document id: content hash} an index was made from, or None for an index too old to say."""
    try:
        return json.loads((folder / DOCUMENTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _up_to_date(manifest: Manifest, settings: Settings, fingerprint: str) -> bool:
    return (
        manifest.corpus_fingerprint == fingerprint
        and manifest.model == settings.model
        and manifest.passage_tokens == settings.passage_tokens
        and manifest.overlap_tokens == settings.overlap_tokens
        and manifest.themes == theme_rule(settings)
    )


def theme_rule(settings: Settings) -> str:
    """The theme vocabulary and assignment settings, as one string an index records."""
    return f"{vocabulary_digest(load_themes())}:{settings.theme_threshold}:{settings.max_themes}"


def _themes(settings: Settings, embedder: Embedder, passages: Sequence[Passage],
            vectors: np.ndarray) -> dict[str, tuple[str, ...]]:
    """{document id: assigned themes} of the documents these passages (in document runs) belong to."""
    matcher = ThemeMatcher.embed(load_themes(), embedder.encode_documents, settings.theme_threshold,
                                 settings.max_themes)
    return matcher.assign_all([p.doc_id for p in passages], vectors)


def _write_index(folder: Path, documents: list[Document], hashes: dict[str, str], fingerprint: str,
                 settings: Settings, embedder: Embedder, progress: bool) -> Manifest:
    started = time.perf_counter()
    store = PassageStore(folder / PASSAGES)
    ids, vectors, passages = _embed_into(store, 0, documents, settings, embedder, progress)
    store.optimize()
    store.close()
    started_keywords = time.perf_counter()
    keywords = KeywordIndex.build(ids, passages)
    keywords.save(folder)
    themes = _themes(settings, embedder, passages, vectors)
    bodies = {d.id: d.body for d in documents}
    signatures = duplicates.signatures([bodies[doc_id] for doc_id in keywords.documents])
    duplicates.save(folder, signatures)
    fields_for(keywords.documents, {d.id: FieldRow.of(d, themes.get(d.id, ())) for d in documents},
               duplicates.stories(signatures)).save(folder)
    log.info("keyword index and document fields: %d passages in %.1f s", len(ids),
             time.perf_counter() - started_keywords)
    index = FaissStore.build(ids, vectors)
    return _finish(folder, index, len(ids), hashes, fingerprint, settings, embedder, started)


def _apply_changes(live: Path, folder: Path, documents: list[Document], gone: list[str],
                   hashes: dict[str, str], fingerprint: str, settings: Settings, embedder: Embedder,
                   progress: bool) -> tuple[Manifest, int]:
    """Copy the live index into `folder`, then remove stale passages and add the new ones."""
    started = time.perf_counter()
    for name in (PASSAGES, VECTORS):
        shutil.copyfile(live / name, folder / name)
    store = PassageStore(folder / PASSAGES)
    stale = store.remove_documents([*gone, *(d.id for d in documents)])
    index = FaissStore.load(folder / VECTORS, writable=True)
    index.remove(np.array(stale, dtype=np.int64))
    ids, vectors, passages = _embed_into(store, store.max_id() + 1, documents, settings, embedder, progress)
    index.add(ids, vectors)
    previous = KeywordIndex.load(live)
    known = DocumentFields.load(live).rows_by_id(previous.documents)
    themes = _themes(settings, embedder, passages, vectors)
    known.update((d.id, FieldRow.of(d, themes.get(d.id, ()))) for d in documents)
    keywords = previous.updated(stale, ids, passages)
    keywords.save(folder)
    numbers = {doc_id: number for number, doc_id in enumerate(keywords.documents)}
    signatures = duplicates.updated(duplicates.load(live), len(numbers), {numbers[d.id]: d.body for d in documents},
                                    [numbers[doc_id] for doc_id in gone if doc_id in numbers])
    duplicates.save(folder, signatures)
    fields_for(keywords.documents, known, duplicates.stories(signatures)).save(folder)
    total = store.count()
    store.close()
    if len(index) != total or len(keywords) != total:
        raise IndexLoadError(
            f"the live index at {live} has {len(index)} vectors and {len(keywords)} keyword rows for {total}"
            " passages; rebuild it")
    if index.kind == "flat" and total > FLAT_LIMIT:  # grown past exact search: retrain as IVF
        index = FaissStore.build(*index.flat_contents())
    log.info("update: %d passages removed, %d embedded", len(stale), len(ids))
    manifest = _finish(folder, index, total, hashes, fingerprint, settings, embedder, started)
    return manifest, len(ids)


def _embed_into(store: PassageStore, first_id: int, documents: Sequence[Document], settings: Settings,
                embedder: Embedder, progress: bool) -> tuple[np.ndarray, np.ndarray, list[Passage]]:
    """Chunk and embed documents, store their passages from `first_id`; return (ids, vectors, passages)."""
    chunker = Chunker(embedder.tokenizer, settings.passage_tokens, settings.overlap_tokens)
    passages: list[Passage] = list(
        tqdm(chunker.chunk_many(documents), desc="chunk", unit=" passages", disable=not progress)
    )
    vectors = np.zeros((len(passages), embedder.dimension), dtype=np.float32)
    embed_started = time.perf_counter()
    with tqdm(total=len(passages), desc="embed", unit=" passages", disable=not progress) as bar:
        for start in range(0, len(passages), EMBED_CHUNK):
            batch = passages[start : start + EMBED_CHUNK]
            vectors[start : start + len(batch)] = embedder.encode_documents([p.embed_text for p in batch])
            store.add(first_id + start, batch)
            bar.update(len(batch))
            bar.set_postfix_str(f"{bar.n / (time.perf_counter() - embed_started):.1f} passages/s")
    return np.arange(first_id, first_id + len(passages), dtype=np.int64), vectors, passages


def _finish(folder: Path, index: FaissStore, passages: int, hashes: dict[str, str], fingerprint: str,
            settings: Settings, embedder: Embedder, started: float) -> Manifest:
    """Write the vectors, the document list and, last, the manifest; flush it all to disk."""
    index.save(folder / VECTORS)
    (folder / DOCUMENTS).write_text(json.dumps(hashes, sort_keys=True), encoding="utf-8")
    seconds = time.perf_counter() - started
    manifest = Manifest(
        model=settings.model, dimension=embedder.dimension, passages=passages,
        documents=len(hashes), corpus_fingerprint=fingerprint, built_at=utc_now(),
        passage_tokens=settings.passage_tokens, overlap_tokens=settings.overlap_tokens,
        index_type=index.kind, embed_backend=embedder.backend, build_seconds=round(seconds, 2),
        passages_per_second=round(passages / max(seconds, 1e-9), 2), themes=theme_rule(settings),
    )
    manifest.write(folder)  # written last: a folder without it is never a complete index
    _fsync_tree(folder)
    return manifest


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap_in(settings: Settings, folder: Path) -> None:
    """Point the live index symlink at `folder` in one atomic rename."""
    link = settings.index_path
    if link.exists() and not link.is_symlink():
        raise IndexLoadError(f"{link} is a real folder, not a link to a build; move it away")
    tmp_link = link.with_name(f"{link.name}.swap-{os.getpid()}")
    tmp_link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(folder, link.parent), tmp_link)
    os.replace(tmp_link, link)
    log.info("index %s is now live", folder.name)


def remove_stale_builds(settings: Settings, keep: int = 2) -> None:
    """Delete half-written builds and all but the newest `keep` complete ones (the live one stays).

    Called with the build lock held, so no `.tmp-` folder belongs to a running build.
    """
    if not settings.builds_dir.exists():
        return
    live = settings.index_path.resolve() if settings.index_path.is_symlink() else None
    builds = sorted(p for p in settings.builds_dir.iterdir() if p.is_dir())
    for path in builds:
        if path.name.startswith(TMP_PREFIX):
            log.info("removing unfinished build %s", path.name)
            shutil.rmtree(path, ignore_errors=True)
    complete = [p for p in builds if not p.name.startswith(TMP_PREFIX)]
    for path in complete[:-keep]:
        if path.resolve() != live:
            shutil.rmtree(path, ignore_errors=True)
