"""`python -m search_app`: serve the app with gunicorn (never Flask's development server)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from gunicorn.app.base import BaseApplication

from corpus.config import add_common_arguments, load_settings, setup_logging
from indexer.manifest import IndexLoadError, Manifest

log = logging.getLogger("search_app")


class _Server(BaseApplication):
    """Gunicorn configured from our flags, loading `create_app` in each worker."""

    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201 - a WSGI app
        from search_app import create_app

        return create_app()


def build_parser(prog: str = "python -m search_app") -> argparse.ArgumentParser:
    """The `python -m search_app` argument parser (`prog` names it in usage lines)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    add_common_arguments(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--connections", type=int, default=1000,
                        help="open connections per worker at most (default 1000)")
    parser.add_argument("--model", help="embedding model: path or name (default: the packaged MiniLM)")
    parser.add_argument("--threads", type=int,
                        help="CPU threads per worker for a query (default: the cores shared by the workers)")
    return parser


def worker_threads(requested: int | None, workers: int) -> int:
    """Threads each worker computes a query with: `requested`, or its share of the cores.

    With 2 workers of 2 threads each on 2 cores (ONNX Runtime's and FAISS's pools in both), 8
    clients got 85 requests/s, fewer than one worker alone (113); with a core each, 149
    (bench_scale, 8,411 passages, 2026-11-30).
    """
    return requested or max(1, (os.cpu_count() or 1) // workers)


def main(argv: list[str] | None = None, prog: str = "python -m search_app") -> int:
    """Check the index, then serve until interrupted."""
    args = build_parser(prog).parse_args(argv)
    setup_logging(args.verbose)
    settings = load_settings(args.data, model=args.model)
    try:
        Manifest.read(settings.index_path).check_model(settings.model)
    except IndexLoadError as exc:
        log.error("%s", exc)
        return 1
    # Workers read their settings from the environment, like any gunicorn deployment of create_app.
    os.environ["RIGHTSSEARCH_DATA"] = str(settings.data_dir.resolve())
    os.environ["RIGHTSSEARCH_MODEL"] = settings.model
    os.environ["RIGHTSSEARCH_THREADS"] = str(worker_threads(args.threads, args.workers))
    print(f"RightsSearch serving {settings.data_dir} at http://{args.host}:{args.port}/", file=sys.stderr,
          flush=True)
    _Server({
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers,
        # gevent: every connection waits in a greenlet of its own, so clients that send slowly (or
        # never finish their headers) hold no thread that others need. With gthread, 64 stalled
        # sockets held every thread and /healthz stopped answering (docs/robustness.md).
        "worker_class": "gevent",
        "worker_connections": args.connections,
        "timeout": 60,
        "accesslog": "-" if args.verbose else None,
        # Privacy: the path only, never the query string or the referrer (which would carry the query).
        "access_log_format": '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss',
        "loglevel": "info",
    }).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
