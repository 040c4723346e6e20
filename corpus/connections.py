"""One database connection per operating-system thread, whatever runs on it.

SQLite connections must not be used by two threads at once, so each thread gets its own. The web
app's gevent workers run every request in a greenlet of one thread: a greenlet-local connection
(what `threading.local` becomes under gevent) would be opened anew for every request, ~3 ms each.
Greenlets of one thread never run at the same time, and a SQLite call never yields to another
greenlet, so they can share their thread's connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerThread(Generic[T]):
    """Objects made by `make`, one per operating-system thread, made on first use."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._items: dict[int, T] = {}
        self._lock = threading.Lock()

    def get(self) -> T:
        """This thread's object."""
        key = threading.get_native_id()  # not patched by gevent, unlike get_ident and local
        item = self._items.get(key)
        if item is None:
            with self._lock:
                item = self._items.get(key)
                if item is None:
                    item = self._items[key] = self._make()
        return item
