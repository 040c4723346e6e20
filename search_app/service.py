"""The search service as the app sees it: a Searcher, or the reason there is none yet.

The app starts even without a usable index (it answers 503 with the reason) and picks the index
up as soon as a build swaps one in, so a fresh install and a broken index are both explained.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Executor

from corpus.config import Settings
from corpus.connections import PerThread
from corpus.store import CorpusError, CorpusStore
from indexer.backends import default_threads
from indexer.embed import Embedder, ModelError
from indexer.manifest import IndexLoadError
from indexer.search import Searcher

RETRY_SECONDS = 2.0


def model_threads(count: int) -> Executor | None:
    """`count` OS threads for query embeddings under gunicorn's gevent worker, else None (the
    Searcher makes its own).

    The gevent worker turns `threading` into greenlets, which take turns on one core: an embedding
    on one of them would wait for the keyword half it is meant to run beside. gevent's own pool
    runs real threads whose results a greenlet waits for without blocking the others.
    """
    from gevent import monkey

    if not monkey.is_module_patched("threading"):
        return None
    from gevent.threadpool import ThreadPoolExecutor as NativeThreadPoolExecutor

    return NativeThreadPoolExecutor(max_workers=count)


class Unavailable(Exception):
    """Search cannot run now; the message says why and what to do."""


class SearchService:
    """Opens the searcher lazily and retries after failures, at most every few seconds."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._searcher: Searcher | None = None
        self._error = "the index has not been loaded yet"
        self._tried_at = 0.0
        self._lock = threading.Lock()
        # Read-only: the app never writes the corpus. Made on first use, so a missing one is a 503.
        self._corpus = PerThread(lambda: CorpusStore(settings.db_path, readonly=True))

    def searcher(self) -> Searcher:
        """The live searcher, or Unavailable with the reason."""
        if self._searcher is not None:
            return self._searcher
        with self._lock:
            if self._searcher is None and time.monotonic() - self._tried_at >= RETRY_SECONDS:
                self._tried_at = time.monotonic()
                try:
                    self._searcher = Searcher(self.settings, self._embedder,
                                              model_threads(self.settings.threads or default_threads()))
                except (IndexLoadError, CorpusError, ModelError) as exc:
                    self._error = str(exc)
            if self._searcher is None:
                raise Unavailable(self._error)
            return self._searcher

    def corpus(self) -> CorpusStore:
        """This thread's connection to the corpus database, or Unavailable with the reason."""
        try:
            return self._corpus.get()
        except CorpusError as exc:
            raise Unavailable(str(exc)) from exc

    def warm_up(self) -> None:
        """Load the index and the model now, so the first user does not wait for them."""
        try:
            embedder = self.searcher().embedder
            embedder.encode_query("warm up")
            embedder.token_vectors()
        except Unavailable:
            pass
