"""Command line of the corpus: import, export, crawl, clean, add a site (`python -m corpus --help`)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from itertools import islice
from pathlib import Path

from tqdm import tqdm

from corpus.cache import PageCache
from corpus.clean import clean_html
from corpus.config import IMPORT_HINT, add_common_arguments, load_settings, reader_gone, setup_logging
from corpus.crawl import Crawler, CrawlOptions, CrawlStats
from corpus.discover import describe, discover, profile_name
from corpus.documents import normalise_date
from corpus.fetch import USER_AGENT, Fetcher, FetchSettings
from corpus.importer import LineError, publisher_by_address, read_jsonl, read_text
from corpus.sources import (
    PROFILE_NAME,
    SOURCES_FILE,
    Source,
    adhoc_source,
    load_profiles,
    load_sources,
    save_profile,
    user_sources_file,
)
from corpus.store import CorpusError, CorpusStore, UpsertStats

log = logging.getLogger("corpus")

BATCH = 500
SOURCES_HELP = ("your profiles file (TOML), read after the built-in ones and winning on a name clash "
                "(default: DATA/sources.toml, written by add-source)")


def cmd_import(args: argparse.Namespace) -> int:
    """Import JSON Lines files and plain-text releases (`.txt`, one a file) into the corpus store."""
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
            plain = path.suffix.lower() == ".txt"
            # A JSON Lines file names its source; a text file names its document (the folder, the source).
            source = args.source or (path.resolve().parent.name if plain else path.stem) or "text"
            with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=f"import {path.name}",
                      disable=args.quiet) as bar:
                documents = (read_text if plain else read_jsonl)(path, source, errors)
                urls: list[str] = []
                while batch := list(islice(documents, BATCH)):
                    stats = store.upsert_many(batch)
                    urls += (d.url for d in batch)
                    for field in ("added", "updated", "unchanged"):
                        setattr(total, field, getattr(total, field) + getattr(stats, field))
                    bar.update(sum(len(d.body) + len(d.title) for d in batch))
                bar.update(bar.total - bar.n)
            publisher = args.publisher or publisher_by_address(
                urls, load_profiles(user_sources_file(settings.data_dir)).values())
            if publisher:
                store.name_source(source, publisher)
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
                "date": doc.date, "tags": list(doc.tags), "lang": doc.lang, "body": doc.body,
                "content_hash": meta.pop("content_hash", doc.content_hash),
                "captured_at": doc.captured_at, **meta,
            }
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    """Crawl the named sources (or every profile) into the corpus store."""
    settings = load_settings(args.data)
    sources = _chosen_sources(args)
    since = None
    if args.since:
        since = normalise_date(args.since)
        if since is None:
            raise CorpusError(f"--since {args.since!r} is not a date (try yyyy-mm-dd)")
    if args.delay < 0 or (args.max_pages is not None and args.max_pages < 1) or args.max_listings < 1 \
            or args.max_requests < 1:
        raise CorpusError("--delay must be >= 0, and --max-pages, --max-listings and --max-requests >= 1")
    options = CrawlOptions(max_pages=args.max_pages, since=since, revalidate=args.revalidate,
                           progress=not args.quiet, max_listings=args.max_listings,
                           max_requests=args.max_requests)
    fetch = FetchSettings(user_agent=args.user_agent, delay=args.delay,
                          obey_crawl_delay=not args.ignore_crawl_delay)
    total = CrawlStats()
    with CorpusStore(settings.db_path) as store, PageCache(settings.cache_path) as cache:
        with Fetcher(fetch) as fetcher:
            for source in sources:
                stats = Crawler(source, store, cache, fetcher, options).run()
                log.info("%s: %s", source.name, stats)
                total.add(stats)
        count = store.count()
    print(f"crawled: {total}; {count} documents in {settings.db_path}", file=sys.stderr)
    if total.fetched + total.not_modified + total.cached == 0:
        print("the crawl fetched nothing: the sites could not be reached (is there network access?)"
              if total.failed or total.skipped else "the crawl found no articles", file=sys.stderr)
        if count == 0:
            print(f"the corpus is empty; {IMPORT_HINT}", file=sys.stderr)
    return 0


def _chosen_sources(args: argparse.Namespace) -> list[Source]:
    """The profiles a crawl runs: --start/--pattern, --source, or every profile in the file."""
    if args.start or args.pattern:
        if not (args.start and args.pattern):
            raise CorpusError("--start and --pattern go together")
        sources = [adhoc_source(args.start, args.pattern, args.listings)]
    else:
        profiles = _profiles(args)
        if args.source and args.source not in profiles:
            raise CorpusError(f"no source {args.source!r} (known: {', '.join(profiles)}; add a site with "
                              "`python -m corpus add-source URL`)")
        sources = [profiles[args.source]] if args.source else list(profiles.values())
    return [s.rebased(args.base_url) for s in sources] if args.base_url else sources


def _user_file(args: argparse.Namespace) -> Path:
    """The user's profiles file: --sources FILE, else sources.toml in the data folder."""
    return Path(args.sources) if args.sources else user_sources_file(load_settings(args.data).data_dir)


