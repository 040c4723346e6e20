"""Crawl both mirror sites twice over real HTTP and compare the documents with their ground truth.

    python bench/crawl_mirrors.py [--delay SECONDS] [--polite] [--keep DIR]

Each site is served by `python -m http.server` on 127.0.0.1 and crawled with
`python -m corpus crawl --source PROFILE --base-url ...` (the shipped profiles), into a fresh data
folder, then crawled again unchanged. Prints, per site: expected documents found / missing / extra,
titles, dates and tags exact, mean body F1 (the extraction metric per page, averaged), and the two
crawls' times and requests. By default both crawls use --delay 0 and ignore robots.txt's Crawl-delay
(these are our own mirrors); --polite keeps the 1 s default and obeys Crawl-delay (about 7 minutes
for hrw).
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.evaluate import score_page  # noqa: E402
from corpus.store import CorpusStore  # noqa: E402
from corpus.urls import path_and_query  # noqa: E402

SITES = ROOT.parent / "shared" / "data" / "sites"
PROFILES = {"hrw": "hrw", "defenders": "ishr"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(site: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start a static server for a mirror site; return it and its base url once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(SITES / site)],
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


def compare(site: str, data: Path) -> dict[str, float | int]:
    """Match stored documents to the ground truth by canonical path."""
    import json

    rows = [
        json.loads(line)
        for line in (SITES / site / "ground-truth.jsonl").read_text(encoding="utf-8").splitlines()
    ]
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
    }


def requests_of(summary: str) -> str:
    found = re.search(r"(\d+) requests", summary)
    fetched = re.search(r"(\d+) fetched", summary)
    return f"{found[1] if found else '?'} requests, {fetched[1] if fetched else '?'} fetched"


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
        proc, base_url = serve(site)
        try:
            data = workdir / site
            first, summary1 = crawl(PROFILES[site], base_url, data, args)
            second, summary2 = crawl(PROFILES[site], base_url, data, args)
        finally:
            proc.terminate()
            proc.wait()
        m = compare(site, data)
        exact = m["missing"] == 0 and m["extra"] == 0
        ok &= (
            exact
            and m["titles"] >= 0.99
            and m["dates"] >= 0.97
            and m["body_f1"] >= 0.97
            and second < first / 10
        )
        print(f"{site} (profile {PROFILES[site]}):")
        print(
            f"  documents: {m['found']}/{m['expected']} expected found, {m['missing']} missing, "
            f"{m['extra']} extra -> {'exact match' if exact else 'MISMATCH'}"
        )
        print(
            f"  titles exact {m['titles']:.2%}, dates exact {m['dates']:.2%}, tags exact {m['tags']:.2%}, "
            f"mean body F1 {m['body_f1']:.4f}"
        )
        print(
            f"  first crawl {first:.1f} s ({requests_of(summary1)}); second crawl {second:.1f} s "
            f"({requests_of(summary2)}); ratio {second / first:.3f}"
        )
    print("all targets met" if ok else "SOME TARGETS MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
