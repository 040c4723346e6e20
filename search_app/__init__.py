"""The RightsSearch web app: a search page for people and a JSON API for programs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from corpus.config import load_settings
from search_app.service import SearchService


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the search app over the data folder named in its config."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATA_DIR=None,  # None: $RIGHTSSEARCH_DATA or ./data
        MODEL=None,
        QUERY_BUDGET_SECONDS=None,  # None: the query_budget_seconds setting (10 s)
        MAX_QUERY_CHARS=500,
        DEFAULT_K=10,
        EXPORT_LIMIT=1000,  # rows of a CSV or JSON export at most; a cut export says so
        # The public address (https://search.example.org) that feed ids and links use; "" = the
        # request's own. Set it behind a proxy or on the open internet: the Host header is the client's.
        BASE_URL="",
        WARM_UP=True,
        JSON_SORT_KEYS=False,
        # Protection (search_app/protect.py). 0 turns the rate limit off. Its buckets are shared by
        # the workers through RATE_LIMIT_STORE ("" = a temporary file per data folder).
        RATE_LIMIT_PER_MINUTE=120,
        RATE_LIMIT_BURST=30,
        RATE_LIMIT_STORE="",
        TRUSTED_PROXIES=0,  # reverse proxies in front whose X-Forwarded-For to believe; 0 = none
        RATE_LIMITED_PATHS=("/api/", "/feed", "/export"),
        MAX_CONCURRENT_SEARCHES=2,  # the model is CPU-bound: more at once only makes each slower
        SEARCH_WAIT_SECONDS=5.0,
        MAX_QUERY_STRING_BYTES=4096,
        MAX_CONTENT_LENGTH=64 * 1024,
        LOG_QUERIES=False,  # privacy: query text is never logged unless this is turned on
    )
    app.config.from_prefixed_env("RIGHTSSEARCH")
    if config is not None:
        app.config.update(config)
    settings = load_settings(app.config["DATA_DIR"], model=app.config["MODEL"],
                             query_budget_seconds=app.config["QUERY_BUDGET_SECONDS"])
    service = SearchService(settings, app.config.get("EMBEDDER"))
    app.extensions["search"] = service
    if app.config["WARM_UP"]:
        service.warm_up()

    from search_app import api, openapi, pages, protect

    protect.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(openapi.bp)
    return app
