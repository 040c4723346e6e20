"""Which sentence of a passage is closest in meaning to a query, without running the model per sentence.

Snippets mark that sentence when a result holds none of the query's words. Embedding the
passage's sentences at query time cost about one passage's worth of transformer work, 54 ms here,
and 38 ms of a 103 ms median query at 1M passages (docs/performance.md). Instead, every word
piece of the model's vocabulary is embedded once, alone, by the model itself (the "static"
vectors of Model2Vec), and the table centred on its mean so that what all pieces share does not
dominate. A sentence's vector is the sum of its pieces' rows, stopwords and punctuation left out,
compared with the query's real vector: 1.5 ms per passage instead of 50.

It approximates the model: on 459 passages of training queries it chose the same sentence as
embedding each sentence with the model 51% of the time, and one of the model's two best 75%,
where a random sentence would be 18% (bench/meaning_agreement.py). The table is made once per
model and backend (about 20 s with onnx-int8) and cached in the models folder beside the ONNX export.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from indexer.onnx_export import cache_lock
from indexer.passages import STOPWORDS

if TYPE_CHECKING:
    from indexer.embed import Embedder

log = logging.getLogger(__name__)

_SPECIAL = re.compile(r"^\[[A-Z]+\]$|^\[unused\d+\]$")  # [CLS], [SEP], [PAD], [UNK], [MASK], [unused0]...
_WORDLIKE = re.compile(r"\w")


class TokenVectors:
    """One vector per word piece of the model's vocabulary; sentences are the sum of their pieces."""

    def __init__(self, table: np.ndarray, tokenizer) -> None:  # noqa: ANN001 - an HF-style tokenizer
        self.table = table
        self.tokenizer = tokenizer

    @classmethod
    def build(cls, embedder: Embedder) -> TokenVectors:
        """Embed every word piece alone with `embedder`, centre the table, zero stopwords and punctuation."""
        vocab: dict[str, int] = embedder.tokenizer.get_vocab()
        table = np.zeros((max(vocab.values()) + 1, embedder.dimension), dtype=np.float32)
        ids = np.fromiter(vocab.values(), dtype=np.int64, count=len(vocab))
        # A continuation piece ("##ing") embeds as its letters: close enough for a sum over a sentence.
        table[ids] = embedder.encode_documents([piece.removeprefix("##") for piece in vocab])
        table -= table[ids].mean(axis=0)
        silent = [i for piece, i in vocab.items() if _SPECIAL.match(piece) or piece in STOPWORDS
                  or not _WORDLIKE.search(piece)]
        table[silent] = 0.0
        return cls(table.astype(np.float16), embedder.tokenizer)

    @classmethod
    def cached(cls, embedder: Embedder, path: Path) -> TokenVectors:
        """The table saved at `path`, or built now and saved there, one process at a time."""
        saved = cls._saved(embedder, path)
        if saved is not None:
            return saved
        made = None
        try:
            with cache_lock(path.parent):  # the ONNX export's lock: workers starting together wait
                saved = cls._saved(embedder, path)  # another process may have made it meanwhile
                if saved is not None:
                    return saved
                log.info("embedding the model's vocabulary once, for meaning highlights; cached at %s", path)
                made = cls.build(embedder)
                with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tokens-", suffix=".npy",
                                                 delete=False) as tmp:
                    np.save(tmp, made.table)
                os.chmod(tmp.name, 0o644)  # like the ONNX export beside it, not private to this user
                os.replace(tmp.name, path)
        except OSError as exc:  # a read-only models folder still gets highlights, made per process
            log.warning("cannot cache the token vectors at %s: %s", path, exc)
        return made if made is not None else cls.build(embedder)

    @classmethod
    def _saved(cls, embedder: Embedder, path: Path) -> TokenVectors | None:
        """The table at `path`, or None if it is not made yet or torn (a process killed mid-write)."""
        try:
            return cls(np.asarray(np.load(path, mmap_mode="r")), embedder.tokenizer)  # as keywords.load
        except (OSError, ValueError):
            return None

    def closest(self, sentences: Sequence[str], query: np.ndarray) -> int:
        """Index of the sentence whose vector has the highest cosine with the query vector."""
        pieces = self.tokenizer(list(sentences), add_special_tokens=False)["input_ids"]
        vectors = np.stack([self.table[ids].sum(axis=0, dtype=np.float32) if ids else
                            np.zeros(self.table.shape[1], dtype=np.float32) for ids in pieces])
        norms = np.maximum(np.linalg.norm(vectors, axis=1), 1e-9)
        return int(np.argmax(vectors @ query / norms))
