"""Add each mirror site by its address alone, crawl it with the profile found, compare with the ground truth.

    python bench/add_source_report.py [--polite] [--sample N] [--keep DIR] [--sites hrw defenders ishr]

No built-in profile is used: each mirror is served on 127.0.0.1 (whose address matches none), and
`python -m corpus add-source URL` writes the profile it proposes into a fresh data folder; then
`python -m corpus crawl --source NAME` crawls with it, as a user would. Prints, per site: the
proposed article and listings patterns and extraction, the discovery's requests and seconds, then
the crawl's articles found / expected, extra pages stored, titles, dates and mean body F1 against the
ground truth. By default both commands use --delay 0 and ignore Crawl-delay (our own mirrors);
--polite keeps the 1 s default and obeys Crawl-delay.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawl_mirrors import PROFILES, ROOT, compare, mirror, serve

from corpus.discover import profile_name
from corpus.sources import load_sources

TARGET = 0.95  # articles found / expected, with no profile


def run(command: list[str], args: argparse.Namespace) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run one corpus command as a user would; return its wall time and its result (exit on failure)."""
    command = [sys.executable, "-m", "corpus", *command]
    command += [] if args.polite else ["--delay", "0", "--ignore-crawl-delay"]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command[3:5])} failed:\n{result.stderr}")
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--polite", action="store_true",
                        help="default delay and Crawl-delay for both commands")
    parser.add_argument("--sample", type=int, default=5, help="add-source --sample (default 5)")
    parser.add_argument("--keep", metavar="DIR", help="keep the data folders here")
    parser.add_argument("--sites", nargs="+", default=list(PROFILES), choices=list(PROFILES))
    args = parser.parse_args()
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="add-source-"))
    ok = True
    for site in args.sites:
        folder, rows = mirror(site, workdir)
        proc, base_url = serve(folder)
        data = workdir / f"{site}-data"
        name = profile_name(base_url)
        try:
            found_in, added = run(
                ["add-source", base_url, "--data", str(data), "--sample", str(args.sample)], args
            )
            crawled_in, crawled = run(["crawl", "--source", name, "--data", str(data), "-q"], args)
        finally:
            proc.terminate()
            proc.wait()
        profile = load_sources(data / "sources.toml")[name]
        discovery = re.search(r"# (\d+) requests in ([\d.]+) s", added.stdout)
        crawl = re.search(r"(\d+) requests in ([\d.]+) s", crawled.stderr)
        m = compare(rows, data)
        share = m["found"] / m["expected"]
        ok &= share >= TARGET and m["extra"] == 0
        print(f"{site}: add-source {base_url}")
        print("  articles pattern: " + " | ".join(line.strip(" |") for line in profile.articles.splitlines()
                                                   if line.strip() and line.strip() != "(?x)"))
        print(f"  listings pattern: {profile.listings or '(none)'}; start: "
              + ", ".join(u.removeprefix(base_url) for u in profile.start)
              + f"; sitemaps: {', '.join(u.removeprefix(base_url) for u in profile.sitemaps) or 'none'}")
        body = profile.selectors.body
        print(f"  extraction: {'body selector ' + body if body else 'the generic extractor'}")
        print(f"  discovery: {discovery[1] if discovery else '?'} requests, "
              f"{discovery[2] if discovery else '?'} s in the command ({found_in:.1f} s with Python's start)")
        print(f"  crawl: {crawl[1] if crawl else '?'} requests, {crawled_in:.1f} s")
        print(f"  articles found: {m['found']}/{m['expected']} ({share:.1%}); "
              f"extra pages stored: {m['extra']}")
        per_found = m["expected"] / max(m["found"], 1)  # compare() averages over the expected documents
        print(f"  of the documents found: titles exact {m['titles'] * per_found:.2%}, dates exact "
              f"{m['dates'] * per_found:.2%}, mean body F1 {m['body_f1'] * per_found:.4f}")
    print(f"all sites >= {TARGET:.0%} with nothing extra" if ok else "SOME TARGETS MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
