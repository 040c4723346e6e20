"""How a running server answers while clients hold connections open with half a request.

    python bench/stalled_clients.py --url http://127.0.0.1:8000 --stalled 64 --seconds 5

Opens `--stalled` sockets that send a request line and one header and then nothing (a slowloris),
keeps them open for `--seconds`, and meanwhile times `/api/search` and `/healthz` every half
second. Prints each answer's status and time. Run it against loopback only.
"""

from __future__ import annotations

import argparse
import socket
import time
from urllib.parse import urlsplit

import httpx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the server, on 127.0.0.1")
    parser.add_argument("--stalled", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    parts = urlsplit(args.url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only")
    sockets = [socket.create_connection((parts.hostname, parts.port)) for _ in range(args.stalled)]
    for sock in sockets:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    print(f"{args.stalled} stalled connections open, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    started, times = time.monotonic(), []
    try:
        while time.monotonic() - started < args.seconds:
            for path, params in (("/api/search", {"q": "torture in prisons"}), ("/healthz", {})):
                t = time.perf_counter()
                try:
                    status = httpx.get(args.url + path, params=params, timeout=10).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                took = (time.perf_counter() - t) * 1000
                times.append(took)
                print(f"{time.monotonic() - started:4.1f} s  {path:<12} {status}  {took:7.1f} ms")
            time.sleep(0.5)
    finally:
        for sock in sockets:
            sock.close()
    print(f"slowest answer {max(times):.1f} ms of {len(times)}")


if __name__ == "__main__":
    main()
