"""How a citation is drawn in the chat: HTML escaping, the chip `[n]` and the data-* attributes
that the viewer and the hover preview read. Shared by the answer (ui.render) and its source
cards (ui.render_sources)."""

from __future__ import annotations

import html

from qa.labels import source_label
from qa.types import Citation


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
