"""Provisional sentence segmenter (plain Punkt); replaced by the curated one."""

from __future__ import annotations

SEGMENTER_VERSION = "provisional"


def split_sentences(text: str) -> list[tuple[int, int]]:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    spans = []
    offset = 0
    for line in text.split("\n"):
        for s, e in PunktSentenceTokenizer().span_tokenize(line):
            spans.append((offset + s, offset + e))
        offset += len(line) + 1
    return spans


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]
