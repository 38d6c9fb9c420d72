"""Escaping and citation chips: the pieces ui/render.py and ui/render_sources.py share (kept
here so that neither imports the other: render -> render_sources -> render_chips).

A chip is glued to the word before it (and to the punctuation after it) inside a
`<span class="qa-glue">` that does not wrap, so a line never starts with a lone "1 .".
"""

from __future__ import annotations

import html
import re

from qa.labels import source_label
from qa.types import Citation

MARKER = re.compile(r"\[(\d{1,3})\]")
# in escaped text: the word before a run of markers, the markers, and punctuation right after
# them ("Moscow. [1][2]." -> one unbreakable unit "Moscow. [1][2].")
_GLUED = re.compile(r"(?P<word>[^\s\[\]]*[ \t\u00a0]*)(?P<marks>\[\d{1,3}\](?:[ \t\u00a0]*\[\d{1,3}\])*)"
                    r"(?P<punct>[.,;:!?)\u201d\u2019'\"]*)")


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def cite_label(c: Citation, headlines: dict[str, str]) -> str:
    return source_label(c.outlet, c.published, headlines.get(c.doc_id) or c.title, doc_id=c.doc_id)


def cite_attrs(c: Citation, headlines: dict[str, str] | None = None) -> str:
    """data-* attributes a chip or card carries: what the viewer opens and the hover preview shows."""
    return (f'data-cite="{c.marker}" data-doc="{esc(c.doc_id)}" data-start="{c.start}" '
            f'data-end="{c.end}" data-quote="{esc(c.quote)}" data-label="{esc(cite_label(c, headlines or {}))}"')


def chip(c: Citation, headlines: dict[str, str], extra_class: str = "") -> str:
    return (f'<a href="#" class="qa-cite qa-chip{extra_class}" role="button" {cite_attrs(c, headlines)} '
            f'aria-label="Source {c.marker}: {esc(cite_label(c, headlines))}">{c.marker}</a>')


def pending_chip(m: re.Match) -> str:
    """A marker in text still streaming in: drawn as a chip, not yet a link."""
    return f'<span class="qa-chip qa-chip-pending">{m.group(1)}</span>'


def glue_markers(escaped: str, to_chip) -> str:
    """Each `[n]` run in already-escaped text made into chips by `to_chip(match)`, glued to the
    word before it and the punctuation after it."""
    def glued(m: re.Match) -> str:
        marks = MARKER.sub(to_chip, m.group("marks"))
        return f'<span class="qa-glue">{m.group("word")}{marks}{m.group("punct")}</span>'

    return _GLUED.sub(glued, escaped)


def markers_to_chips(escaped: str, citations: dict[int, Citation], headlines: dict[str, str]) -> str:
    def link(m: re.Match) -> str:
        c = citations.get(int(m.group(1)))
        return m.group(0) if c is None else chip(c, headlines)

    return glue_markers(escaped, link)
