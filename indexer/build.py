"""Build an index into a new folder and swap it in only when it is complete.

A crash, Ctrl-C or SIGKILL mid-build leaves the live index untouched; the half-written folder is
removed then (or at the next build, for SIGKILL). Only one build runs at a time per data folder.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from tqdm import tqdm

from corpus.config import Settings
from corpus.store import CorpusStore, utc_now
from indexer.chunk import Chunker, Passage
from indexer.embed import Embedder
from indexer.manifest import PASSAGES, VECTORS, IndexLoadError, Manifest
from indexer.passages import PassageStore
from indexer.vectors import FaissStore

log = logging.getLogger(__name__)

EMBED_CHUNK = 512  # passages per progress-bar step
TMP_PREFIX = ".tmp-"


class BuildBusy(Exception):
    """Another build holds the lock on this data folder."""


@dataclass(frozen=True)
class BuildResult:
    """What a build did."""

    path: Path | None
    manifest: Manifest
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
    with build_lock(settings), _terminate_as_exit():
        remove_stale_builds(settings)
        with CorpusStore(settings.db_path, create=False) as store:
            fingerprint = store.fingerprint()
            current = live_manifest(settings)
            if not force and current is not None and _up_to_date(current, settings, fingerprint):
                log.info("index is up to date (%d passages); use --force to rebuild", current.passages)
                return BuildResult(settings.index_path, current, skipped=True)
            documents = list(store.iter_documents())
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        tmp = settings.builds_dir / f"{TMP_PREFIX}{stamp}"
        tmp.mkdir()
        try:
            manifest = _write_index(tmp, documents, fingerprint, settings, embedder, progress)
            final = settings.builds_dir / stamp
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        swap_in(settings, final)
        remove_stale_builds(settings)
        return BuildResult(final, manifest)


def _up_to_date(manifest: Manifest, settings: Settings, fingerprint: str) -> bool:
    return (
        manifest.corpus_fingerprint == fingerprint
        and manifest.model == settings.model
        and manifest.passage_tokens == settings.passage_tokens
        and manifest.overlap_tokens == settings.overlap_tokens
    )


def _write_index(folder: Path, documents: list, fingerprint: str, settings: Settings,
                 embedder: Embedder, progress: bool) -> Manifest:
    started = time.perf_counter()
    chunker = Chunker(embedder.tokenizer, settings.passage_tokens, settings.overlap_tokens)
    passages: list[Passage] = list(
        tqdm(chunker.chunk_many(documents), desc="chunk", unit=" passages", disable=not progress)
    )
    vectors = FaissStore.create(embedder.dimension)
    store = PassageStore(folder / PASSAGES)
    embed_started = time.perf_counter()
    with tqdm(total=len(passages), desc="embed", unit=" passages", disable=not progress) as bar:
        for start in range(0, len(passages), EMBED_CHUNK):
            batch = passages[start : start + EMBED_CHUNK]
            embedded = embedder.encode_documents([p.embed_text for p in batch])
            vectors.add(np.arange(start, start + len(batch)), embedded)
            store.add(start, batch)
            bar.update(len(batch))
            bar.set_postfix_str(f"{bar.n / (time.perf_counter() - embed_started):.1f} passages/s")
    store.optimize()
    store.close()
    vectors.save(folder / VECTORS)
    seconds = time.perf_counter() - started
    manifest = Manifest(
        model=settings.model, dimension=embedder.dimension, passages=len(passages),
        documents=len(documents), corpus_fingerprint=fingerprint, built_at=utc_now(),
        passage_tokens=settings.passage_tokens, overlap_tokens=settings.overlap_tokens,
        embed_backend=embedder.backend, build_seconds=round(seconds, 2),
        passages_per_second=round(len(passages) / max(seconds, 1e-9), 2),
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
