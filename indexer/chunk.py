"""Split documents into passages: sentence-aware, bounded in model tokens, with overlap.

Every passage fits the embedding model's window (with its title in front), so the model never
silently truncates text; consecutive passages share their boundary sentences so that an answer
straddling a cut is still whole in one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from corpus.documents import Document

# A sentence ends at . ! ? or … (possibly followed by quotes/brackets) before whitespace and a
# capital, digit or opening quote. Good enough for news prose; abbreviations merely cut early.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_PARAGRAPHS = re.compile(r"\n\s*\n")
TITLE_TOKENS = 40


class Tokenizer(Protocol):
    """The part of a Hugging Face fast tokenizer that chunking needs."""

    def __call__(self, text: list[str], **kwargs: object) -> dict: ...


@dataclass(frozen=True)
class Passage:
    """A span of one document, small enough to embed whole."""

    doc_id: str
    ordinal: int
    text: str
    title: str = ""
    lang: str = ""  # the document's language: which stemmer and stopwords index the passage

    @property
    def embed_text(self) -> str:
        """What the model sees: the title gives every passage its context."""
        return f"{self.title}\n{self.text}" if self.title else self.text


@dataclass(frozen=True)
class _Sentence:
    text: str
    tokens: int
    paragraph: int


def split_sentences(body: str) -> list[tuple[int, str]]:
    """Return (paragraph number, sentence) pairs of a body."""
    out: list[tuple[int, str]] = []
    for number, paragraph in enumerate(_PARAGRAPHS.split(body)):
        paragraph = " ".join(paragraph.split())
        if paragraph:
            out.extend((number, s) for s in _SENTENCE_END.split(paragraph) if s.strip())
    return out


class Chunker:
    """Cuts documents into passages of at most `max_tokens` model tokens."""

    def __init__(self, tokenizer: Tokenizer, max_tokens: int = 200, overlap_tokens: int = 40) -> None:
        if not 0 <= overlap_tokens < max_tokens:
            raise ValueError("overlap must be smaller than the passage size")
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens

    def _count(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def _cut_long(self, text: str) -> list[str]:
        """Cut one over-long sentence (a table, a list without full stops) between words."""
        enc = self.tokenizer([text], add_special_tokens=False, return_offsets_mapping=True)
        starts = [start for start, _ in enc["offset_mapping"][0]]
        pieces: list[str] = []
        token, pos = 0, 0
        while token < len(starts):
            limit = token + self.max_tokens
            if limit >= len(starts):
                end = len(text)
            else:
                end = starts[limit]
                space = text.rfind(" ", pos, end + 1)  # never cut inside a word
                if space > pos:
                    end = space
            pieces.append(text[pos:end].strip())
            pos = end
            while token < len(starts) and starts[token] < end:
                token += 1
        return [p for p in pieces if p]

    def _sentences(self, body: str) -> list[_Sentence]:
        pairs = split_sentences(body)
        counts = self._count([s for _, s in pairs])
        out: list[_Sentence] = []
        for (paragraph, text), tokens in zip(pairs, counts, strict=True):
            if tokens <= self.max_tokens:
                out.append(_Sentence(text, tokens, paragraph))
                continue
            for piece in self._cut_long(text):
                out.append(_Sentence(piece, self._count([piece])[0], paragraph))
        return out

    def chunk(self, doc: Document) -> list[Passage]:
        """Return the passages of one document, in reading order."""
        title = self._short_title(doc.title)
        passages: list[Passage] = []
        for sentences in self._windows(self._sentences(doc.body)):
            passages.append(Passage(doc.id, len(passages), _join(sentences), title, doc.lang))
        if not passages and title:
            passages.append(Passage(doc.id, 0, "", title, doc.lang))
        return passages

    def chunk_many(self, docs: Iterable[Document]) -> Iterator[Passage]:
        """Chunk documents one after another."""
        for doc in docs:
            yield from self.chunk(doc)

    def _short_title(self, title: str) -> str:
        enc = self.tokenizer([title], add_special_tokens=False, return_offsets_mapping=True)
        offsets = enc["offset_mapping"][0]
        if len(offsets) <= TITLE_TOKENS:
            return title
        return title[: offsets[TITLE_TOKENS - 1][1]]

    def _windows(self, sentences: list[_Sentence]) -> Iterator[list[_Sentence]]:
        """Greedy packing; each new window starts with the previous window's last sentences."""
        window: list[_Sentence] = []
        size = 0
        for sentence in sentences:
            if window and size + sentence.tokens > self.max_tokens:
                yield window
                carried: list[_Sentence] = []
                carried_size = 0
                for previous in reversed(window):
                    if carried_size + previous.tokens > self.overlap_tokens:
                        break
                    carried.insert(0, previous)
                    carried_size += previous.tokens
                if carried_size + sentence.tokens > self.max_tokens:
                    carried, carried_size = [], 0
                window, size = carried, carried_size
            window.append(sentence)
            size += sentence.tokens
        if window:
            yield window


def _join(sentences: list[_Sentence]) -> str:
    """Join sentences, keeping paragraph breaks as blank lines."""
    parts: list[str] = []
    for i, sentence in enumerate(sentences):
        if i:
            parts.append("\n\n" if sentence.paragraph != sentences[i - 1].paragraph else " ")
        parts.append(sentence.text)
    return "".join(parts)
