"""Extract an article's main text and metadata from HTML with `trafilatura` (the field's
standard boilerplate remover) and its date with `htmldate`.

The text returned is exactly what is stored and shown, so offsets refer to it. Where the
markup carries no date, the date comes from the URL, then from a dateline near the top of
the text; `notes` records where each metadata value came from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from .dates import date_from_url, guess_published, parse_date

for _name in ("trafilatura", "htmldate"):  # they log every page they find thin; errors are ours to report
    logging.getLogger(_name).setLevel(logging.CRITICAL)


@dataclass
class HtmlArticle:
    text: str
    title: str | None
    outlet: str | None
    published: str | None
    url: str | None
    author: str | None = None
    notes: dict[str, str] = field(default_factory=dict)  # field -> where its value came from


LXML_MAX_DEPTH = 255
_SKIP = {"script", "style", "noscript", "template", "head", "title", "nav", "header", "footer", "aside"}
_BLOCKS = {"p", "div", "section", "article", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
           "blockquote", "pre", "table", "tr", "br", "hr"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}


def _stream_text(markup: str) -> tuple[str, int]:
    """(text, maximum nesting depth) by the stdlib's streaming HTML parser, which has no depth
    limit: the fallback for pages too deeply nested for libxml2."""
    from html.parser import HTMLParser

    class Collector(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.depth = self.max_depth = self.skip = 0
            self.parts: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag in _BLOCKS:
                self.parts.append("\n")
            if tag in _VOID:
                return
            self.depth += 1
            self.max_depth = max(self.max_depth, self.depth)
            self.skip += tag in _SKIP

        def handle_endtag(self, tag):
            if tag in _VOID:
                return
            self.depth = max(self.depth - 1, 0)
            self.skip = max(self.skip - (tag in _SKIP), 0)
            if tag in _BLOCKS:
                self.parts.append("\n")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    c = Collector()
    c.feed(markup)
    c.close()
    lines = (" ".join(line.split()) for line in "".join(c.parts).split("\n"))
    return "\n".join(line for line in lines if line), c.max_depth


def _markup_date(markup: str) -> str | None:
    """A publication date from the page's markup only (meta tags, time elements, JSON-LD)."""
    from htmldate import find_date

    try:
        found = find_date(markup, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # htmldate raises on pathological markup; a missing date is not fatal
        return None
    return parse_date(found)


def extract_html(markup: str, url: str | None = None) -> HtmlArticle:
    """Main text (paragraphs separated by newlines) and metadata of one HTML page.

    `url` is where the page was fetched from (a WARC record's target URI); the page's own
    canonical URL wins when it has one."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        markup, url=url, with_metadata=True, include_comments=False, include_tables=True,
        favor_precision=True, fast=True, deduplicate=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if doc is None:
        text, depth = _stream_text(markup)
        # libxml2 (under trafilatura) stops at 256 nested elements; deeper pages keep their text
        return HtmlArticle(text=text if depth > LXML_MAX_DEPTH else "", title=None, outlet=None,
                           published=None, url=url)
    meta = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = (meta.get("text") or "").strip()
    notes: dict[str, str] = {}
    page_url = meta.get("url") or url
    outlet = meta.get("sitename") or None
    for key, value in (("title", meta.get("title")), ("outlet", outlet), ("url", page_url),
                       ("author", meta.get("author"))):
        if value:
            notes[key] = "page markup" if not (key == "url" and value == url and url) else "fetch URL"
    published = _markup_date(markup)
    if published:
        notes["published"] = "page markup (htmldate)"
    else:
        published, notes_pub = resolve_fallback_date(page_url, text)
        if notes_pub:
            notes["published"] = notes_pub
    return HtmlArticle(
        text=text, title=meta.get("title") or None, outlet=outlet, published=published,
        url=page_url, author=meta.get("author") or None, notes=notes,
    )


def resolve_fallback_date(url: str | None, text: str) -> tuple[str | None, str | None]:
    """A date from the URL, else from a dateline near the top of the text; with its origin."""
    found = date_from_url(url)
    if found:
        return found, "URL"
    found = guess_published(text)
    if found:
        return found, "dateline in the text"
    return None, None
