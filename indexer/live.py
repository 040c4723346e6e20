"""The index being served: one loaded build, followed across rebuilds.

`LiveIndex` follows the live index symlink, so a rebuild that swaps in a new index is picked up
by the next query without a restart, and without failing the queries already running on the
old one: a query takes one `LoadedIndex` and uses it throughout, since passage ids mean nothing
in another build.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from corpus.connections import PerThread
from indexer.fields import DocumentFields
from indexer.keywords import KeywordIndex
from indexer.manifest import PASSAGES, VECTORS, IndexLoadError, Manifest
from indexer.passages import PassageStore
from indexer.vectors import FaissStore

log = logging.getLogger(__name__)


@dataclass
class LoadedIndex:
    """One complete index build in memory: vectors, keywords, document fields and passages."""

    path: Path
    manifest: Manifest
    vectors: FaissStore
    keywords: KeywordIndex
    fields: DocumentFields
    _passages: PerThread[PassageStore] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._passages = PerThread(lambda: PassageStore(self.path / PASSAGES, readonly=True))

    @classmethod
    def open(cls, folder: Path, model: str) -> LoadedIndex:
        """Load and check the index in `folder`, or raise IndexLoadError saying what is wrong."""
        manifest = Manifest.read(folder)
        manifest.check_model(model)
        try:
            vectors = FaissStore.load(folder / VECTORS)
        except RuntimeError as exc:
            raise IndexLoadError(f"the vector file in {folder} is unreadable ({exc}); rebuild the index") from exc
        try:
            keywords = KeywordIndex.load(folder)
            fields = DocumentFields.load(folder)
        except (OSError, ValueError, KeyError) as exc:
            raise IndexLoadError(f"the keyword index in {folder} is unreadable ({exc}); rebuild it") from exc
        if (len(vectors) != manifest.passages or vectors.dimension != manifest.dimension
                or len(keywords) != manifest.passages or len(fields) != len(keywords.documents)):
            raise IndexLoadError(f"the index at {folder} does not match its manifest; rebuild it")
        try:
            PassageStore(folder / PASSAGES, readonly=True).count()  # a garbled file fails here, not mid-query
        except sqlite3.DatabaseError as exc:
            raise IndexLoadError(f"the passage file in {folder} is unreadable ({exc}); rebuild the index") from exc
        log.info("loaded index %s: %d passages of %d documents", folder.name, manifest.passages,
                 manifest.documents)
        return cls(folder, manifest, vectors, keywords, fields)

    @cached_property
    def coverage(self) -> dict[str, dict[str, int]]:
        """Counts per source, country, theme and year over every document of this build."""
        return self.fields.facets(np.arange(len(self.fields)), by_story=False)

    @cached_property
    def _numbers(self) -> dict[str, int]:
        return {doc_id: number for number, doc_id in enumerate(self.keywords.documents)}

    def document_numbers(self) -> dict[str, int]:
        """{document id: document number} for this index."""
        return self._numbers

    def passages(self) -> PassageStore:
        """This thread's connection to the passage store (SQLite connections are not shared)."""
        return self._passages.get()


class LiveIndex:
    """The index the live symlink points at, reloaded when a rebuild moves the link.

    When the link moves to a build that fails to load (another model's, or damaged after the
    swap), the index already loaded keeps serving: the failure is logged and reported by
    `problem`, and the load is retried after a back-off that doubles up to `MAX_RETRY_SECONDS`,
    not on every query. With nothing loaded yet, the failure is raised (the app answers 503).
    """

    RETRY_SECONDS = 2.0
    MAX_RETRY_SECONDS = 60.0

    def __init__(self, link: Path, model: str) -> None:
        self.link = link
        self.model = model
        self._lock = threading.Lock()
        self._loaded: LoadedIndex | None = None
        self._failed: tuple[Path, str, float, float] | None = None  # target, reason, retry at, back-off

    @property
    def problem(self) -> str | None:
        """Why the build the link points at is not the one serving, or None when it is."""
        failed = self._failed
        return failed[1] if failed is not None else None

    def current(self) -> LoadedIndex:
        """The live index, loaded if the symlink now points at a newer build that loads."""
        try:
            target = Path(os.path.realpath(self.link))
        except OSError as exc:
            raise IndexLoadError(f"cannot resolve the index at {self.link}: {exc}") from exc
        loaded = self._loaded
        if loaded is not None and loaded.path == target:
            return loaded
        with self._lock:
            if self._loaded is not None and self._loaded.path == target:
                return self._loaded
            failed = self._failed
            if self._loaded is not None and failed is not None and failed[0] == target \
                    and time.monotonic() < failed[2]:
                return self._loaded  # keep serving until the next try
            try:
                self._loaded = LoadedIndex.open(target, self.model)
            except IndexLoadError as exc:
                if self._loaded is None:
                    raise
                wait = min(failed[3] * 2, self.MAX_RETRY_SECONDS) if failed and failed[0] == target \
                    else self.RETRY_SECONDS
                self._failed = (target, str(exc), time.monotonic() + wait, wait)
                log.error("the new index %s does not load (%s); still serving %s, next try in %.0f s",
                          target.name, exc, self._loaded.path.name, wait)
                return self._loaded
            if self._failed is not None:
                log.info("index %s loaded; the earlier failure is over", target.name)
            self._failed = None
            return self._loaded
