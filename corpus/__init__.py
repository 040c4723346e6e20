"""The corpus: documents from sites and files, stored in one SQLite database."""
