"""Load test: concurrent clients against the app under gunicorn, on the loopback interface only.

Each client mixes plain searches, filtered searches, document pages and feeds for a fixed time (and
at most a fixed number of requests). Any answer but 200 counts as an error. Prints throughput and
p50/p95/p99 latency, overall and per kind of request; exits 1 if there was any error.

    python bench/load.py --data /tmp/hr --duration 60 --clients 8       # starts its own server
    python bench/load.py --url http://127.0.0.1:8000 --duration 60      # a server already running

A server started here has the per-client rate limit turned off (every client shares 127.0.0.1, so
the limiter would measure itself); the cap on concurrent searches stays at its default.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
QUERIES = (
    "journalists detained in Kyrgyzstan", "trade unionists abducted", "travel bans on Chinese defenders",
    "reprisals against people who cooperate with the UN", "torture in police custody",
    "women human rights defenders harassed", "lawyers disbarred for defending activists",
    "internet shutdown during protests", "forced evictions of indigenous communities",
    "death sentence for peaceful protesters", "environmental activist killed", "LGBT rights crackdown",
    "freedom of assembly restricted", "enforced disappearance", "smear campaign against NGOs",
    "foreign agents law", "refugees pushed back at the border", "child soldiers recruited",
    '"arbitrary detention"', "students arrested after demonstration",
)
COUNTRIES = ("China", "Russia", "Zimbabwe", "Egypt", "India", "Mexico", "Philippines", "Turkey")


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


class Load:
    """Shared state of one run: latencies by kind, errors, document ids seen in results."""

    def __init__(self, base: str, deadline: float, max_requests: int) -> None:
        self.base = base
        self.deadline = deadline
        self.max_requests = max_requests
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.doc_ids: list[str] = []
        self.sent = 0
        self.lock = threading.Lock()

    def take_turn(self) -> bool:
        """Whether one more request may be sent."""
        with self.lock:
            if time.monotonic() >= self.deadline or self.sent >= self.max_requests:
                return False
            self.sent += 1
            return True

    def request(self, kind: str, rng: random.Random) -> tuple[str, dict]:
        """The path and parameters of one request of this kind."""
        q = rng.choice(QUERIES)
        if kind == "search":
            return "/api/search", {"q": q, "mode": rng.choice(["hybrid", "hybrid", "semantic", "keyword"])}
        if kind == "filtered":
            params = {"q": q, "country": rng.choice(COUNTRIES)} if rng.random() < 0.5 else {
                "q": q, "from": str(rng.randint(2015, 2023)), "sort": "date"}
            return rng.choice(["/api/search", "/"]), {**params, "page": rng.choice(["1", "1", "2"])}
        if kind == "document":
            with self.lock:
                doc_id = rng.choice(self.doc_ids)
            return rng.choice([f"/documents/{doc_id}", f"/api/documents/{doc_id}"]), {}
        if kind == "feed":
            return "/feed", {"q": q}
        return "/", {"q": q}

    def client(self, seed: int) -> None:
        """One client: send mixed requests until time or the request budget runs out."""
        rng = random.Random(seed)
        kinds = ["search"] * 4 + ["filtered"] * 2 + ["document"] * 3 + ["feed"] + ["page"] * 2
        with httpx.Client(base_url=self.base, timeout=30) as http:
            while self.take_turn():
                kind = rng.choice(kinds) if self.doc_ids else "search"
                path, params = self.request(kind, rng)
                started = time.perf_counter()
                try:
                    response = http.get(path, params=params)
                    status = response.status_code
                except httpx.HTTPError as exc:
                    status, response = 0, None
                    detail = f"{type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - started
                with self.lock:
                    self.latencies[kind].append(elapsed)
                    if status != 200:
                        body = " ".join(response.text[:120].split()) if response is not None else detail
                        self.errors.append(f"{kind} {path} {params} -> {status} {body}")
                    elif path == "/api/search" and len(self.doc_ids) < 500:
                        self.doc_ids.extend(r["id"] for r in response.json()["results"])

    def report(self, seconds: float, clients: int) -> str:
        """Throughput and latency percentiles, overall and per kind."""
        lines = [f"{self.sent} requests from {clients} clients in {seconds:.1f} s: "
                 f"{self.sent / seconds:.1f} requests/s, {len(self.errors)} errors"]
        everything = [t for values in self.latencies.values() for t in values]
        for kind, values in [("all", everything), *sorted(self.latencies.items())]:
            ms = [v * 1000 for v in values]
            lines.append(f"  {kind:9} n={len(ms):6}  p50 {percentile(ms, 50):7.0f} ms  p95 "
                         f"{percentile(ms, 95):7.0f} ms  p99 {percentile(ms, 99):7.0f} ms  "
                         f"mean {statistics.fmean(ms):7.0f} ms")
        return "\n".join(lines + [f"  error: {e}" for e in self.errors[:10]])


def start_server(data: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """`python -m search_app` on the loopback interface, with the per-client rate limit off."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
           "RIGHTSSEARCH_RATE_LIMIT_PER_MINUTE": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "search_app", "--data", data, "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )


def wait_until_up(base: str, timeout: float) -> None:
    """Wait for /healthz to answer 200, or exit with the reason."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    sys.exit(f"{base} did not answer /healthz within {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    """Run the load test and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="a running server on the loopback interface")
    target.add_argument("--data", help="start a server over this data folder")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--max-requests", type=int, default=100_000, help="stop after this many")
    parser.add_argument("--workers", type=int, default=2, help="with --data: gunicorn workers (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    server = None
    if args.data:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        server = start_server(args.data, port, args.workers)
    else:
        base = args.url.rstrip("/")
        if urlsplit(base).hostname not in LOOPBACK:
            parser.error("--url must be on the loopback interface (127.0.0.1, localhost or ::1)")
    try:
        wait_until_up(base, timeout=300)
        load = Load(base, time.monotonic() + args.duration, args.max_requests)
        started = time.monotonic()
        threads = [threading.Thread(target=load.client, args=(args.seed * 1000 + i,))
                   for i in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(load.report(time.monotonic() - started, args.clients))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    return 1 if load.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
