"""Sentence segmentation that reports exact character spans (never copies or re-finds text).

The boundaries come from pysbd (the rule-based segmenter of Sadvilkar & Neumann, 2020, with its
"Golden Rules" test suite for abbreviations, initials, numbers, quotes and ellipses). This module
only maps its sentences back onto exact offsets and keeps two properties of its own: each line
is segmented on its own (a headline never merges with the paragraph under it), and the spans are
trimmed, ordered, disjoint and cover every visible character.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Part of the chunker key (index/chunking.py): a new segmenter re-chunks stored documents.
SEGMENTER = "pysbd-0.3"

_LINE = re.compile(r"[^\n]+")


@lru_cache(maxsize=1)
def _segmenter():
    try:
        import pysbd
    except ImportError:  # pragma: no cover - a dependency of the package
        raise RuntimeError("sentence splitting needs pysbd: pip install pysbd") from None
    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def _align(line: str, pieces: list[str]) -> list[tuple[int, int]]:
    """Offsets of `pieces` (pysbd's sentences, in order) inside `line`, walked left to right.

    pysbd with clean=False returns the line's own characters, so each piece starts where the
    previous one ended, after whitespace. If a piece does not match there, the rest of the
    line becomes one sentence rather than a guessed offset.
    """
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        while cursor < len(line) and line[cursor].isspace():
            cursor += 1
        if not line.startswith(piece, cursor):
            break
        spans.append((cursor, cursor + len(piece)))
        cursor += len(piece)
    rest = line[cursor:]
    if rest.strip():
        spans.append((cursor, len(line)))
    return spans


@lru_cache(maxsize=65536)
def _line_spans(line: str) -> tuple[tuple[int, int], ...]:
    """Sentence spans of one line (offsets into it), trimmed; cached, since the same passage
    text is segmented again each time a question retrieves it."""
    if not line.strip():
        return ()
    out: list[tuple[int, int]] = []
    for s, e in _align(line, _segmenter().segment(line)):
        while s < e and line[s].isspace():
            s += 1
        while e > s and line[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
    return tuple(out)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans (s, e) of sentences in text[start:end], trimmed of surrounding whitespace, so that
    text[s:e] is the sentence itself.

    Each line is split on its own, so headlines and paragraphs never merge.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text, start, end):
        ls, le = line.span()
        spans.extend((ls + s, ls + e) for s, e in _line_spans(text[ls:le]))
    return spans
