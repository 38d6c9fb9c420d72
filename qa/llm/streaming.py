"""What of a model's streamed text the reader sees: `GenerationCleaner`.

Small models wrap answers in a code fence, an 'Answer:' label or a trailing 'Sources:' block
(the assistant adds its own source note, built from the checked citations). Those are removed
*while the text streams*, never afterwards, so the text a reader watched arrive is the answer's
final text: the cleaner holds back only what it cannot yet decide (the first few characters,
which may be a label; a line start that may become 'Sources:'; trailing spaces and backticks)
and never takes back what it has let through. `clean_generation(text)` is the same cleaner fed
the whole text at once, so the two cannot disagree.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"```[\w-]*[ \t]*\n?")
_LABEL = re.compile(r"(?:answer|response)[ \t]*:[ \t]*\n?", re.I)
_LABEL_WORDS = ("answer", "response")
_HEADER = re.compile(r"(?:^|\n|(?<=[.!?\]])[ \t]+)[ \t*#_]*(?:sources?|references?|citations?)[ \t*_]*:",
                     re.I)
_HEADER_WORDS = ("sources", "references", "citations")
# where a sources block can start: a line start, or spaces after a sentence's end or a marker
_BOUNDARY = re.compile(r"\n|(?<=[.!?\]])[ \t]")
_TAIL_HELD = re.compile(r"[\s`]*\Z")


def _label_pending(s: str) -> bool:
    """True while `s` (no leading space) may still turn out to be an 'Answer:' label."""
    low = s.lower()
    for w in _LABEL_WORDS:
        if w.startswith(low) or (low.startswith(w) and re.fullmatch(r"[ \t]*", low[len(w):])):
            return True
    return False


def _header_pending(tail: str) -> bool:
    """True while `tail` (text from a boundary) may still become a 'Sources:' header."""
    low = tail.lstrip(" \t\n*#_").lower()
    for w in _HEADER_WORDS:
        if w.startswith(low) or (low.startswith(w[:-1]) and re.fullmatch(r"s?[ \t*_]*", low[len(w) - 1:])):
            return True
    return False


class GenerationCleaner:
    """Feed the model's deltas; get back only text that will stay. `feed(delta) -> str`,
    then `finish() -> str` once the model is done. The concatenation of everything returned
    is the cleaned answer (see `clean_generation`)."""

    def __init__(self):
        self._head = ""  # raw text before the body starts (whitespace, a fence, a label)
        self._body: str | None = None  # the text after the preamble, once decided
        self._sent = 0  # characters of the body already returned
        self._closed = False  # a sources block started: the rest is dropped

    def feed(self, delta: str) -> str:
        if self._closed or not delta:
            return ""
        if self._body is None:
            self._head += delta
            if not self._decide_head(final=False):
                return ""
        else:
            self._body += delta
        return self._release(final=False)

    def finish(self) -> str:
        if self._body is None:
            self._decide_head(final=True)
        return self._release(final=True)

    def _decide_head(self, final: bool) -> bool:
        s = self._head.lstrip()
        m = _FENCE.match(s)
        if m:
            if m.end() == len(s) and not final and not s.endswith("\n"):
                return False  # '```pyth' may go on
            s = s[m.end():].lstrip()
        elif s and not final and "```".startswith(s):
            return False
        m = _LABEL.match(s)
        if m:
            if m.end() == len(s) and not final:
                return False  # 'Answer: ' may be followed by more spaces
            s = s[m.end():].lstrip()
        elif s and not final and _label_pending(s):
            return False
        if not s and not final:
            return False
        self._body = s
        return True

    def _release(self, final: bool) -> str:
        body = self._body or ""
        m = _HEADER.search(body, max(0, self._sent - 1))
        if m:
            body = self._body = body[:m.start()]
            self._closed = True
            final = True
        if final:
            end = len(re.sub(r"\s*```\s*\Z", "", body).rstrip())
        else:
            end = len(body) - len(_TAIL_HELD.search(body).group(0))
            for b in _BOUNDARY.finditer(body, max(0, len(body) - 40)):
                if b.start() < end and _header_pending(body[b.start():]):
                    end = b.start()
                    break
            if self._sent == 0 and _header_pending(body):
                end = 0
        if end <= self._sent:
            return ""
        out = body[self._sent:end]
        self._sent = end
        return out


def clean_generation(text: str) -> str:
    """Strip what small models wrap answers in: code fences, an 'Answer:' label, and a
    'Sources:' / 'References:' block (the assistant adds its own source note, built from
    the verified citations). The same as streaming `text` through a `GenerationCleaner`."""
    cleaner = GenerationCleaner()
    return cleaner.feed(text) + cleaner.finish()


__all__ = ["GenerationCleaner", "clean_generation"]
