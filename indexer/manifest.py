"""The manifest that makes an index folder self-describing, and the checks made on loading it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

# 2: the keyword index moved from FTS5 ranking to indexer/keywords.py files
# 3: document fields (date, source, countries, themes) stored for filters and facets (indexer/fields.py)
# 4: the keyword index lists the documents holding each word (keywords.doc_ptr, keywords.doc_list)
FORMAT = 4
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
PASSAGES = "passages.sqlite3"
KEYWORDS = "keywords.json"  # the keyword index's terms; its arrays are keywords.*.npy
FIELDS = "fields.json"  # the document fields' vocabularies; their arrays are fields.*.npy
DOCUMENTS = "documents.json"  # {document id: content hash} the index was made from, for updates


class IndexLoadError(Exception):
    """An index is missing, incomplete, corrupt or built for another model."""


@dataclass(frozen=True)
class Manifest:
    """What an index holds and how it was made."""

    model: str
    dimension: int
    passages: int
    documents: int
    corpus_fingerprint: str
    built_at: str
    passage_tokens: int
    overlap_tokens: int
    index_type: str = "flat"
    # How the vectors were computed (indexer/backends.py); the same model either way.
    embed_backend: str = ""
    # The theme vocabulary and assignment rule the documents' themes were given by (build.theme_rule).
    themes: str = ""
    build_seconds: float = 0.0
    passages_per_second: float = 0.0
    format: int = FORMAT

    def write(self, folder: Path) -> None:
        """Write manifest.json into `folder`."""
        (folder / MANIFEST).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """Read and validate the manifest of an index folder."""
        path = folder / MANIFEST
        if not path.exists():
            raise IndexLoadError(f"no index at {folder} (run `python -m indexer build` first)")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            known = {f.name for f in fields(cls)}
            manifest = cls(**{k: v for k, v in raw.items() if k in known})
        except (ValueError, TypeError) as exc:
            raise IndexLoadError(f"the index manifest {path} is unreadable: {exc}") from exc
        if manifest.format != FORMAT:
            raise IndexLoadError(f"index at {folder} has format {manifest.format}, expected {FORMAT}; rebuild it")
        for name in (VECTORS, PASSAGES, KEYWORDS, FIELDS):
            if not (folder / name).exists():
                raise IndexLoadError(f"index at {folder} is incomplete: {name} is missing; rebuild it")
        return manifest

    def check_model(self, model: str) -> None:
        """Refuse an index whose vectors come from a different model than the one configured."""
        if self.model != model:
            raise IndexLoadError(
                f"the index was built with model {self.model!r} but the configured model is {model!r}; "
                "rebuild it with `python -m indexer build --force` or set RIGHTSSEARCH_MODEL"
            )
