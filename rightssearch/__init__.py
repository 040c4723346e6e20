"""The `rightssearch` command: one entry point over the corpus, indexer and search_app command lines."""
