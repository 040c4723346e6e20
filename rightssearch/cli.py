"""One command over the three command lines: `rightssearch crawl ...` is `python -m corpus crawl ...`.

Each subcommand hands its arguments, unchanged, to the `main` of the module that owns it, so the
`python -m` forms and this command take the same flags and give the same help. Nothing is imported
before a subcommand is chosen: `rightssearch --help` answers without loading torch or FAISS.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Subcommand:
    """Where a subcommand goes: the module whose `main(argv, prog)` runs it, and the word it is there."""

    module: str
    word: str | None
    help: str


SUBCOMMANDS: dict[str, Subcommand] = {
    "crawl": Subcommand("corpus.cli", "crawl", "crawl the configured sites politely into the corpus"),
    "import": Subcommand("corpus.cli", "import", "import JSON Lines files of documents into the corpus"),
    "export": Subcommand("corpus.cli", "export", "write the corpus as JSON Lines to standard output"),
    "clean": Subcommand("corpus.cli", "clean", "extract documents from saved HTML files"),
    "add-source": Subcommand("corpus.cli", "add-source", "propose a profile for a new site from its address"),
    "build": Subcommand("indexer.cli", "build", "build the index of the corpus and swap it in"),
    "update": Subcommand("indexer.cli", "update", "embed only the documents changed since the last build"),
    "prepare": Subcommand("indexer.cli", "prepare", "make the models folder's one-time files (ONNX export)"),
    "search": Subcommand("indexer.cli", "search", "search the index from the terminal"),
    "eval": Subcommand("indexer.cli", "eval", "measure retrieval on judged queries (nDCG, recall, MRR)"),
    "serve": Subcommand("search_app.__main__", None, "serve the search app with gunicorn"),
}

USAGE = "usage: rightssearch COMMAND [ARGS...]"


def usage() -> str:
    """The overview: every subcommand with its one line."""
    width = max(map(len, SUBCOMMANDS))
    lines = [f"  {name:<{width}}  {sub.help}" for name, sub in SUBCOMMANDS.items()]
    return (f"{USAGE}\n\nSemantic search over human-rights press releases.\n\n"
            "commands:\n" + "\n".join(lines) + "\n\n"
            "Every command takes --data DIR (default data/, or $RIGHTSSEARCH_DATA);\n"
            "`rightssearch COMMAND --help` shows its options.\n")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen subcommand with the rest of the arguments; exit 2 on an unknown one."""
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] in ("-h", "--help"):
        (sys.stdout if args else sys.stderr).write(usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    sub = SUBCOMMANDS.get(name)
    if sub is None:
        sys.stderr.write(f"{USAGE}\nrightssearch: error: unknown command {name!r} "
                         f"(choose from {', '.join(SUBCOMMANDS)})\n")
        return 2
    target = importlib.import_module(sub.module)
    if sub.word is None:
        return target.main(rest, prog=f"rightssearch {name}")
    return target.main([sub.word, *rest], prog="rightssearch")
