"""Command line of the corpus: import and export documents (`python -m corpus --help`)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from itertools import islice
from pathlib import Path

from tqdm import tqdm

from corpus.config import add_common_arguments, load_settings, setup_logging
from corpus.importer import LineError, read_jsonl
from corpus.store import CorpusError, CorpusStore, UpsertStats

log = logging.getLogger("corpus")

BATCH = 500


def cmd_import(args: argparse.Namespace) -> int:
    """Import JSON Lines files into the corpus store."""
    settings = load_settings(args.data)
    total = UpsertStats()
    failed = 0
    with CorpusStore(settings.db_path) as store:
        for path in map(Path, args.files):
            if not path.is_file():
                log.error("%s: no such file", path)
                failed += 1
                continue
            errors: list[LineError] = []
            source = args.source or path.stem
            with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=f"import {path.name}",
                      disable=args.quiet) as bar:
                documents = read_jsonl(path, source, errors)
                while batch := list(islice(documents, BATCH)):
                    stats = store.upsert_many(batch)
                    for field in ("added", "updated", "unchanged"):
                        setattr(total, field, getattr(total, field) + getattr(stats, field))
                    bar.update(sum(len(d.body) + len(d.title) for d in batch))
                bar.update(bar.total - bar.n)
            for error in errors:
                log.warning("%s:%d: skipped: %s", path, error.line, error.reason)
            failed += len(errors)
        count = store.count()
    print(f"imported: {total}; {failed} skipped; {count} documents in {settings.db_path}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write every document as one JSON line to standard output."""
    settings = load_settings(args.data)
    with CorpusStore(settings.db_path, create=False) as store:
        for doc in store.iter_documents():
            meta = dict(doc.metadata)
            row = {
                "id": doc.id, "url": doc.url, "source": doc.source, "title": doc.title,
                "date": doc.date, "tags": list(doc.tags), "body": doc.body,
                "content_hash": meta.pop("content_hash", doc.content_hash),
                "captured_at": doc.captured_at, **meta,
            }
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The `python -m corpus` argument parser."""
    parser = argparse.ArgumentParser(prog="python -m corpus", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("import", help="import JSON Lines files of documents",
                       description="Import JSON Lines files: one object a line with title and body "
                       "(or text), optional id/_id, url, date, tags, source; other fields become "
                       "metadata. Bad lines are reported and skipped. Importing twice changes nothing.")
    p.add_argument("files", nargs="+", metavar="FILE.jsonl")
    p.add_argument("--source", help="source name for lines without one (default: the file's name)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_common_arguments(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write the corpus as JSON Lines to standard output")
    add_common_arguments(p)
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one corpus command; errors become one clear line and a non-zero exit."""
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose)
    try:
        return args.func(args)
    except CorpusError as exc:
        log.error("%s", exc)
        return 1
    except KeyboardInterrupt:
        log.error("interrupted; what was written so far is kept")
        return 130
    except BrokenPipeError:
        return 0
