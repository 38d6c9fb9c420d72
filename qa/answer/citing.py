"""How quoted sentences become an answer's text and its exact citations: `compose` numbers
each quoted span `[n]`; `make_citation` keeps `doc.text[start:end] == quote`."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from index import DocRecord, ScoredPassage

from ..labels import UNDATED, end_sentence, headline, source_label as label, url_host
from ..types import Citation, Sentence


def source_label(outlet: str | None, title: str | None, doc_id: str, published: str | None,
                 text: str | None = None) -> str:
    """'Coast Daily, published 2024-01-10' / 'Sea Herald, undated': the outlet, else the
    title or first line of `text`; the document id only when there is neither."""
    when = f"published {published}" if published else UNDATED
    return f"{outlet or headline(title, text, doc_id)}, {when}"


def published_note(p: ScoredPassage) -> str:
    return f"({source_label(p.outlet, p.title, p.doc_id, p.published, p.text)})"


def make_citation(marker: int, s: Sentence, span: tuple[int, int, str] | None = None) -> Citation:
    p = s.passage
    start, end, text = span or s.quoted()
    return Citation(marker, s.doc_id, start, end, text, p.title, p.outlet, p.published)


def _span(s: Sentence, cited: list[Citation]) -> tuple[int, int, str]:
    """The span to quote for `s`: with its antecedent sentence (see `Sentence.quoted`) unless
    that would repeat text an earlier citation of the same article already quotes."""
    start, end, text = s.quoted()
    if start != s.start and any(c.doc_id == s.doc_id and c.start < end and start < c.end for c in cited):
        return s.start, s.end, s.text
    return start, end, text


def compose(groups: list[list[Sentence]], first: int = 1) -> tuple[str, list[Citation], dict[tuple[str, int, int], int]]:
    """Answer text with `[n]` markers (from `first` on), its citations and the marker of each
    sentence span."""
    citations: list[Citation] = []
    markers: dict[tuple[str, int, int], int] = {}
    lines = []
    for group in groups:
        refs = []
        for s in group:
            key = (s.doc_id, s.start, s.end)
            if key not in markers:
                markers[key] = first + len(citations)
                citations.append(make_citation(markers[key], s, _span(s, citations)))
            refs.append(f"[{markers[key]}]")  # the source note is given once, from the citations
        lines.append(f"{citations[markers[(group[0].doc_id, group[0].start, group[0].end)] - first].quote} "
                     + " ".join(refs))
    return "\n".join(lines), citations, markers


def published_line(citations: list[Citation], headline_of: Callable[[str, str | None], str] | None = None) -> str:
    """The answer's one source note: when each cited article was published, one entry per
    article, named as everywhere else (qa.labels.source_label: outlet · date · title):
    'Published: [1][3] Coast Daily · 10 Jan 2024 · Storm hits; [2] Sea Herald · undated · Port…'.
    `headline_of(doc_id, title)`: the article's title or first line, so an untitled article is
    named by its text, never by its id (without it: the title, else the cited sentence)."""
    by_doc: dict[str, list[Citation]] = {}
    for c in citations:
        by_doc.setdefault(c.doc_id, []).append(c)
    parts = []
    for cs in by_doc.values():
        c = cs[0]
        title = headline_of(c.doc_id, c.title) if headline_of else headline(c.title, c.quote)
        parts.append("".join(f"[{x.marker}]" for x in cs) + " "
                     + label(c.outlet, c.published, title) + also_published_note(c))
    return end_sentence("Published: " + "; ".join(parts))  # a cut title's '…' is not doubled


NAMED_COPIES = 3  # outlets named in "also published by"; more are counted, not listed


def outlet_name(rec: DocRecord) -> str:
    """How a copy's outlet is named: its outlet, else its URL's host, else its document id."""
    return rec.outlet or url_host(rec.url) or rec.doc_id


def with_copies(citations: list[Citation], copies_of: Callable[[str], list[DocRecord]]) -> list[Citation]:
    """Each citation with the other copies of its story (`copies_of(doc_id)`: the article's
    near-duplicate cluster, earliest first, itself left out): their ids and their outlets,
    the cited article's own outlet left out. The story is cited once; the copies are named."""
    found: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    out = []
    for c in citations:
        if c.doc_id not in found:
            recs = copies_of(c.doc_id)
            names = dict.fromkeys(n for n in map(outlet_name, recs) if n != c.outlet)
            found[c.doc_id] = (tuple(names), tuple(r.doc_id for r in recs))
        outlets, ids = found[c.doc_id]
        out.append(replace(c, also_published_by=outlets, copies=ids) if ids else c)
    return out


def also_published_note(c: Citation) -> str:
    """' (also published by 2 outlets: Sea Herald, Bay Times)', or '' for a single copy."""
    n = len(c.also_published_by)
    if not n:
        return ""
    names = ", ".join(c.also_published_by[:NAMED_COPIES])
    what = f"{n} outlet{'s' if n > 1 else ''}"
    return f" (also published by {what}: {names})" if n <= NAMED_COPIES else \
        f" (also published by {what}, including {names})"
