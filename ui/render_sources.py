"""Source cards, the timeline strip of cited articles, and conflict boxes (escaped HTML)."""

from __future__ import annotations

from datetime import date

from qa.labels import UNDATED, display_date, full_title, shorten
from qa.types import Answer, Citation

from .render_chips import chip, cite_attrs, esc


def _score_for(c: Citation, answer: Answer) -> float | None:
    for p in answer.passages:
        if p.doc_id == c.doc_id and p.start <= c.start and c.end <= p.end:
            return float(p.score)
    return None


def quote_html(c: Citation, span: dict | None) -> str:
    """The quoted sentence; the exact answer inside it in bold when `span` lies within it."""
    if span and span.get("doc_id") == c.doc_id and c.start <= span["start"] < span["end"] <= c.end:
        a, b = span["start"] - c.start, span["end"] - c.start
        return (esc(c.quote[:a]) + f'<strong class="qa-answer-span">{esc(c.quote[a:b])}</strong>'
                + esc(c.quote[b:]))
    return esc(c.quote)


def _meta(c: Citation, headlines: dict[str, str]) -> str:
    """Outlet · date, then the title cut to qa.labels.TITLE_CHARS (whole in its tooltip)."""
    full = headlines.get(c.doc_id) or full_title(c.title) or c.doc_id
    when = display_date(c.published)
    parts = [f'<span class="qa-src-outlet">{esc(c.outlet)}</span>'] if c.outlet else []
    parts.append(f'<span class="qa-src-date">{esc(when or UNDATED)}</span>')
    return (f'<div class="qa-card-meta">{" · ".join(parts)}</div>'
            f'<div class="qa-src-title" title="{esc(full)}">{esc(shorten(full))}</div>')


def copies_html(c: Citation) -> str:
    """'Also published by 2 outlets: Sea Herald, Bay Times' under a syndicated story's card."""
    n = len(c.also_published_by)
    if not n:
        return ""
    names = ", ".join(c.also_published_by)
    return (f'<div class="qa-card-meta qa-src-copies" data-copies="{esc(",".join(c.copies))}">'
            f'Also published by {n} outlet{"s" if n > 1 else ""}: {esc(names)}</div>')


def sources_html(answer: Answer, headlines: dict[str, str], span: dict | None = None) -> str:
    """One card per citation: chip, outlet · date, title (or first line), the quote, score."""
    if not answer.citations:
        return ""
    cards = []
    for c in answer.citations:
        score = _score_for(c, answer)
        score_html = f'<span class="qa-score">relevance {score:.2f}</span>' if score is not None else ""
        cards.append(
            f'<li class="qa-source qa-card" data-marker="{c.marker}">'
            f'<a href="#" class="qa-cite qa-src-link" {cite_attrs(c, headlines)}>'
            f'<span class="qa-chip qa-chip-static">{c.marker}</span>{_meta(c, headlines)}</a>'
            f'{copies_html(c)}'
            f'<blockquote class="qa-quote">{quote_html(c, span)}</blockquote>{score_html}</li>'
        )
    return ('<div class="qa-sources"><div class="qa-h">Sources</div><ol class="qa-cards">'
            + "".join(cards) + "</ol></div>")


def _parse(published: str | None) -> date | None:
    try:
        return date.fromisoformat(str(published)[:10]) if published else None
    except ValueError:
        return None


def timeline_html(citations: list[Citation], headlines: dict[str, str]) -> str:
    """A strip placing each cited article at its publication date; undated ones after it."""
    by_doc: dict[str, list[Citation]] = {}
    for c in citations:
        by_doc.setdefault(c.doc_id, []).append(c)
    if not by_doc:
        return ""
    dated = [(d, cs) for cs in by_doc.values() if (d := _parse(cs[0].published))]
    undated = [cs for cs in by_doc.values() if not _parse(cs[0].published)]
    dots = []
    if dated:
        lo, hi = min(d for d, _ in dated), max(d for d, _ in dated)
        span = (hi - lo).days
        for d, cs in sorted(dated, key=lambda x: x[0]):
            left = 50.0 if span == 0 else 4 + 92 * (d - lo).days / span
            chips = "".join(chip(c, headlines, " qa-chip-sm") for c in cs)
            dots.append(f'<div class="qa-tl-dot" style="left:{left:.1f}%" data-date="{d.isoformat()}" '
                        f'title="{esc(display_date(d.isoformat()))}"><span class="qa-tl-pin"></span>'
                        f'<span class="qa-tl-date">{esc(display_date(d.isoformat()))}</span>'
                        f'<span class="qa-tl-chips">{chips}</span></div>')
    rest = ""
    if undated:
        chips = "".join(chip(c, headlines, " qa-chip-sm") for cs in undated for c in cs)
        rest = f'<div class="qa-tl-undated">{UNDATED}: {chips}</div>'
    line = f'<div class="qa-tl-line">{"".join(dots)}</div>' if dots else ""
    return (f'<div class="qa-timeline" aria-label="When the cited articles were published">'
            f'<div class="qa-h">Timeline</div>{line}{rest}</div>')


def conflicts_html(answer: Answer, headlines: dict[str, str] | None = None) -> str:
    if not answer.conflicts:
        return ""
    by_marker = {c.marker: c for c in answer.citations}
    blocks = []
    for conflict in answer.conflicts:
        cols = []
        for v in conflict.values:
            links = " ".join(chip(by_marker[m], headlines or {}) for m in v.citation_markers if m in by_marker)
            dates = ", ".join(display_date(p) or UNDATED for p in v.published) or ""
            cols.append(
                f'<div class="qa-conflict-value"><div class="qa-value">{esc(v.value)}</div>'
                f'<div class="qa-conflict-src">{links}{(" · " + esc(dates)) if dates else ""}</div></div>'
            )
        blocks.append(
            f'<div class="qa-conflict" role="note"><div class="qa-h">The articles disagree: {esc(conflict.topic)}</div>'
            f'<div class="qa-conflict-row">{"".join(cols)}</div></div>'
        )
    return "".join(blocks)
