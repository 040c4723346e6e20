"""Command line of the indexer: build the index and query it (`python -m indexer --help`)."""

from __future__ import annotations

import argparse
import html
import json
import logging
import sys
import textwrap
import time
from pathlib import Path

from corpus.config import IMPORT_HINT, add_common_arguments, load_settings, reader_gone, setup_logging
from corpus.store import CorpusError, CorpusStore
from indexer.build import BuildBusy, build_index, update_index
from indexer.embed import Embedder, ModelError
from indexer.eval import EvalInputError, load_qrels, load_queries, run_queries, score_run, write_trec_run
from indexer.manifest import IndexLoadError
from indexer.search import MODES, Query, QueryTooSlow, Searcher

log = logging.getLogger("indexer")


def cmd_build(args: argparse.Namespace) -> int:
    """Build the index of the corpus and swap it in."""
    settings = load_settings(args.data, model=args.model)
    embedder = Embedder.from_settings(settings)
    result = build_index(settings, embedder, force=args.force, progress=not args.quiet)
    m = result.manifest
    if not result.skipped:
        print(f"built {m.passages} passages from {m.documents} documents in {m.build_seconds:.1f} s "
              f"({m.passages_per_second:.1f} passages/s) -> {result.path}", file=sys.stderr)
    _warn_if_empty(m.documents)
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    """Make the models folder's one-time files, so that no build or first query waits for them."""
    settings = load_settings(args.data, model=args.model)
    started = time.perf_counter()
    embedder = Embedder.from_settings(settings)
    embedder.token_vectors()
    print(f"{settings.model} ({embedder.backend}) ready in {time.perf_counter() - started:.1f} s "
          f"-> {settings.models_path}", file=sys.stderr)
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    """Embed only new and changed documents, drop deleted ones, and swap the result in."""
    settings = load_settings(args.data, model=args.model)
    result = update_index(settings, Embedder.from_settings(settings), progress=not args.quiet)
    if not result.skipped:
        print(f"updated: {result.added} added, {result.changed} changed, {result.removed} removed documents; "
              f"{result.embedded} passages embedded in {result.seconds:.1f} s -> {result.path}",
              file=sys.stderr)
    _warn_if_empty(result.manifest.documents)
    return 0


def _warn_if_empty(documents: int) -> None:
    """Say so when the index has nothing in it: search would answer every query with nothing."""
    if documents == 0:
        print(f"the index is empty because the corpus is; {IMPORT_HINT}", file=sys.stderr)


