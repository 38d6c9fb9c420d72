"""Safe HTML for the chat: answers, their sources, conflicts, and the source viewer.

Everything that comes from a document, a question or a model goes through `esc` (html.escape),
so no markup or script from an article ever reaches the page as markup. The only tags here are
the ones written in this module.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from corpus import Document
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


def cite_attrs(c: Citation) -> str:
    return (f'data-cite="{c.marker}" data-doc="{esc(c.doc_id)}" data-start="{c.start}" '
            f'data-end="{c.end}"')


def _markers_to_links(escaped: str, citations: dict[int, Citation]) -> str:
    def link(m: re.Match) -> str:
        c = citations.get(int(m.group(1)))
        if c is None:
            return m.group(0)
        return (f'<a href="#" class="qa-cite" {cite_attrs(c)} '
                f'title="{esc(c.title or c.doc_id)}">[{c.marker}]</a>')

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


def answer_text_html(text: str, citations: list[Citation], unsupported: list[str] = ()) -> str:
    """The answer with `[n]` markers as clickable citation links and unsupported sentences marked."""
    by_marker = {c.marker: c for c in citations}
    out, pos = [], 0
    for a, b in _unsupported_ranges(text, list(unsupported)):
        out.append(_markers_to_links(esc(text[pos:a]), by_marker))
        out.append('<span class="qa-unsupported" title="Not supported by the cited passages">'
                   f'{_markers_to_links(esc(text[a:b]), by_marker)}'
                   '<sup class="qa-flag">unsupported</sup></span>')
        pos = b
    out.append(_markers_to_links(esc(text[pos:]), by_marker))
    return "".join(out)


def _score_for(c: Citation, answer: Answer) -> float | None:
    for p in answer.passages:
        if p.doc_id == c.doc_id and p.start <= c.start and c.end <= p.end:
            return float(p.score)
    return None


def _meta_line(title, outlet, published, doc_id) -> str:
    return (f'<span class="qa-src-title">{esc(title or doc_id)}</span> — '
            f'<span class="qa-src-outlet">{esc(outlet or "unknown outlet")}</span>, '
            f'<span class="qa-src-date">{esc(published or "date unknown")}</span>')


def sources_html(answer: Answer) -> str:
    if not answer.citations:
        return ""
    items = []
    for c in answer.citations:
        score = _score_for(c, answer)
        score_html = f' <span class="qa-score">score {score:.3f}</span>' if score is not None else ""
        items.append(
            f'<li class="qa-source" data-marker="{c.marker}">'
            f'<a href="#" class="qa-cite qa-src-link" {cite_attrs(c)}>[{c.marker}]</a> '
            f'{_meta_line(c.title, c.outlet, c.published, c.doc_id)}{score_html}'
            f'<blockquote class="qa-quote">{esc(c.quote)}</blockquote></li>'
        )
    return '<div class="qa-sources"><div class="qa-h">Sources</div><ol>' + "".join(items) + "</ol></div>"


def conflicts_html(answer: Answer) -> str:
    if not answer.conflicts:
        return ""
    by_marker = {c.marker: c for c in answer.citations}
    blocks = []
    for conflict in answer.conflicts:
        cols = []
        for v in conflict.values:
            links = " ".join(
                f'<a href="#" class="qa-cite" {cite_attrs(by_marker[m])}>[{m}]</a>'
                for m in v.citation_markers if m in by_marker
            )
            dates = ", ".join(p or "date unknown" for p in v.published) or ""
            cols.append(
                f'<div class="qa-conflict-value"><div class="qa-value">{esc(v.value)}</div>'
                f'<div class="qa-conflict-src">{links} {esc(", ".join(v.doc_ids))}'
                f'{(" · " + esc(dates)) if dates else ""}</div></div>'
            )
        blocks.append(
            f'<div class="qa-conflict"><div class="qa-h">The articles disagree: {esc(conflict.topic)}</div>'
            f'<div class="qa-conflict-row">{"".join(cols)}</div></div>'
        )
    return "".join(blocks)


def turn_html(turn: Turn, index: int) -> str:
    parts = [f'<div class="qa-turn" data-turn="{index}">',
             f'<div class="qa-q"><span class="qa-who">You</span> {esc(turn.question)}</div>']
    ans = turn.answer
    if turn.error:
        parts.append(f'<div class="qa-a qa-error">{esc(turn.error)}</div>')
    elif ans is None:
        body = esc(turn.partial) if turn.partial else '<span class="qa-thinking">Searching the articles…</span>'
        parts.append(f'<div class="qa-a qa-streaming">{body}</div>')
    else:
        classes = "qa-a qa-done" + (" qa-abstained" if ans.abstained else "")
        parts.append(f'<div class="{classes}" data-mode="{esc(ans.mode)}">')
        if ans.abstained:
            parts.append('<div class="qa-abstain-label">No answer in the articles</div>')
        parts.append(f'<div class="qa-text">{answer_text_html(ans.text, ans.citations, ans.unsupported)}</div>')
        if ans.standalone_question and ans.standalone_question != turn.question:
            parts.append(f'<div class="qa-rewrite">Understood as: {esc(ans.standalone_question)}</div>')
        for note in turn.notes:
            parts.append(f'<div class="qa-note">{esc(note)}</div>')
        if ans.fallback == "quote":
            parts.append('<div class="qa-note qa-fallback-note">The model gave no answer the sources '
                         'support, so these are the sentences of the articles that best answer the '
                         'question.</div>')
        elif ans.unsupported:
            parts.append(f'<div class="qa-note qa-unsupported-note">{len(ans.unsupported)} sentence(s) '
                         'are not supported by the cited passages and are marked.</div>')
        parts.append(conflicts_html(ans))
        parts.append(sources_html(ans))
        parts.append(f'<div class="qa-meta">{esc(ans.mode)} mode · {ans.latency_s:.2f}s</div></div>')
    parts.append("</div>")
    return "".join(parts)


EMPTY_CHAT = ('<div class="qa-empty">Ask a question about the articles in the library. '
              'Every answer cites the passages it comes from; click a [n] marker to read the source.</div>')


def chat_html(turns: list[Turn]) -> str:
    if not turns:
        return f'<div class="qa-chat-log">{EMPTY_CHAT}</div>'
    return '<div class="qa-chat-log">' + "".join(turn_html(t, i) for i, t in enumerate(turns)) + "</div>"


def document_html(doc: Document, start: int | None = None, end: int | None = None) -> str:
    """The full article as escaped text, with doc.text[start:end] in a <mark class="qa-hl">."""
    text = doc.text
    meta = [f'<div class="qa-doc-title">{esc(doc.title or doc.doc_id)}</div>',
            f'<div class="qa-doc-meta"><span class="qa-src-outlet">{esc(doc.outlet or "unknown outlet")}</span>, '
            f'<span class="qa-src-date">{esc(doc.published or "date unknown")}</span>'
            f' · <code>{esc(doc.doc_id)}</code>'
            + (f' · <span class="qa-doc-url">{esc(doc.url)}</span>' if doc.url else "") + "</div>"]
    if start is not None and end is not None and 0 <= start < end <= len(text):
        body = (esc(text[:start]) + f'<mark class="qa-hl" data-start="{start}" data-end="{end}">'
                + esc(text[start:end]) + "</mark>" + esc(text[end:]))
    else:
        body = esc(text)
    return (f'<div class="qa-doc" data-doc="{esc(doc.doc_id)}">' + "".join(meta)
            + f'<div class="qa-doc-text">{body}</div></div>')