def _profiles(args: argparse.Namespace) -> dict[str, Source]:
    """The built-in profiles and the user's (a --sources FILE that does not exist is an error)."""
    if args.sources and not Path(args.sources).exists():
        raise CorpusError(f"no sources file {args.sources}")
    return load_profiles(_user_file(args))


def cmd_add_source(args: argparse.Namespace) -> int:
    """Look at a site, print the profile it proposes with a sample of pages, and save the profile."""
    path = _user_file(args)
    name = args.name or profile_name(args.url)
    if args.sample < 1 or args.delay < 0:
        raise CorpusError("--sample must be >= 1 and --delay >= 0")
    if not PROFILE_NAME.match(name):
        raise CorpusError(f"--name {name!r}: use letters, digits, '-' and '_' only")
    mine = load_sources(path) if path.exists() else {}
    built_in = name in load_sources(SOURCES_FILE)
    if (name in mine or built_in) and not (args.replace or args.dry_run):
        where = path if name in mine else "the built-in profiles"
        raise CorpusError(f"a profile [{name}] is already in {where}: choose another --name, or --replace "
                          "to put this one in its place")
    fetch = FetchSettings(user_agent=args.user_agent, delay=args.delay,
                          obey_crawl_delay=not args.ignore_crawl_delay)
    with Fetcher(fetch) as fetcher:
        found = discover(args.url, fetcher, name, args.sample)
    sys.stdout.write(describe(found))
    if args.dry_run:
        print("--dry-run: no profile written", file=sys.stderr)
        return 0
    replaced = save_profile(found.source, path, replace_existing=args.replace)
    note = " (replacing yours)" if replaced else " (in place of the built-in one)" if built_in else ""
    data = f" --data {args.data}" if args.data else ""
    sources = f" --sources {args.sources}" if args.sources else ""
    print(f"wrote profile [{name}] to {path}{note}; crawl it with: "
          f"python -m corpus crawl --source {name}{data}{sources}", file=sys.stderr)
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    """Clean saved HTML files and print each document as one JSON line."""
    profiles = _profiles(args)
    if args.source and args.source not in profiles:
        raise CorpusError(f"no source {args.source!r} (known: {', '.join(profiles)})")
    # The named profile, else the one whose site the --url belongs to, else generic extraction.
    chosen = profiles.get(args.source or "") or next(
        (p for p in profiles.values() if args.url and p.on_site(p.canonical(args.url))), None)
    selectors = chosen.selectors if chosen else None
    failed = 0
    for path in map(Path, args.files):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            log.error("%s: %s", path, exc.strerror or exc)
            failed += 1
            continue
        doc = clean_html(raw, args.url or "", selectors)
        url = doc.canonical or args.url or ""
        row = {"file": str(path), "title": doc.title, "date": doc.date, "tags": list(doc.tags),
               "body": doc.body, "url": chosen.canonical(url) if chosen and url else url}
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 1 if failed else 0


