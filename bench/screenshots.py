"""Screenshots of every page at phone and desktop size, from the real server, for review without a server.

    python bench/screenshots.py --data DIR --out docs/screenshots

starts `python -m search_app --data DIR` on a free port, opens each page in headless Chromium at
390×844 (phone) and 1280×900 (desktop), and saves one viewport-high PNG per page and size (what a
reader sees first), plus dark-mode ones of the results and a document. DIR needs a built index.
With `pngquant` on the PATH (apt install pngquant) the PNGs are quantised to about a third of the size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
DARK = ("results", "document")  # pages also shot in dark mode
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> dict:
    """GET a JSON body."""
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def start_server(data: Path, port: int) -> subprocess.Popen[bytes]:
    """Start the app as a user would and wait until it answers."""
    server = subprocess.Popen([sys.executable, "-m", "search_app", "--data", str(data), "--port", str(port),
                               "--workers", "1"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"the server exited with {server.returncode}") from None
            time.sleep(1)
    server.terminate()
    raise SystemExit("the server did not answer within 180 s")


def pages(base: str, query: str) -> dict[str, str]:
    """The url of each page to shoot: a search narrowed by its top country, a document opened from it, …"""
    first = get_json(f"{base}/api/search?{urlencode({'q': query, 'k': 1})}")
    country = max(first["facets"]["country"].items(), key=lambda item: item[1])[0]
    args = {"q": query, "country": country}
    doc_id = get_json(f"{base}/api/search?{urlencode({**args, 'k': 1})}")["results"][0]["id"]
    return {
        "home": "/",
        "results": f"/?{urlencode(args)}",
        "document": f"/documents/{doc_id}?{urlencode(args)}",  # result links add #match (scrolls to it)
        "similar": f"/documents/{doc_id}/similar",
        "no-match": f"/?{urlencode({'q': 'qwzx', 'country': country})}",
        # A mistyped filter set aside with a suggestion, and the country the question names offered.
        "help": f"/?{urlencode({'q': 'journalists detained in Kyrgyzstan', 'country': 'Kyrgystan'})}",
        "error-404": "/documents/no-such-release",
    }


def shoot(base: str, urls: dict[str, str], out: Path) -> list[Path]:
    """Save each page at each size (and the DARK ones in dark mode) as PNG."""
    from playwright.sync_api import sync_playwright

    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for scheme in ("light", "dark"):
            for size, (width, height) in SIZES.items():
                page = browser.new_page(viewport={"width": width, "height": height}, color_scheme=scheme)
                for name, url in urls.items():
                    if scheme == "dark" and name not in DARK:
                        continue
                    page.goto(base + url)
                    path = out / f"{name}-{size}{'-dark' if scheme == 'dark' else ''}.png"
                    page.screenshot(path=str(path), animations="disabled")
                    saved.append(path)
                page.close()
        browser.close()
    return saved


def shrink(paths: list[Path]) -> None:
    """Quantise the PNGs in place with pngquant, if it is installed (a reviewer's download, a repo's size)."""
    if shutil.which("pngquant") and paths:
        subprocess.run(["pngquant", "--force", "--ext", ".png", "--quality", "70-95", "--skip-if-larger",
                        *map(str, paths)], check=False)


def main() -> None:
    """Start the server, shoot the pages, stop the server."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="a data folder with a built index")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--query", default="journalists detained")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = start_server(args.data, port)
    try:
        base = f"http://127.0.0.1:{port}"
        saved = shoot(base, pages(base, args.query), args.out)
        shrink(saved)
        for path in saved:
            print(f"{path} ({path.stat().st_size // 1024} KB)")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
