"""Sentence segmentation that reports exact character spans (never copies or re-finds text).

The boundaries come from pysbd (the rule-based segmenter of Sadvilkar & Neumann, 2020, with its
"Golden Rules" test suite for abbreviations, initials, numbers, quotes and ellipses). This module
only maps its sentences back onto exact offsets and keeps two properties of its own: each line
is segmented on its own (a headline never merges with the paragraph under it), and the spans are
trimmed, ordered, disjoint and cover every visible character.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

# Part of the chunker key (index/chunking.py): a new segmenter re-chunks stored documents.
SEGMENTER = "pysbd-0.3"  # unchanged by the faster placing of sentences: same boundaries

_LINE = re.compile(r"[^\n]+")


_LOCAL = threading.local()


def _segmenter():
    """This thread's segmenter: pysbd keeps the line being segmented on the instance
    (`original_text`), so threads splitting at once (ingest beside answering) must not share one."""
    seg = getattr(_LOCAL, "segmenter", None)
    if seg is None:
        seg = _LOCAL.segmenter = _segmenter_class()(language="en", clean=False, char_span=False)
    return seg


@lru_cache(maxsize=1)
def _segmenter_class():
    try:
        import pysbd
        from pysbd.utils import TextSpan
    except ImportError:  # pragma: no cover - a dependency of the package
        raise RuntimeError("sentence splitting needs pysbd: pip install pysbd") from None

    class Segmenter(pysbd.Segmenter):
        """pysbd's segmenter with its last step, placing each sentence back in the text, done
        by `str.find` instead of one new regex per sentence (the sentence, escaped, then whitespace):
        the same matches (the first occurrence, searched on from the previous match's end,
        whose end after trailing whitespace passes the previous sentence's), without compiling
        a pattern per sentence, which was 40% of pysbd's time on news articles."""

        def sentences_with_char_spans(self, sentences):
            return [TextSpan(self.original_text[s:e], s, e) for s, e in place_sentences(self.original_text, sentences)]

    return Segmenter


def place_sentences(text: str, sentences: list[str]) -> list[tuple[int, int]]:
    """pysbd's `sentences_with_char_spans` as (start, end) pairs: for each sentence, the
    matches of it followed by any whitespace, non-overlapping from the left, and the first one
    ending after the previous accepted match; a sentence with no such match is left out."""
    spans: list[tuple[int, int]] = []
    prior = 0
    for sent in sentences:
        at = 0
        while at <= len(text):
            s = text.find(sent, at)
            if s < 0:
                break
            e = s + len(sent)
            while e < len(text) and text[e].isspace():
                e += 1
            if e > prior:
                spans.append((s, e))
                prior = e
                break
            at = e if e > s else s + 1  # an empty match moves on one character, as re does
    return spans


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