def build_parser(prog: str = "python -m corpus") -> argparse.ArgumentParser:
    """The `python -m corpus` argument parser (`prog` names it in usage lines)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("import", help="import JSON Lines files or plain-text releases",
                       description="Import JSON Lines files: one object a line with title and body "
                       "(or text), optional id/_id, url, date, tags, source; other fields become "
                       "metadata. Bad lines are reported and skipped. A .txt file is one release as "
                       "scraped text (tag labels, title, paragraphs): its name is the id. Page clutter "
                       "(teasers, newsletter and share boxes, photo credits, ads) is removed from every "
                       "body; the text as given stays in the metadata. Importing twice changes nothing.")
    p.add_argument("files", nargs="+", metavar="FILE.jsonl|FILE.txt")
    p.add_argument("--source", help="source name for lines without one (default: a .jsonl file's name, "
                   "a .txt file's folder)")
    p.add_argument("--publisher", help="who publishes the source, as results and facets show it (default: "
                   "the profile's publisher when most urls are of a known site, else the source name)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_common_arguments(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write the corpus as JSON Lines to standard output")
    add_common_arguments(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("crawl", help="crawl sites politely into the corpus",
                       description="Crawl the profiles of the sources file (all of them, or --source NAME), "
                       "or any site from --start URL with an article --pattern. Obeys robots.txt, waits "
                       "--delay seconds between requests to a host, caches responses, and resumes an "
                       "interrupted crawl where it stopped.")
    p.add_argument("--source", metavar="NAME", help="crawl only this profile")
    p.add_argument("--start", metavar="URL", help="crawl this listing page instead of a profile")
    p.add_argument("--pattern", metavar="REGEX", help="with --start: article urls (searched in the path)")
    p.add_argument("--listings", metavar="REGEX", default=None,
                   help="with --start: listing pages to follow (default: the start page's pagination)")
    p.add_argument("--base-url", metavar="URL", help="serve the profile from another origin (a local mirror)")
    p.add_argument("--sources", metavar="FILE", help=SOURCES_HELP)
    p.add_argument("--max-pages", type=int, metavar="N", help="request at most N article pages this run")
    p.add_argument("--max-listings", type=int, default=1000, metavar="N",
                   help="read at most N listing and sitemap pages this run (default 1000)")
    p.add_argument("--max-requests", type=int, default=20_000, metavar="N",
                   help="send at most N requests this run; the next run resumes (default 20000)")
    p.add_argument("--since", metavar="DATE", help="skip articles published before DATE")
    p.add_argument("--delay", type=float, default=1.0, metavar="SECONDS",
                   help="pause between requests to one host (default 1; robots.txt Crawl-delay may raise it)")
    p.add_argument("--ignore-crawl-delay", action="store_true",
                   help="use --delay even if robots.txt asks for more (only for sites you run)")
    p.add_argument("--revalidate", action="store_true",
                   help="ask the server about every cached article (conditional requests)")
    p.add_argument("--user-agent", default=USER_AGENT, help="User-Agent header (identify yourself)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_common_arguments(p)
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("clean", help="extract documents from saved HTML files (JSON Lines on stdout)",
                       description="Print one JSON object per file: file, title, date, tags, body, url. "
                       "The crawler cleans pages with the same code.")
    p.add_argument("files", nargs="+", metavar="FILE.html")
    p.add_argument("--url", help="the url the files were fetched from (resolves relative links)")
    p.add_argument("--source", metavar="NAME",
                   help="use this profile's CSS selectors (default: the profile of --url's site, if any)")
    p.add_argument("--sources", metavar="FILE", help=SOURCES_HELP)
    add_common_arguments(p)
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("add-source", help="propose a profile for a new site from its address",
                       description="Look at a site (robots.txt, sitemaps, RSS/Atom feeds, listing pages), "
                       "propose its article url pattern, start pages and extraction method, fetch a "
                       "sample of articles to show what a crawl would store (title, date, first words), "
                       "and append the profile to your sources file (DATA/sources.toml, or --sources "
                       "FILE), where `crawl --source NAME` finds it. The profile is printed as TOML on "
                       "standard output; review or edit it in the file. An existing profile of the same "
                       "name (yours or a built-in one) is never replaced without --replace. Polite like "
                       "crawl: robots.txt, --delay and Crawl-delay; a few dozen requests at most.")
    p.add_argument("url", metavar="URL", help="the site's address (its home page, or a news listing page)")
    p.add_argument("--name", help="profile name (default: from the host, e.g. hrw for www.hrw.org)")
    p.add_argument("--sources", metavar="FILE", help="write to this file instead of DATA/sources.toml")
    p.add_argument("--sample", type=int, default=5, metavar="N",
                   help="article pages to fetch and show (default 5)")
    p.add_argument("--dry-run", action="store_true", help="print the proposal, write nothing")
    p.add_argument("--replace", action="store_true", help="replace a profile of the same name")
    p.add_argument("--delay", type=float, default=1.0, metavar="SECONDS",
                   help="pause between requests (default 1; robots.txt Crawl-delay may raise it)")
    p.add_argument("--ignore-crawl-delay", action="store_true",
                   help="use --delay even if robots.txt asks for more (only for sites you run)")
    p.add_argument("--user-agent", default=USER_AGENT, help="User-Agent header (identify yourself)")
    add_common_arguments(p)
    p.set_defaults(func=cmd_add_source)
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m corpus") -> int:
    """Run one corpus command; errors become one clear line and a non-zero exit."""
    args = build_parser(prog).parse_args(argv)
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
        return reader_gone()
