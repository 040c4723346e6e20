"""One spelling per page: canonical urls without fragments, tracking parameters or host aliases."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that say where a reader came from, not which page they read.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|igshid|ref_src|"
    r"at_medium|at_campaign|at_custom\d*|ea\.tracking\.id|s_cid|cmpid)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# File types that are links to record, never pages to parse.
_FILES = re.compile(
    r"\.(pdf|docx?|xlsx?|pptx?|odt|zip|rar|7z|gz|jpe?g|png|gif|webp|svg|mp3|mp4|mov|avi|epub)$", re.IGNORECASE
)


def canonical_url(url: str, host_map: Mapping[str, str] | None = None) -> str:
    """Lower-case scheme and host, drop the default port, fragment and tracking parameters,
    sort the query, and rewrite alias hosts (``host_map``) to the canonical one."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if host_map:
        netloc = host_map.get(netloc, netloc)
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k))
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def host_of(url: str) -> str:
    """The host (and non-default port) of a url, as canonical_url spells it."""
    return urlsplit(canonical_url(url)).netloc


def path_and_query(url: str) -> str:
    """The part of a url that site patterns match: path plus ``?query`` if any."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_file_link(url: str) -> bool:
    """True for links to documents and media (PDFs, images...), which are recorded, not parsed."""
    return _FILES.search(urlsplit(url).path) is not None
