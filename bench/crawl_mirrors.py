"""Crawl the mirror sites twice over real HTTP and compare the documents with their ground truth.

    python bench/crawl_mirrors.py [--delay SECONDS] [--polite] [--keep DIR] [--sites SITE ...]

The shared mirrors (`hrw`, `defenders`) and the ISHR mirror built by `tests/ishr_site.py` (three
languages, three WordPress templates) are each served by `python -m http.server` on 127.0.0.1 and
crawled with `python -m corpus crawl --source PROFILE --base-url ...` (the shipped profiles), into a
fresh data folder, then crawled again unchanged. Prints, per site: expected documents found /
missing / extra, titles, dates, tags and languages exact, mean body F1 (the extraction metric per
page, averaged), documents per language and per extraction path (profile selectors or the generic
extractor), and the two crawls' times and requests; the second crawl must download nothing. By
default both crawls use --delay 0 and ignore robots.txt's Crawl-delay (these are our own mirrors);
--polite keeps the 1 s default and obeys Crawl-delay (about 7 minutes for hrw).
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.evaluate import score_page  # noqa: E402
from corpus.store import CorpusStore  # noqa: E402
from corpus.urls import path_and_query  # noqa: E402
from tests.ishr_site import build_ishr_site  # noqa: E402

SITES = ROOT.parent / "shared" / "data" / "sites"
PROFILES = {"hrw": "hrw", "defenders": "ishr", "ishr": "ishr"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mirror(site: str, workdir: Path) -> tuple[Path, list[dict]]:
    """A mirror's folder and ground truth: a shared one as it is, the ISHR one built into `workdir`."""
    if site == "ishr":
        folder = workdir / "ishr-site"
        return folder, build_ishr_site(folder)
    lines = (SITES / site / "ground-truth.jsonl").read_text(encoding="utf-8").splitlines()
    return SITES / site, [json.loads(line) for line in lines]


def serve(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start a static server for a mirror site; return it and its base url once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port}"


def crawl(profile: str, base_url: str, data: Path, args: argparse.Namespace) -> tuple[float, str]:
    """Run one crawl as a user would; return its wall time and its summary line."""
    command = [
        sys.executable,
        "-m",
        "corpus",
        "crawl",
        "--data",
        str(data),
        "--source",
        profile,
        "--base-url",
        base_url,
        "-q",
    ]
    command += [] if args.polite else ["--delay", str(args.delay), "--ignore-crawl-delay"]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"crawl of {profile} failed:\n{result.stderr}")
    summary = [line for line in result.stderr.splitlines() if line.startswith("crawled:")]
    return seconds, summary[-1] if summary else ""


def compare(rows: list[dict], data: Path) -> dict[str, float | int | str]:
    """Match stored documents to the ground truth by canonical path."""
    truth = {r["canonical_path"]: r for r in rows if r["expected"] == "document"}
    with CorpusStore(data / "corpus.sqlite3", create=False) as store:
        docs = {path_and_query(d.url): d for d in store.iter_documents()}
    both = truth.keys() & docs.keys()
    n = len(truth)
    return {
        "expected": n,
        "found": len(both),
        "missing": n - len(both),
        "extra": len(docs.keys() - truth.keys()),
        "titles": sum(docs[p].title == " ".join(truth[p]["title"].split()) for p in both) / n,
        "dates": sum(docs[p].date == truth[p]["date"] for p in both) / n,
        "tags": sum(list(docs[p].tags) == truth[p]["tags"] for p in both) / n,
        "body_f1": sum(score_page(docs[p].body, truth[p]["body"]).f1 for p in both) / n,
        # Only the ISHR mirror's rows say which language a page is in.
        "langs": sum(docs[p].lang == truth[p].get("lang", docs[p].lang) for p in both) / n,
        "per_lang": counted(d.lang or "?" for d in docs.values()),
        "per_path": counted(d.metadata.get("extracted_by", "?") for d in docs.values()),
    }


def counted(values: Iterable[str]) -> str:
    return ", ".join(f"{value} {n}" for value, n in Counter(values).most_common())


def requests_of(summary: str) -> str:
    found = re.search(r"(\d+) requests", summary)
    fetched = re.search(r"(\d+) fetched", summary)
    return f"{found[1] if found else '?'} requests, {fetched[1] if fetched else '?'} fetched"


def fetched_of(summary: str) -> int | None:
    found = re.search(r"(\d+) fetched", summary)
    return int(found[1]) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--delay", type=float, default=0.0, help="--delay for both crawls (default 0)")
    parser.add_argument("--polite", action="store_true", help="crawl with the default delay and Crawl-delay")
    parser.add_argument("--keep", metavar="DIR", help="keep the data folders here")
    parser.add_argument("--sites", nargs="+", default=list(PROFILES), choices=list(PROFILES))
    args = parser.parse_args()
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="crawl-mirrors-"))
    ok = True
    for site in args.sites:
        folder, rows = mirror(site, workdir)
        proc, base_url = serve(folder)
        try:
            data = workdir / site
            first, summary1 = crawl(PROFILES[site], base_url, data, args)
            second, summary2 = crawl(PROFILES[site], base_url, data, args)
        finally:
            proc.terminate()
            proc.wait()
        m = compare(rows, data)
        exact = m["missing"] == 0 and m["extra"] == 0
        ok &= (
            exact
            and m["titles"] >= 0.99
            and m["dates"] >= 0.97
            and m["langs"] == 1
            and m["body_f1"] >= 0.97
            # Unchanged, the site sends nothing new: every page answers 304 or comes from the cache.
            and fetched_of(summary2) == 0
        )
        print(f"{site} (profile {PROFILES[site]}):")
        print(
            f"  documents: {m['found']}/{m['expected']} expected found, {m['missing']} missing, "
            f"{m['extra']} extra -> {'exact match' if exact else 'MISMATCH'}"
        )
        print(
            f"  titles exact {m['titles']:.2%}, dates exact {m['dates']:.2%}, tags exact {m['tags']:.2%}, "
            f"languages exact {m['langs']:.2%}, mean body F1 {m['body_f1']:.4f}"
        )
        print(f"  documents per language: {m['per_lang']}; bodies found by: {m['per_path']}")
        print(
            f"  first crawl {first:.1f} s ({requests_of(summary1)}); second crawl {second:.1f} s "
            f"({requests_of(summary2)}); ratio {second / first:.3f}"
        )
    print("all targets met" if ok else "SOME TARGETS MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
