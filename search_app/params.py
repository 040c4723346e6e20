"""Request parameters, checked in one place for the page and the API alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from indexer.search import MODES


class BadParameter(ValueError):
    """A request parameter is missing or out of range; the message tells the user which."""


@dataclass(frozen=True)
class SearchParams:
    """A validated search request."""

    q: str
    k: int
    mode: str


def parse_search(args: Mapping[str, str], max_query_chars: int, default_k: int) -> SearchParams:
    """Validate q, k and mode, or raise BadParameter naming what is wrong."""
    q = (args.get("q") or "").strip()
    if not q:
        raise BadParameter("parameter 'q' is required and must not be empty")
    if len(q) > max_query_chars:
        raise BadParameter(f"parameter 'q' is too long ({len(q)} characters, at most {max_query_chars})")
    raw_k = args.get("k")
    if raw_k is None or raw_k == "":
        k = default_k
    else:
        try:
            k = int(raw_k)
        except ValueError:
            raise BadParameter("parameter 'k' must be a whole number between 1 and 100") from None
        if not 1 <= k <= 100:
            raise BadParameter("parameter 'k' must be between 1 and 100")
    mode = args.get("mode") or "hybrid"
    if mode not in MODES:
        raise BadParameter(f"parameter 'mode' must be one of: {', '.join(MODES)}")
    return SearchParams(q, k, mode)
