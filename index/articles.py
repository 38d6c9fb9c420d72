"""The article unit: one vector per document, made from its title and lead.

On news the article is what people search for and its lead says what it is about; MiniLM
reads at most 256 word pieces, so the text is the title followed by the first `LEAD_WORDS`
words (a prefix slice of the text, so a text that already starts with its title is not given
the title twice)."""

from __future__ import annotations

import re

from corpus import Document

LEAD_WORDS = 200
_WORD = re.compile(r"\S+")


def lead(text: str, words: int = LEAD_WORDS) -> str:
    """The first `words` whitespace-separated words of `text`, as the exact prefix slice."""
    if words < 1:
        raise ValueError(f"words must be >= 1, got {words}")
    end = 0
    for i, m in enumerate(_WORD.finditer(text)):
        if i == words:
            break
        end = m.end()
    return text[:end]


def article_text(doc: Document, words: int = LEAD_WORDS) -> str:
    """'Title. ' + the lead, or the lead alone when there is no title or the text opens with it."""
    body = lead(doc.text, words).strip()
    title = (doc.title or "").strip()
    if not title or body[: len(title)].casefold() == title.casefold():
        return body or title
    sep = "" if title[-1] in ".?!:" else "."
    return f"{title}{sep} {body}".strip()


__all__ = ["LEAD_WORDS", "article_text", "lead"]
