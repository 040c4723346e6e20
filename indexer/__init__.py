"""The indexer: documents become passages, passages become vectors and keyword postings."""
