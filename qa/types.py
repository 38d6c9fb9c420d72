"""Answer types: `Answer`, `Citation`, `Conflict`, and `Sentence` (a retrieved sentence, shared by
every room that scores, quotes or checks sentences). `Answer.to_json()` is the `qa ask --json`
object that the UI, the HTTP API and the evaluation suite rely on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index import ScoredPassage
from index.text import words

ABSTAIN_TEXT = "The articles don't say."


@dataclass(frozen=True)
class Citation:
    """`[marker]` in the answer text points at doc.text[start:end] == quote."""

    marker: int
    doc_id: str
    start: int
    end: int
    quote: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    # a syndicated story is cited once, from its earliest copy; these name its other copies
    also_published_by: tuple[str, ...] = ()  # their outlets (distinct, earliest first)
    copies: tuple[str, ...] = ()  # their document ids

    def __post_init__(self) -> None:
        if self.marker < 1:
            raise ValueError(f"citation marker must be >= 1, got {self.marker}")
        if not (0 <= self.start < self.end) or len(self.quote) != self.end - self.start:
            raise ValueError(
                f"citation [{self.marker}] span {self.start}:{self.end} does not match its quote "
                f"of length {len(self.quote)}"
            )

    def to_json(self) -> dict:
        return {
            "marker": self.marker, "doc_id": self.doc_id, "title": self.title, "outlet": self.outlet,
            "published": self.published, "start": self.start, "end": self.end, "text": self.quote,
            "also_published_by": list(self.also_published_by), "copies": list(self.copies),
        }


@dataclass(frozen=True)
class ConflictValue:
    value: str
    citation_markers: tuple[int, ...]
    doc_ids: tuple[str, ...]
    published: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Conflict:
    """Different articles give different values for the same fact."""

    topic: str  # what the values are of, e.g. "number of hostages"
    values: tuple[ConflictValue, ...]

    def to_json(self) -> dict:
        return {
            "topic": self.topic,
            "values": [
                {"value": v.value, "markers": list(v.citation_markers), "doc_ids": list(v.doc_ids),
                 "published": list(v.published)}
                for v in self.values
            ],
        }


# What a verdict can say (`Verdict.kind`). "answered": the answer cites the articles;
# "conflict": it does, and they disagree; "not_stated": the articles are about the question
# but none says what it asks; "off_topic": no article is about it; "no_index": nothing is
# indexed yet. qa.evidence.verdict is the one module that builds a Verdict.
VERDICT_KINDS = ("answered", "conflict", "not_stated", "off_topic", "no_index")
ANSWERED_KINDS = ("answered", "conflict")


@dataclass(frozen=True)
class Verdict:
    """Why the assistant answered or refused. `kind`: one of VERDICT_KINDS; `reason`: the same
    in plain words for the reader, from a small closed set of templates (qa.evidence.verdict:
    "answered from 2 articles", "the articles discuss X but never say Y", "no article about
    this", "sources disagree"); no numbers or jargon there: they are in `score` (the calibrated
    answerability score in [0, 1], qa.evidence.answerability; None when no model is installed)
    and `features` (the scorer's inputs and the gate's measurements)."""

    answerable: bool
    kind: str
    reason: str
    score: float | None = None
    features: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in VERDICT_KINDS:
            raise ValueError(f"verdict kind must be one of {', '.join(VERDICT_KINDS)}, got {self.kind!r}")
        if self.answerable != (self.kind in ANSWERED_KINDS):
            raise ValueError(f"verdict kind {self.kind!r} contradicts answerable={self.answerable}")
        if self.score is not None and not 0.0 <= self.score <= 1.0:
            raise ValueError(f"verdict score must be within [0, 1], got {self.score}")

    def to_json(self) -> dict:
        return {"answerable": self.answerable, "kind": self.kind, "reason": self.reason,
                "score": None if self.score is None else round(float(self.score), 4),
                "features": {k: round(float(v), 4) for k, v in self.features.items()}}


@dataclass(frozen=True)
class AnswerSpan:
    """The shortest span that answers, inside cited sentence `[marker]`:
    doc.text[start:end] == text; `label` is its entity type (spaCy: PERSON, DATE, ...)."""

    marker: int
    doc_id: str
    start: int
    end: int
    text: str
    label: str | None = None

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end) or len(self.text) != self.end - self.start:
            raise ValueError(f"answer span {self.start}:{self.end} does not match its text of length "
                             f"{len(self.text)}")

    @property
    def entity_type(self) -> str | None:
        """The span's entity type for readers of the API: its label when that is a spaCy
        entity label, else the label of a spaCy entity spanning the whole text (a span found by
        the extractive reader, labelled READER inside qa/), else None."""
        from .nlp import entities, spacy_pipeline

        if self.label and self.label in spacy_pipeline().get_pipe("ner").labels:
            return self.label
        whole = [e for e in entities(self.text) if e.start == 0 and e.end == len(self.text)]
        return whole[0].label if whole else None

    def to_json(self) -> dict:
        return {"marker": self.marker, "doc_id": self.doc_id, "start": self.start, "end": self.end,
                "text": self.text, "label": self.entity_type}


SENTENCE_STATUSES = ("supported", "unsupported", "not a claim")


@dataclass(frozen=True)
class Support:
    """The exact span of the source, cited `[marker]`, that supports one sentence:
    doc.text[start:end] == text (inside, or equal to, that citation's span)."""

    marker: int
    doc_id: str
    start: int
    end: int
    text: str

    def to_json(self) -> dict:
        return {"marker": self.marker, "doc_id": self.doc_id, "start": self.start, "end": self.end,
                "text": self.text}


@dataclass(frozen=True)
class SentenceVerdict:
    """What the claim check found for one sentence of a generated answer, which stays in the
    answer as it was streamed: `Answer.text[start:end]`. `status`: one of SENTENCE_STATUSES
    ("not a claim": a remark about the sources or a refusal, not checked); `reason`: plain
    words for an unsupported sentence ("not found in the cited article"); `markers`: the
    citations that support it (the ones it carries, or the source the check found when it
    cites none or the wrong one); `support`: the supporting span of each."""

    start: int
    end: int
    status: str
    reason: str | None = None
    markers: tuple[int, ...] = ()
    support: tuple[Support, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in SENTENCE_STATUSES:
            raise ValueError(f"sentence status must be one of {', '.join(SENTENCE_STATUSES)}, "
                             f"got {self.status!r}")
        if not 0 <= self.start < self.end:
            raise ValueError(f"sentence span {self.start}:{self.end} is empty or negative")

    def to_json(self, text: str) -> dict:
        return {"start": self.start, "end": self.end, "text": text[self.start:self.end],
                "status": self.status, "reason": self.reason, "markers": list(self.markers),
                "support": [s.to_json() for s in self.support]}


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    passages: list[ScoredPassage] = field(default_factory=list)  # retrieved, best first
    abstained: bool = False
    mode: str = "quote"
    conflicts: list[Conflict] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # generated sentences the checker flagged
    standalone_question: str | None = None  # the rewritten follow-up, when it differs
    latency_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # per stage: retrieve, answer, ...
    fallback: str | None = None  # "quote": the llm mode's model gave no supported answer
    # why llm mode's model gave no answer (it declined, or the claim check rejected every
    # sentence); shown with the quotes that replace it (`fallback`)
    fallback_reason: str | None = None
    verdict: Verdict | None = None  # the refusal gate's decision, reason and score
    answer_span: AnswerSpan | None = None  # the short answer inside the first cited sentence
    # llm mode: a verdict per generated sentence (spans into `text`, which is what was streamed)
    sentences: list[SentenceVerdict] = field(default_factory=list)
    fallback_start: int | None = None  # where the quotes of a fallback begin in `text`

    def checked_text(self) -> str:
        """`text` without the generated sentences the claim check rejected: what follow-ups
        may build on (the reader still sees them, struck through)."""
        return without_unsupported(self.text, [(s.start, s.end, s.status) for s in self.sentences])

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "mode": self.mode,
            "citations": [c.to_json() for c in self.citations],
            "passages": [
                {"doc_id": p.doc_id, "start": p.start, "end": p.end, "text": p.text,
                 "score": round(float(p.score), 6), "title": p.title, "outlet": p.outlet,
                 "published": p.published}
                for p in self.passages
            ],
            "conflicts": [c.to_json() for c in self.conflicts],
            "unsupported": list(self.unsupported),
            "standalone_question": self.standalone_question,
            "latency_s": round(self.latency_s, 4),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "fallback": self.fallback,
            "fallback_reason": self.fallback_reason,
            "verdict": self.verdict.to_json() if self.verdict else None,
            "answer_span": self.answer_span.to_json() if self.answer_span else None,
            "sentences": [s.to_json(self.text) for s in self.sentences],
            "fallback_start": self.fallback_start,
        }


def without_unsupported(text: str, spans) -> str:
    """`text` with the (start, end, status) spans whose status is "unsupported" cut out."""
    out, pos = [], 0
    for a, b, status in sorted(spans):
        if status == "unsupported" and a >= pos:
            out.append(text[pos:a])
            pos = b
    out.append(text[pos:])
    if not pos:
        return text
    joined = re.sub(r"[ \t]{2,}", " ", "".join(out))
    return re.sub(r"[ \t]+\n|\n[ \t]+", "\n", joined).strip()


@dataclass
class Sentence:
    """A sentence of a retrieved passage: `doc.text[start:end] == text`."""

    doc_id: str
    start: int
    end: int
    text: str
    passage: ScoredPassage
    rank: int  # rank of the best passage containing it, from 0
    sem: float = 0.0
    lex: float = 0.0
    cue: float = 0.0
    score: float = 0.0
    ce: float | None = None  # the cross-encoder's logit, when quote mode's second stage read it
    terms: set[str] = field(default_factory=set)
    prev_start: int | None = None  # document offset of the sentence before it in its passage

    def quoted(self) -> tuple[int, int, str]:
        """(start, end, text) to quote: the sentence, plus the one before it when it opens
        with a pronoun or demonstrative ('This marks ...', 'He said ...') whose referent
        that sentence names. Always a contiguous span of the document."""
        first = words(self.text[:40])[:1]
        if self.prev_start is None or not first or first[0] not in ANAPHORS:
            return self.start, self.end, self.text
        p = self.passage
        return self.prev_start, self.end, p.text[self.prev_start - p.start:self.end - p.start]


ANAPHORS = frozenset("this that these those it he she they his her its their such".split())
