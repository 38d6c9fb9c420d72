"""Sentence segmentation that reports exact character spans (never copies or re-finds text)."""

from __future__ import annotations

import re

# Lower-cased tokens that end with a period without ending a sentence.
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen col lt sgt capt cmdr adm gov sen rep rev hon pres
    inc ltd co corp llc plc dept univ assn bros vs etc al approx est
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    u.s u.k u.n e.g i.e a.m p.m ph.d d.c""".split()
)
# Abbreviations only when a number follows ("No. 5", "pp. 12"); otherwise "no." ends a sentence.
NUMBER_ABBREVIATIONS = frozenset("no nos vol vols fig figs pp art".split())
_BOUNDARY = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9À-ÖØ-Þ])""")
_LINE = re.compile(r"[^\n]+")


def _is_abbreviation(text: str, dot: int, line_start: int) -> bool:
    """True when the '.' at `dot` ends an abbreviation or an initial, not a sentence."""
    if text[dot] != ".":
        return False
    j = dot
    while j > line_start and not text[j - 1].isspace():
        j -= 1
    token = text[j:dot].lstrip("\"'“‘([").lower()
    if not token:
        return False
    if token in ABBREVIATIONS:
        return True
    if token in NUMBER_ABBREVIATIONS:
        k = dot + 1
        while k < len(text) and text[k].isspace():
            k += 1
        return k < len(text) and text[k].isdigit()
    return len(token) == 1 and token.isalpha()  # an initial: "J. Smith"


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans (s, e) of sentences in text[start:end], trimmed of surrounding whitespace.

    Each line is split on its own, so headlines and paragraphs never merge.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text, start, end):
        ls, le = line.span()
        cursor = ls
        for m in _BOUNDARY.finditer(text, ls, le):
            if _is_abbreviation(text, m.start(), ls):
                continue
            spans.append((cursor, m.end()))
            cursor = m.end()
        spans.append((cursor, le))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            trimmed.append((s, e))
    return trimmed
