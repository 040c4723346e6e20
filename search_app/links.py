"""Which stored urls may become links: http(s) only.

Imported files and crawled pages can carry any url (`javascript:alert(1)`, `data:…`); shown as a
link, such a url would run in the reader's browser or feed reader. It stays visible as data in
the API and exports, but only http and https urls are ever put in an `href`.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def web_link(url: str | None) -> str:
    """`url` if it is an http(s) url with a host, else "" (no link)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else ""
