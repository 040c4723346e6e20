"""Passages: sentence-aware, within the model's window, overlapping, nothing lost."""

from __future__ import annotations

import re

import pytest

from conftest import HRW, read_jsonl
from corpus.importer import document_from_record
from indexer.chunk import Chunker


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


@pytest.mark.slow
def test_passages_fit_the_model_and_cover_every_word(embedder) -> None:
    chunker = Chunker(embedder.tokenizer, max_tokens=200, overlap_tokens=40)
    docs = [document_from_record(r, "hrw") for r in read_jsonl(HRW, 25)]
    for doc in docs:
        passages = chunker.chunk(doc)
        assert [p.ordinal for p in passages] == list(range(len(passages)))
        for p in passages:
            # Title, text and the two special tokens all fit: the model truncates nothing.
            assert len(embedder.tokenizer(p.embed_text)["input_ids"]) <= embedder.max_tokens
        covered = set(_words(" ".join(p.text for p in passages)))
        assert set(_words(doc.body)) <= covered


@pytest.mark.slow
def test_consecutive_passages_overlap_and_paragraphs_survive(embedder) -> None:
    chunker = Chunker(embedder.tokenizer, max_tokens=60, overlap_tokens=20)
    body = "\n\n".join(
        " ".join(f"Sentence {p}-{s} tells of detention number {p * 10 + s}." for s in range(5)) for p in range(6)
    )
    doc = document_from_record({"id": "d", "title": "T", "body": body}, "x")
    passages = chunker.chunk(doc)
    assert len(passages) > 3
    for a, b in zip(passages, passages[1:], strict=False):
        a_sentences = re.split(r"(?<=\.)\s+", a.text)
        b_sentences = re.split(r"(?<=\.)\s+", b.text)
        assert a_sentences[-1] in b_sentences, "the boundary sentence is in both passages"
        assert b_sentences[0] in a_sentences, "the next passage starts inside the previous one"
    assert any("\n\n" in p.text for p in passages)


@pytest.mark.slow
def test_a_sentence_longer_than_the_window_is_cut_not_dropped(embedder) -> None:
    chunker = Chunker(embedder.tokenizer, max_tokens=50, overlap_tokens=10)
    body = " ".join(f"item{i}" for i in range(400))  # no full stop anywhere
    passages = chunker.chunk(document_from_record({"id": "l", "title": "", "body": body}, "x"))
    assert all(len(embedder.tokenizer(p.text)["input_ids"]) <= 52 for p in passages)
    assert set(_words(body)) <= set(_words(" ".join(p.text for p in passages)))
