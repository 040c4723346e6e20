"""How many requests one client gets through a running server's rate limit, whichever worker answers.

    python bench/rate_limit.py --url http://127.0.0.1:8000 --requests 150 --seconds 10

Sends `--requests` requests from one address to `/api/documents/nope` (404 when let through, 429
when refused) spread over `--seconds`, each on a new connection so that gunicorn's workers share
them, and prints how many got through against what the configured bucket allows (burst + rate x
time). With limits per worker, a client would get about workers x that. Loopback only.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from urllib.parse import urlsplit

import httpx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--per-minute", type=float, default=120, help="the server's RATE_LIMIT_PER_MINUTE")
    parser.add_argument("--burst", type=int, default=30, help="the server's RATE_LIMIT_BURST")
    args = parser.parse_args()
    if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only")
    statuses: Counter[int] = Counter()
    started = time.monotonic()
    for n in range(args.requests):
        time.sleep(max(0.0, started + n * args.seconds / args.requests - time.monotonic()))
        statuses[httpx.get(args.url + "/api/documents/nope", timeout=10).status_code] += 1
    elapsed = time.monotonic() - started
    allowed = args.burst + args.per_minute / 60 * elapsed
    print(f"{args.requests} requests in {elapsed:.1f} s: {statuses[404]} let through, {statuses[429]} refused "
          f"(429), other {sum(statuses.values()) - statuses[404] - statuses[429]}; the bucket allows "
          f"{allowed:.0f} ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})")


if __name__ == "__main__":
    main()
