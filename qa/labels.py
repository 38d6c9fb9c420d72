"""How a source is named to a reader: "MEMRI · 19 Jan 2024 · Hamas delegation visits Moscow…".

A label is built from the article's metadata: its outlet, its publication date (written the way
people read dates) and its title, or, when it has none, its first line of text (truncated). The
document id is the last resort, never the first. Used by the CLI, the HTTP API and the chat UI.
"""

from __future__ import annotations

from datetime import date

SEP = " · "
# The one length a title is cut to, in every view (cards, viewer, library, labels, the answer's
# Published: line): two lines of the viewer at 1440 px, three of a source card. The whole title
# stays available (the views put it in a tooltip).
TITLE_CHARS = 90
UNDATED = "undated"


def display_date(published: str | None) -> str | None:
    """'2024-01-19' -> '19 Jan 2024'; None (or an unparseable value) stays None/as given."""
    if not published:
        return None
    try:
        d = date.fromisoformat(str(published)[:10])
    except ValueError:
        return str(published)
    return f"{d.day} {d.strftime('%b')} {d.year}"


def url_host(url: str | None) -> str | None:
    """'https://www.bbc.co.uk/news/x' -> 'bbc.co.uk': how a URL names its outlet; None without one."""
    from urllib.parse import urlparse

    host = urlparse(url).hostname if url else None
    return host[4:] if host and host.startswith("www.") else host


def shorten(text: str, limit: int = TITLE_CHARS) -> str:
    """`text` on one line, cut at a word boundary with '…' when longer than `limit`."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.…-–—") + "…"  # one mark: never "Israel.…"


def end_sentence(text: str) -> str:
    """`text` closed with a full stop, unless it already ends in one, '!', '?' or '…' (a cut
    title): never "relations…." or "violations..". """
    text = text.rstrip()
    return text if not text or text[-1] in ".!?…" else text + "."


TITLE_WORDS = 4  # a line with fewer words besides dates, times and people's names is not a title
SCAN_LINES = 8  # how far into an article a title is looked for


def sentence_like(line: str) -> bool:
    """Is `line` a headline or sentence rather than a dateline or a byline? It has at least
    TITLE_WORDS words that are not part of a date, a time or a person's name (spaCy's entities):
    '1/19/2024 | Last updated: 1/19/2024 07:51 PM (Mecca time)' and 'By Jane Doe' are not."""
    from .nlp import parse

    words = [t for t in parse(line) if t.is_alpha and t.ent_type_ not in ("DATE", "TIME", "PERSON")]
    return len(words) >= TITLE_WORDS


def first_line(text: str | None) -> str | None:
    """The article's first sentence-like line (markdown heading marks removed; datelines and
    bylines skipped), else its first non-empty line, or None."""
    lines = [ln.strip().lstrip("#").strip() for ln in (text or "").splitlines()]
    lines = [ln for ln in lines if ln]
    return next((ln for ln in lines[:SCAN_LINES] if sentence_like(ln[:300])), lines[0] if lines else None)


def full_title(title: str | None, text: str | None = None) -> str | None:
    """The title, else the first sentence-like line of the text, whole (on one line); None
    when there is neither. What a tooltip shows where `headline` is cut."""
    for candidate in (title, first_line(text)):
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return None


def headline(title: str | None, text: str | None = None, doc_id: str | None = None,
             limit: int = TITLE_CHARS) -> str:
    """`full_title` cut to `limit` at a word with one '…', else the document id."""
    full = full_title(title, text)
    return shorten(full, limit) if full else (doc_id or "untitled")


def source_label(outlet: str | None, published: str | None, title: str | None,
                 text: str | None = None, doc_id: str | None = None) -> str:
    """'MEMRI · 19 Jan 2024 · Hamas delegation visits Moscow…' (outlet left out when unknown)."""
    parts = [outlet.strip()] if outlet and outlet.strip() else []
    parts.append(display_date(published) or UNDATED)
    parts.append(headline(title, text, doc_id))
    return SEP.join(parts)


__all__ = ["TITLE_CHARS", "UNDATED", "display_date", "end_sentence", "first_line", "full_title", "headline",
           "sentence_like", "shorten", "source_label", "url_host"]
