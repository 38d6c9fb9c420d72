"""Safe HTML for the chat: answers with citation chips, source cards, a timeline of the cited
articles, conflicts, and the source viewer.

Everything that comes from a document, a question or a model goes through `esc` (html.escape),
so no markup or script from an article ever reaches the page as markup. The only tags here are
the ones written in this module, ui/render_chips.py and ui/render_sources.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from corpus import Document
from qa.labels import UNDATED, display_date, full_title, shorten, url_host
from qa.answer.composing import FALLBACK_LEAD
from qa.types import Answer, Citation, SentenceVerdict

from .render_chips import MARKER, chip, cite_attrs, cite_label, esc, glue_markers, markers_to_chips, pending_chip
from .render_sources import conflicts_html, sources_html, timeline_html
from .render_verdict import verdict_html
from .service import MAX_QUESTION_CHARS

__all__ = ["Turn", "answer_extras", "answer_text_html", "chat_html", "checked_answer_html", "chip", "cite_attrs", "cite_label",
           "document_html", "esc", "question_html", "turn_html"]
_TRAILING_MARKS = re.compile(r"[ \t]*(?:\[\d{1,3}\][ \t]*)*\[\d{1,3}\][.,;:!?]*")
QUESTION_PREVIEW_CHARS = 280  # of a question over the limit: shown in the bubble, the rest counted


@dataclass
class Turn:
    """One question and its (possibly still streaming) answer, as the chat shows it."""

    question: str
    partial: str = ""  # text streamed so far
    answer: Answer | None = None  # set when finished
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # e.g. "llm unavailable, answered in quote mode"
    headlines: dict[str, str] = field(default_factory=dict)  # doc_id -> title or first line, whole


def answer_extras(answer: Answer) -> tuple[dict | None, dict | None]:
    """(answer_span, verdict) from the answer JSON when the answering layer provides them."""
    try:
        j = answer.to_json()
    except Exception:  # rendering must not fail on an answer it cannot serialise
        return None, None
    span, verdict = j.get("answer_span"), j.get("verdict")
    ok_span = isinstance(span, dict) and isinstance(span.get("start"), int) and isinstance(span.get("end"), int)
    return (span if ok_span else None), (verdict if isinstance(verdict, dict) else None)


def question_html(question: str) -> str:
    """The asked question; one over the server's limit is cut, with its length said, so a
    20,000-character paste is not drawn as a page-long bubble."""
    if len(question) <= MAX_QUESTION_CHARS:
        return f'<span class="qa-q-text">{esc(question)}</span>'
    return (f'<span class="qa-q-text qa-q-cut">{esc(question[:QUESTION_PREVIEW_CHARS])}…</span>'
            f'<span class="qa-q-len"> ({len(question):,} characters; the limit is {MAX_QUESTION_CHARS:,})</span>')


def _unsupported_ranges(text: str, sentences: list[str]) -> list[tuple[int, int]]:
    """Where the flagged sentences sit in the answer text (the answer's own text, so a search
    here is exact), merged and sorted."""
    ranges = []
    for s in sentences:
        s = (s or "").strip()
        if not s:
            continue
        i = text.find(s)
        if i >= 0:  # the sentence's own chips go with it, so none is left alone on a line
            tail = _TRAILING_MARKS.match(text, i + len(s))
            ranges.append((i, tail.end() if tail else i + len(s)))
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
        out.append(markers_to_chips(esc(text[pos:a]), by_marker, heads))
        out.append('<span class="qa-unsupported" title="Not supported by the cited passages">'
                   f'{markers_to_chips(esc(text[a:b]), by_marker, heads)}'
                   '<sup class="qa-flag">unsupported</sup></span>')
        pos = b
    out.append(markers_to_chips(esc(text[pos:]), by_marker, heads))
    return "".join(out)


def _void_chip(m: re.Match) -> str:
    """A marker of a sentence its source does not support: shown, struck with it, not a link."""
    return (f'<span class="qa-chip qa-chip-void" title="This source does not support the sentence">'
            f'{m.group(1)}</span>')


def _sentence_html(text: str, v: SentenceVerdict, by_marker: dict[int, Citation], heads: dict[str, str]) -> str:
    seg = text[v.start:v.end]
    if v.status == "unsupported":
        why = v.reason or "not found in the cited article"
        return (f'<span class="qa-unsupported" data-status="unsupported" title="Not supported: {esc(why)}">'
                f'<del class="qa-struck">{glue_markers(esc(seg), _void_chip)}</del> '
                f'<span class="qa-flag">not supported: {esc(why)}</span></span>')
    own = dict(by_marker)
    for sp in v.support:  # this sentence's chips open the exact span that supports it
        if sp.marker in own:
            own[sp.marker] = replace(own[sp.marker], start=sp.start, end=sp.end, quote=sp.text)
    written = {int(n) for n in MARKER.findall(seg)}
    added = [own[m] for m in v.markers if m not in written and m in own]
    if not added:
        return f'<span class="qa-sent" data-status="{esc(v.status)}">{markers_to_chips(esc(seg), own, heads)}</span>'
    # the source the check found for a sentence that cites none (or the wrong one): a chip
    # added after it, glued to its last word
    last = re.search(r"\S+$", seg)
    head, tail = seg[:last.start()], seg[last.start():]
    chips = "".join(chip(c, heads, " qa-chip-added") for c in added)
    return (f'<span class="qa-sent" data-status="{esc(v.status)}">{markers_to_chips(esc(head), own, heads)}'
            f'<span class="qa-glue">{markers_to_chips(esc(tail), own, heads)}{chips}</span></span>')


def fallback_note(ans: Answer) -> str:
    why = getattr(ans, "fallback_reason", None) or "the model gave no answer the sources support"
    if ans.fallback_start:
        return (f'<div class="qa-note qa-fallback-note" role="note">The articles do not support the model\'s '
                f'answer above ({esc(why)}). Below are the sentences of the articles that best answer the '
                'question.</div>')
    return (f'<div class="qa-note qa-fallback-note">The model\'s answer was replaced by quotes: '
            f'{esc(why)}. These are the sentences of the articles that best answer the question.</div>')


def checked_answer_html(ans: Answer, headlines: dict[str, str] | None = None) -> str:
    """An llm answer exactly as it streamed, each generated sentence shown with its verdict:
    supported ones with chips to their exact spans, rejected ones struck through with the
    reason; a quote fallback follows, introduced by why."""
    text, heads = ans.text, headlines or {}
    by_marker = {c.marker: c for c in ans.citations}
    note_at = ans.fallback_start if ans.fallback == "quote" and ans.fallback_start else None
    if note_at is not None:
        lead = text.rfind(FALLBACK_LEAD, 0, note_at)
        note_at = lead if lead >= 0 else note_at
    out, pos = [], 0
    for v in sorted(ans.sentences, key=lambda v: v.start):
        if v.start < pos or v.end > len(text):
            continue
        out.append(markers_to_chips(esc(text[pos:v.start]), by_marker, heads))
        out.append(_sentence_html(text, v, by_marker, heads))
        pos = v.end
    if note_at is not None and note_at >= pos:
        out.append(esc(text[pos:note_at].rstrip("\n")))
        out.append(fallback_note(ans))
        pos = note_at
    out.append(markers_to_chips(esc(text[pos:]), by_marker, heads))
    return "".join(out)


def _timings_attr(ans: Answer) -> str:
    ms = round(ans.latency_s * 1000)
    return f'data-latency-ms="{ms}"'


def turn_html(turn: Turn, index: int) -> str:
    parts = [f'<div class="qa-turn" data-turn="{index}">',
             f'<div class="qa-q"><span class="qa-who">You</span>{question_html(turn.question)}</div>']
    ans = turn.answer
    if turn.error:
        parts.append(f'<div class="qa-a qa-error" role="alert">{esc(turn.error)}</div>')
    elif ans is None:
        body = (glue_markers(esc(turn.partial), pending_chip) if turn.partial
                else '<span class="qa-thinking">Searching the articles…</span>')
        parts.append(f'<div class="qa-a qa-streaming" aria-live="polite">{body}</div>')
    else:
        span, verdict = answer_extras(ans)
        classes = "qa-a qa-done" + (" qa-abstained" if ans.abstained else "")
        parts.append(f'<div class="{classes}" data-mode="{esc(ans.mode)}" {_timings_attr(ans)}>')
        if ans.abstained:
            parts.append('<div class="qa-abstain-label">No answer in the articles</div>')
        body = (checked_answer_html(ans, turn.headlines) if ans.sentences
                else answer_text_html(ans.text, ans.citations, ans.unsupported, turn.headlines))
        parts.append(f'<div class="qa-text">{body}</div>')
        parts.append(verdict_html(verdict, ans))
        if ans.standalone_question and ans.standalone_question != turn.question:
            # the reader can correct the rewrite: "Edit" puts it in the question box to change and ask
            parts.append(f'<div class="qa-rewrite">Understood as: <span class="qa-rewrite-text">'
                         f'{esc(ans.standalone_question)}</span> <button type="button" class="qa-rewrite-edit" '
                         f'title="Put this question in the box to correct it">Edit</button></div>')
        for note in turn.notes:
            parts.append(f'<div class="qa-note">{esc(note)}</div>')
        if ans.fallback == "quote":
            if not (ans.sentences and ans.fallback_start):  # else it sits where the quotes begin
                parts.append(fallback_note(ans))
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
              '<div>Every answer quotes the passages it comes from. '
              '<span class="qa-pointer-only">Hover a numbered chip to preview the quote; click it to read '
              'the article with the passage highlighted.</span>'
              '<span class="qa-touch-only">Tap a numbered chip to read the article with the quoted '
              'passage highlighted; Back returns to the chat.</span></div></div>')


def chat_html(turns: list[Turn]) -> str:
    if not turns:
        return f'<div class="qa-chat-log">{EMPTY_CHAT}</div>'
    return '<div class="qa-chat-log">' + "".join(turn_html(t, i) for i, t in enumerate(turns)) + "</div>"


def document_html(doc: Document, start: int | None = None, end: int | None = None) -> str:
    """The full article as escaped text, with doc.text[start:end] in a <mark class="qa-hl">."""
    text = doc.text
    date = display_date(doc.published)
    full = full_title(doc.title, doc.text) or doc.doc_id
    outlet = doc.outlet or url_host(doc.url) or "unknown outlet"
    # a name, never the id: the id is only the meta line's tooltip
    meta = [f'<div class="qa-doc-title" title="{esc(full)}">{esc(shorten(full))}</div>',
            f'<div class="qa-doc-meta" title="Document id: {esc(doc.doc_id)}">'
            f'<span class="qa-src-outlet">{esc(outlet)}</span> · <span class="qa-src-date">{esc(date or UNDATED)}</span>'
            + (f' <span class="qa-iso">({esc(doc.published)})</span>' if doc.published else "")
            + (f' · <span class="qa-doc-url">{esc(doc.url)}</span>' if doc.url else "") + "</div>"]
    if start is not None and end is not None and 0 <= start < end <= len(text):
        body = (esc(text[:start]) + f'<mark class="qa-hl" data-start="{start}" data-end="{end}">'
                + esc(text[start:end]) + "</mark>" + esc(text[end:]))
    else:
        body = esc(text)
    return (f'<div class="qa-doc" data-doc="{esc(doc.doc_id)}">' + "".join(meta)
            + f'<div class="qa-doc-text">{body}</div></div>')
