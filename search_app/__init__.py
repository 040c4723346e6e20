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
        MAX_QUERY_CHARS=500,
        DEFAULT_K=10,
        WARM_UP=True,
        JSON_SORT_KEYS=False,
    )
    app.config.from_prefixed_env("RIGHTSSEARCH")
    if config is not None:
        app.config.update(config)
    settings = load_settings(app.config["DATA_DIR"], model=app.config["MODEL"])
    service = SearchService(settings, app.config.get("EMBEDDER"))
    app.extensions["search"] = service
    if app.config["WARM_UP"]:
        service.warm_up()

    from search_app import api, pages

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    return app