def cmd_search(args: argparse.Namespace) -> int:
    """Print the best documents for a query, and how many answer it."""
    settings = load_settings(args.data, model=args.model)
    if not args.query.strip():
        log.error("the query is empty")
        return 2
    searcher = Searcher(settings)
    ranking = searcher.search(Query(args.query, args.mode))
    matches = ranking.matches(range(min(args.k, ranking.total)))
    snippets = searcher.describe(ranking, matches)
    with CorpusStore(settings.db_path, create=False) as corpus:
        documents = corpus.get_many(m.doc_id for m in matches)
    rows = []
    for match, snippet in zip(matches, snippets, strict=True):
        doc = documents.get(match.doc_id)
        if doc is not None:
            rows.append({"rank": match.rank, "id": doc.id, "url": doc.url, "title": doc.title, "date": doc.date,
                         "source": doc.source, "score": round(match.score, 6), "snippet": snippet.html,
                         "passage": snippet.passage, "countries": list(match.fields.countries),
                         "tags": list(match.fields.tags)})
    if args.json:
        print(json.dumps({"query": args.query, "mode": args.mode, "took_ms": round(ranking.took_ms, 2),
                          "total": ranking.total, "total_relation": ranking.relation, "results": rows},
                         ensure_ascii=False))
        return 0
    for row in rows:
        print(f"{row['rank']:2}. {row['title']}  [{row['date'] or 'undated'} · {row['source']}]  "
              f"score {row['score']:.4f}")
        if row["url"]:
            print(f"    {row['url']}")
        plain = row["snippet"].replace('<mark class="meaning">', "").replace("<mark>", "").replace("</mark>", "")
        print(textwrap.indent(textwrap.fill(html.unescape(plain), 100), "    "))
    more = "+" if ranking.relation == "gte" else ""
    print(f"{ranking.total}{more} documents match; {len(rows)} shown, ranked in {ranking.took_ms:.0f} ms "
          f"({args.mode})" if ranking.total else f"nothing close to {args.query!r} was found ({args.mode})",
          file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Score each mode against judged queries (BEIR files); optionally write TREC run files."""
    settings = load_settings(args.data, model=args.model, semantic_weight=args.semantic_weight,
                             passage_bonus=args.passage_bonus, semantic_threshold=args.semantic_threshold,
                             keyword_coverage=args.keyword_coverage, semantic_floor=args.semantic_floor,
                             weight_shift=args.weight_shift)
    queries, qrels = load_queries(args.queries), load_qrels(args.qrels)
    embedder = Embedder(settings.model, settings.batch_size, threads=args.threads,
                        backend=settings.embed_backend, cache_dir=settings.models_path)
    searcher = Searcher(settings, embedder)
    print(f"{args.queries.name} / {args.qrels.name}: semantic_weight {settings.semantic_weight} "
          f"(shift {settings.weight_shift} at gap {settings.clear_gap}), "
          f"passage_bonus {settings.passage_bonus}, semantic_threshold {settings.semantic_threshold}, "
          f"semantic_floor {settings.semantic_floor}, keyword_coverage {settings.keyword_coverage}")
    for mode in args.mode or MODES:
        def ranker(text: str, depth: int, mode: str = mode) -> list[tuple[str, float]]:
            # A result stands for its story: its near-copies follow it, as the page names them beside it,
            # so that a judged copy counts as found (qrels judge copies one by one).
            run = [(d, m.score) for m in searcher.rank(text, depth, mode) for d in (m.doc_id, *m.versions)]
            return run[:depth]

        run, ms = run_queries(ranker, queries, qrels)
        print(score_run(mode, run, qrels, args.k, ms).line(), flush=True)
        if args.run:
            path = args.run if len(args.mode or MODES) == 1 else args.run.with_suffix(f".{mode}{args.run.suffix}")
            with open(path, "w", encoding="utf-8") as handle:
                write_trec_run(handle, run, f"rightssearch-{mode}")
    return 0


def _k(value: str) -> int:
    k = int(value)
    if not 1 <= k <= 100:
        raise argparse.ArgumentTypeError("k must be between 1 and 100")
    return k


def build_parser(prog: str = "python -m indexer") -> argparse.ArgumentParser:
    """The `python -m indexer` argument parser (`prog` names it in usage lines)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", help="build the index of the corpus (skipped when up to date)",
                       description="Split documents into passages, embed them and write a FAISS index "
                       "and a keyword index into a new folder, then swap it in. Ctrl-C leaves the "
                       "previous index serving.")
    p.add_argument("--force", action="store_true", help="rebuild even if the index is up to date")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("prepare", help="make the models folder's one-time files (build and update do it too)",
                       description="Export the model to ONNX for the chosen backend and embed its "
                       "vocabulary for meaning highlights: once per machine and model, cached in the "
                       "models folder (models_dir setting, default <data>/models). Useful before timing a "
                       "build, or to bake the files into an image.")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("update", help="index only what changed in the corpus since the last build",
                       description="Embed new and changed documents (by content hash), remove deleted "
                       "ones, and swap the updated copy of the index in, like build.")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_update)

    p = sub.add_parser("search", help="search the index from the terminal")
    p.add_argument("query")
    p.add_argument("--k", type=_k, default=10, help="how many documents (1-100, default 10)")
    p.add_argument("--mode", choices=MODES, default="hybrid", help="retrieval mode (default hybrid)")
    p.add_argument("--json", action="store_true", help="print the API's JSON instead of text")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("eval", help="measure retrieval on judged queries (BEIR format)",
                       description="Rank every judged query in each mode and print nDCG@k, recall@100 "
                       "and MRR@k (graded gains, log2 discount, ideal DCG from all judged documents).")
    p.add_argument("--queries", type=Path, required=True, metavar="FILE", help="BEIR queries.jsonl")
    p.add_argument("--qrels", type=Path, required=True, metavar="FILE",
                   help="BEIR qrels TSV with header 'query-id corpus-id score'")
    p.add_argument("--mode", choices=MODES, action="append", help="mode to score, repeatable (default: all)")
    p.add_argument("--k", type=_k, default=10, help="cutoff of nDCG and MRR (default 10)")
    p.add_argument("--run", type=Path, metavar="FILE",
                   help="write a TREC run file (one per mode, FILE.<mode>.ext, when several)")
    p.add_argument("--semantic-weight", type=float, help="override the semantic_weight setting")
    p.add_argument("--weight-shift", type=float,
                   help="override the weight_shift setting (0 = the same semantic_weight for every query)")
    p.add_argument("--passage-bonus", type=float, help="override the passage_bonus setting")
    p.add_argument("--semantic-threshold", type=float,
                   help="override the semantic_threshold setting (cosine a document needs to join the set)")
    p.add_argument("--semantic-floor", type=float,
                   help="override the semantic_floor setting (cosine that joins once the best passage "
                   "reaches the threshold)")
    p.add_argument("--keyword-coverage", type=float,
                   help="override the keyword_coverage setting (share of the query's words a document needs)")
    p.add_argument("--threads", type=int, help="threads for query encoding (default: all cores; "
                   "1 is much faster on a busy machine)")
    p.set_defaults(func=cmd_eval)

    for p in sub.choices.values():
        add_common_arguments(p)
        p.add_argument("--model", help="embedding model: path or name (default: the packaged MiniLM)")
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m indexer") -> int:
    """Run one indexer command; known failures become one clear line and a non-zero exit."""
    args = build_parser(prog).parse_args(argv)
    setup_logging(args.verbose)
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader stopped early (`... | head`): not an error (an OSError below)
        return reader_gone()
    except (CorpusError, IndexLoadError, ModelError, BuildBusy, EvalInputError, QueryTooSlow, OSError) as exc:
        log.error("%s", exc)
        return 1
    except KeyboardInterrupt:
        log.error("interrupted; the previous index is still the live one")
        return 130
