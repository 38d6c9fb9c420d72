"""Answer types: `Answer`, `Citation`, `Conflict`. `Answer.to_json()` is the `qa ask --json`
object that the UI, the HTTP API and the evaluation suite rely on."""

from __future__ import annotations

from dataclasses import dataclass, field

from index import ScoredPassage

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


@dataclass(frozen=True)
class Verdict:
    """Why the assistant answered or refused. `reason` is the refusal gate's words ("the
    articles never mention X", "supported"); `score` is the calibrated answerability score in
    [0, 1] (qa.evidence.answerability: the estimated probability that the retrieved passages answer the
    question), None when no model is installed; `features` are the scorer's inputs."""

    answerable: bool
    reason: str
    score: float | None = None
    features: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.score is not None and not 0.0 <= self.score <= 1.0:
            raise ValueError(f"verdict score must be within [0, 1], got {self.score}")

    def to_json(self) -> dict:
        return {"answerable": self.answerable, "reason": self.reason,
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

    def to_json(self) -> dict:
        return {"marker": self.marker, "doc_id": self.doc_id, "start": self.start, "end": self.end,
                "text": self.text, "label": self.label}


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
        }
