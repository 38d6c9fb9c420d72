"""Safe HTML for the chat: answers with citation chips, source cards, a timeline of the cited
articles, conflicts, and the source viewer.

Everything that comes from a document, a question or a model goes through `esc` (html.escape),
so no markup or script from an article ever reaches the page as markup. The only tags here are
the ones written in this module and ui/render_sources.py.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from corpus import Document
from qa.labels import display_date, headline, source_label
from qa.types import Answer, Citation

_MARKER = re.compile(r"\[(\d{1,3})\]")


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


@dataclass
class Turn:
    """One question and its (possibly still streaming) answer, as the chat shows it."""

    question: str
    partial: str = ""  # text streamed so far
    answer: Answer | None = None  # set when finished
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # e.g. "llm unavailable, answered in quote mode"
    headlines: dict[str, str] = field(default_factory=dict)  # doc_id -> title or first line


def answer_extras(answer: Answer) -> tuple[dict | None, dict | None]:
    """(answer_span, verdict) from the answer JSON when the answering layer provides them."""
    try:
        j = answer.to_json()
    except Exception:  # rendering must not fail on an answer it cannot serialise
        return None, None
    span, verdict = j.get("answer_span"), j.get("verdict")
    ok_span = isinstance(span, dict) and isinstance(span.get("start"), int) and isinstance(span.get("end"), int)
    return (span if ok_span else None), (verdict if isinstance(verdict, dict) else None)


def cite_label(c: Citation, headlines: dict[str, str]) -> str:
    return source_label(c.outlet, c.published, headlines.get(c.doc_id) or c.title, doc_id=c.doc_id)


def cite_attrs(c: Citation, headlines: dict[str, str] | None = None) -> str:
    """data-* attributes a chip or card carries: what the viewer opens and the hover preview shows."""
    return (f'data-cite="{c.marker}" data-doc="{esc(c.doc_id)}" data-start="{c.start}" '
            f'data-end="{c.end}" data-quote="{esc(c.quote)}" data-label="{esc(cite_label(c, headlines or {}))}"')


def chip(c: Citation, headlines: dict[str, str], extra_class: str = "") -> str:
    return (f'<a href="#" class="qa-cite qa-chip{extra_class}" role="button" {cite_attrs(c, headlines)} '
            f'aria-label="Source {c.marker}: {esc(cite_label(c, headlines))}">{c.marker}</a>')


def _markers_to_chips(escaped: str, citations: dict[int, Citation], headlines: dict[str, str]) -> str:
    def link(m: re.Match) -> str:
        c = citations.get(int(m.group(1)))
        return m.group(0) if c is None else chip(c, headlines)

    return _MARKER.sub(link, escaped)


def _unsupported_ranges(text: str, sentences: list[str]) -> list[tuple[int, int]]:
    """Where the flagged sentences sit in the answer text (the answer's own text, so a search
    here is exact), merged and sorted."""
    ranges = []
    for s in sentences:
        s = (s or "").strip()
        if not s:
            continue
        i = text.find(s)
        if i >= 0:
            ranges.append((i, i + len(s)))
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for a, b in ranges:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def answer_text_html(text: str, citations: list[Citation], unsupported: list[str] = (),
                     headlines: dict[str, str] | None = None) -> str:
    """The answer with `[n]` markers as citation chips and unsupported sentences marked."""
    by_marker = {c.marker: c for c in citations}
    heads = headlines or {}
    out, pos = [], 0
    for a, b in _unsupported_ranges(text, list(unsupported)):
        out.append(_markers_to_chips(esc(text[pos:a]), by_marker, heads))
        out.append('<span class="qa-unsupported" title="Not supported by the cited passages">'
                   f'{_markers_to_chips(esc(text[a:b]), by_marker, heads)}'
                   '<sup class="qa-flag">unsupported</sup></span>')
        pos = b
    out.append(_markers_to_chips(esc(text[pos:]), by_marker, heads))
    return "".join(out)


def _timings_attr(ans: Answer) -> str:
    ms = round(ans.latency_s * 1000)
    return f'data-latency-ms="{ms}"'


def turn_html(turn: Turn, index: int) -> str:
    from .render_sources import conflicts_html, sources_html, timeline_html

    parts = [f'<div class="qa-turn" data-turn="{index}">',
             f'<div class="qa-q"><span class="qa-who">You</span><span class="qa-q-text">{esc(turn.question)}</span></div>']
    ans = turn.answer
    if turn.error:
        parts.append(f'<div class="qa-a qa-error" role="alert">{esc(turn.error)}</div>')
    elif ans is None:
        body = (_MARKER.sub(r'<span class="qa-chip qa-chip-pending">\1</span>', esc(turn.partial)) if turn.partial
                else '<span class="qa-thinking">Searching the articles…</span>')
        parts.append(f'<div class="qa-a qa-streaming" aria-live="polite">{body}</div>')
    else:
        span, verdict = answer_extras(ans)
        classes = "qa-a qa-done" + (" qa-abstained" if ans.abstained else "")
        parts.append(f'<div class="{classes}" data-mode="{esc(ans.mode)}" {_timings_attr(ans)}>')
        if ans.abstained:
            parts.append('<div class="qa-abstain-label">No answer in the articles</div>')
        parts.append(f'<div class="qa-text">{answer_text_html(ans.text, ans.citations, ans.unsupported, turn.headlines)}</div>')
        if verdict and verdict.get("reason"):
            parts.append(f'<div class="qa-note qa-verdict">Why: {esc(verdict["reason"])}</div>')
        if ans.standalone_question and ans.standalone_question != turn.question:
            parts.append(f'<div class="qa-rewrite">Understood as: {esc(ans.standalone_question)}</div>')
        for note in turn.notes:
            parts.append(f'<div class="qa-note">{esc(note)}</div>')
        if ans.fallback == "quote":
            why = getattr(ans, "fallback_reason", None) or "the model gave no answer the sources support"
            parts.append(f'<div class="qa-note qa-fallback-note">The model\'s answer was replaced by quotes: '
                         f'{esc(why)}. These are the sentences of the articles that best answer the '
                         'question.</div>')
        elif ans.unsupported:
            parts.append(f'<div class="qa-note qa-unsupported-note">{len(ans.unsupported)} sentence(s) '
                         'are not supported by the cited passages and are marked.</div>')
        parts.append(conflicts_html(ans, turn.headlines))
        parts.append(timeline_html(ans.citations, turn.headlines))
        parts.append(sources_html(ans, turn.headlines, span))
        parts.append(f'<div class="qa-meta">{esc(ans.mode)} mode · {ans.latency_s:.2f} s</div></div>')
    parts.append("</div>")
    return "".join(parts)


EMPTY_CHAT = ('<div class="qa-empty"><div class="qa-empty-title">Ask about the articles in your library</div>'
              '<div>Every answer quotes the passages it comes from. Hover a numbered chip to preview '
              'the quote; click it to read the article with the passage highlighted.</div></div>')


def chat_html(turns: list[Turn]) -> str:
    if not turns:
        return f'<div class="qa-chat-log">{EMPTY_CHAT}</div>'
    return '<div class="qa-chat-log">' + "".join(turn_html(t, i) for i, t in enumerate(turns)) + "</div>"


def document_html(doc: Document, start: int | None = None, end: int | None = None) -> str:
    """The full article as escaped text, with doc.text[start:end] in a <mark class="qa-hl">."""
    text = doc.text
    date = display_date(doc.published)
    meta = [f'<div class="qa-doc-title">{esc(headline(doc.title, doc.text, doc.doc_id, limit=160))}</div>',
            f'<div class="qa-doc-meta"><span class="qa-src-outlet">{esc(doc.outlet or "unknown outlet")}</span> · '
            f'<span class="qa-src-date">{esc(date or "date unknown")}</span>'
            + (f' <span class="qa-iso">({esc(doc.published)})</span>' if doc.published else "")
            + f' · <code>{esc(doc.doc_id)}</code>'
            + (f' · <span class="qa-doc-url">{esc(doc.url)}</span>' if doc.url else "") + "</div>"]
    if start is not None and end is not None and 0 <= start < end <= len(text):
        body = (esc(text[:start]) + f'<mark class="qa-hl" data-start="{start}" data-end="{end}">'
                + esc(text[start:end]) + "</mark>" + esc(text[end:]))
    else:
        body = esc(text)
    return (f'<div class="qa-doc" data-doc="{esc(doc.doc_id)}">' + "".join(meta)
            + f'<div class="qa-doc-text">{body}</div></div>')
