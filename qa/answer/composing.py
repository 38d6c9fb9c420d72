"""From ranked sentences to the cited `Answer`: the quote answer (best sentences, every side
of a conflict, syndicated copies, the source line) and the finishing of an llm answer (its
conflicts and copies, or the quote answer when the LLM gave nothing supported)."""

from __future__ import annotations

import re
from typing import Callable

from index import DocRecord, ScoredPassage

from .citing import compose, make_citation, published_line, published_note, with_copies
from ..check.conflicts import find_conflicts
from ..check.findings import Finding
from .quote import QuoteAnswerer
from ..settings import ConflictSettings
from ..types import Answer, Conflict, ConflictValue, Sentence


def cite_every_side(findings: list[Finding], groups: list[list[Sentence]]) -> list[list[Sentence]]:
    """Add the sentence of every side of each conflict to the cited groups."""
    keys = {(s.doc_id, s.start, s.end) for g in groups for s in g}
    groups = [list(g) for g in groups]
    for f in findings:
        for ms in f.values.values():
            for m in ms:
                s = m.sentence
                if (s.doc_id, s.start, s.end) not in keys:
                    groups.append([s])
                    keys.add((s.doc_id, s.start, s.end))
    return groups


def conflicts_text(findings: list[Finding], markers: dict) -> tuple[str, list[Conflict]]:
    """"The articles disagree on …" lines, each side with its citation marker and date."""
    lines, out = [], []
    for f in findings:
        values, parts = [], []
        for ms in f.values.values():
            marks = tuple(dict.fromkeys(markers[(m.sentence.doc_id, m.sentence.start, m.sentence.end)]
                                        for m in ms))
            docs = tuple(dict.fromkeys(m.doc_id for m in ms))
            pubs = tuple(dict.fromkeys(m.sentence.passage.published for m in ms))
            values.append(ConflictValue(ms[0].surface, marks, docs, pubs))
            srcs = " and ".join(
                f"{m.surface} [{markers[(m.sentence.doc_id, m.sentence.start, m.sentence.end)]}] "
                f"{published_note(m.sentence.passage)}"
                for m in {m.doc_id: m for m in ms}.values()
            )
            parts.append(srcs)
        out.append(Conflict(f.topic, tuple(values)))
        lines.append(f"The articles disagree on the {f.topic}: " + " vs. ".join(parts) + ".")
    return "\n".join(lines), out


def next_marker(ans: Answer) -> int:
    """The first marker number free in `ans`: after its citations and after every `[n]` its
    text carries (an unsupported generated sentence keeps markers that cite nothing)."""
    used = [c.marker for c in ans.citations] + [int(n) for n in re.findall(r"\[(\d+)\]", ans.text)]
    return max(used, default=0) + 1


def add_conflicts(ans: Answer, findings: list[Finding]) -> Answer:
    """llm mode: cite every side of each conflict (reusing a citation that already quotes the
    sentence) and state the disagreement after the generated text (which stays as it was
    streamed), as quote mode states it."""
    markers: dict = {}
    for f in findings:
        for ms in f.values.values():
            for s in (m.sentence for m in ms):
                key = (s.doc_id, s.start, s.end)
                hit = next((c for c in ans.citations if c.doc_id == s.doc_id
                            and c.start <= s.start and s.end <= c.end), None)
                if key not in markers and hit is None:
                    ans.citations.append(make_citation(next_marker(ans), s, (s.start, s.end, s.text)))
                markers.setdefault(key, hit.marker if hit else ans.citations[-1].marker)
    if findings:
        ctext, ans.conflicts = conflicts_text(findings, markers)
        ans.text = f"{ans.text}\n{ctext}"
    return ans


# the line between an llm answer that nothing supports and the quotes that follow it
FALLBACK_LEAD = "What the articles say:"


def _standalone_or_none(question: str, standalone: str) -> str | None:
    return standalone if standalone != question.strip() else None


class AnswerComposer:
    """Builds the quote answer and finishes llm answers. `copies_of(doc_id)`: the other copies
    of a syndicated article (the index's duplicate cluster); `fallback_to_quote`: answer with
    quotes when the LLM gave nothing supported but the evidence was judged to answer."""

    def __init__(self, quote: QuoteAnswerer, copies_of: Callable[[str], list[DocRecord]],
                 fallback_to_quote: bool = True, conflicts: ConflictSettings = ConflictSettings(),
                 headline_of: Callable[[str, str | None], str] | None = None):
        if not callable(copies_of):
            raise TypeError(f"copies_of must be callable, got {type(copies_of).__name__}")
        self.quote = quote
        self.copies_of = copies_of
        self.fallback_to_quote = fallback_to_quote
        self.conflicts = conflicts
        self.headline_of = headline_of  # (doc_id, title) -> how the article is named in the source line

    def quote_answer(self, question: str, standalone: str, passages: list[ScoredPassage],
                     ranked: list[Sentence], first_marker: int = 1) -> Answer:
        groups = self.quote.select(ranked)
        findings = find_conflicts(standalone, ranked, self.conflicts)
        groups = cite_every_side(findings, groups)
        text, citations, markers = compose(groups, first_marker)
        citations = with_copies(citations, self.copies_of)
        conflicts: list[Conflict] = []
        if findings:
            ctext, conflicts = conflicts_text(findings, markers)
            text = f"{ctext}\n{text}"
        if citations:
            text = f"{text}\n{published_line(citations, self.headline_of)}"
        return Answer(question, text, citations, passages, mode="quote", conflicts=conflicts,
                      standalone_question=_standalone_or_none(question, standalone))

    def finish_llm(self, question: str, standalone: str, passages: list[ScoredPassage],
                   ranked: list[Sentence], ans: Answer) -> Answer:
        """The LLM's answer with its conflicts, copies and source line added after the text the
        model streamed, which stays as it is; or, when the model gave nothing supported, that
        text followed by the quote answer (marked `fallback="quote"`, starting at
        `fallback_start`), numbered after the markers the model's text already uses."""
        if not ans.citations and self.fallback_to_quote and ranked:
            quoted = self.quote_answer(question, standalone, passages, ranked, first_marker=next_marker(ans))
            if quoted.citations:
                lead = f"{ans.text}\n\n{FALLBACK_LEAD}\n" if ans.text.strip() else ""
                quoted.text, quoted.fallback_start = lead + quoted.text, len(lead)
                quoted.mode, quoted.fallback = "llm", "quote"
                quoted.fallback_reason = ans.fallback_reason or "the model gave no supported answer"
                quoted.unsupported, quoted.sentences = ans.unsupported, ans.sentences
                quoted.timings = dict(ans.timings)
                ans = quoted
        elif ans.citations:
            add_conflicts(ans, find_conflicts(standalone, ranked, self.conflicts))
            ans.citations = with_copies(ans.citations, self.copies_of)
            ans.text = f"{ans.text}\n{published_line(ans.citations, self.headline_of)}"  # the one source note
        ans.question = question
        ans.standalone_question = _standalone_or_none(question, standalone)
        return ans


__all__ = ["AnswerComposer", "FALLBACK_LEAD", "add_conflicts", "cite_every_side", "conflicts_text", "next_marker"]
