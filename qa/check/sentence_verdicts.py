"""From the claim check's findings to what the reader is shown: one `SentenceVerdict` per
generated sentence, with a reason in plain words, and one citation per cited source.

The generated text is never rewritten (it is what the reader watched stream in): a sentence
the check rejects stays, marked unsupported with why ("not found in the cited article", "the
cited article does not mention Maria Gomez"); a supported sentence keeps its own `[n]` markers,
and `[n]` in the text is the `n` of the citation. A source's citation is the span the check
matched for the sentences that cite it (two matched sentences of one passage: the span from the
first to the last), and each sentence's verdict names its own matched span (`Support`).
"""

from __future__ import annotations

import re

from index.text import fold

from ..types import Citation, SentenceVerdict, Support
from .claims import ClaimUnit, SentenceCheck, Source

_WORD = re.compile(r"[^\W_]+(?:[.,]\d+)*", re.UNICODE)


def _words_of(claim: str, wanted: set[str]) -> str:
    """The claim's own spelling of `wanted` (folded or lemmatised words), in its order."""
    seen, out = set(), []
    for m in _WORD.finditer(claim):
        w = fold(m.group(0))
        if w in wanted and w not in seen:
            seen.add(w)
            out.append(m.group(0))
    return " ".join(out) or " ".join(sorted(wanted))


def reason(check: SentenceCheck, claim: str) -> str:
    """Why `check` failed, in plain words, naming what the cited article lacks."""
    n = len(check.written)
    where = "the cited article" if n == 1 else "the cited articles" if n else "the articles"
    does = "does" if n == 1 else "do"
    if check.removed and not check.written:
        refs = "".join(f"[{m}]" for m in check.removed)
        return f"it cites {refs}, which is not one of the sources, and no source says it"
    numbers, names, found = [], set(), []
    for item in check.missing:
        if item.startswith("speaker: "):
            found.append(f"{where} {does} not attribute this to {_words_of(claim, set(item[9:].split()))}")
        elif item.startswith("number: "):
            found.append(f"{where} give{'s' if n == 1 else ''} a different number, not {item[8:].split()[0]}")
        elif item.startswith("cross-encoder"):
            found.append(f"{where} {does} not say this")
        elif any(c.isdigit() for c in item):
            numbers.append(item)
        else:
            names.add(item)
    if numbers:
        found.insert(0, f"{where} {does} not give {', '.join(numbers)}")
    if names:
        found.insert(0, f"{where} {does} not mention {_words_of(claim, names)}")
    return "; ".join(dict.fromkeys(found)) or f"not found in {where}"


def citations_for(checks: list[SentenceCheck], by_marker: dict[int, Source]) -> list[Citation]:
    """One citation per source that supports a sentence, numbered as the source (as the
    model wrote it), spanning the sentences the check matched in it."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for c in checks:
        if c.supported:
            for m, sp in c.spans.items():
                spans.setdefault(m, []).append(sp)
    out = []
    for m in sorted(spans):
        p = by_marker[m].passage
        s, e = min(a for a, _ in spans[m]), max(b for _, b in spans[m])
        out.append(Citation(m, p.doc_id, s, e, p.text[s - p.start:e - p.start], p.title, p.outlet, p.published))
    return out


def sentence_verdicts(units: list[ClaimUnit], checks: dict[int, SentenceCheck],
                      by_marker: dict[int, Source]) -> list[SentenceVerdict]:
    """A verdict per unit; `checks[i]` is the check of units[i] (units without one are
    remarks or refusals: 'not a claim')."""
    out = []
    for i, u in enumerate(units):
        c = checks.get(i)
        if c is None or (c.supported and not c.spans):  # nothing in it to check ('Yes.')
            out.append(SentenceVerdict(u.start, u.end, "not a claim"))
        elif not c.supported:
            out.append(SentenceVerdict(u.start, u.end, "unsupported", reason(c, u.claim)))
        else:
            support = []
            for m, (s, e) in c.spans.items():
                p = by_marker[m].passage
                support.append(Support(m, p.doc_id, s, e, p.text[s - p.start:e - p.start]))
            out.append(SentenceVerdict(u.start, u.end, "supported", None, tuple(c.spans), tuple(support)))
    return out


__all__ = ["citations_for", "reason", "sentence_verdicts"]
