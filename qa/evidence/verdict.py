"""The verdict an answer carries: the refusal gate's decision and reason, the calibrated
answerability score (qa.evidence.answerability), and the short answer span (qa.answer.short_answer).

Who decides (`policy`):
- "gate" (default): the refusal gate; with `min_score` set, a question the gate lets through is
  still refused when its score is below it.
- "reader": the extractive reader (qa.evidence.reader, trained on SQuAD 2.0): answer when its best span
  beats its no-answer score by more than its fitted threshold (qa.evidence.reading.Reading.answers).
- "score": the learned score alone (the gate's decision is one of its features): answer when
  score >= `min_score`. With min_score 0 nothing is refused, which is how the evaluation gets
  the answer to every question and can then choose a threshold offline.
The verdict's reason says which rule refused."""

from __future__ import annotations

from typing import Sequence

from .answerability import AnswerabilityModel, evidence_features
from ..answer.citing import make_citation
from .reading import Reading
from ..answer.short_answer import LABEL_FIRST, ShortAnswerFinder
from ..types import Answer, AnswerSpan, Verdict

_UNSET = object()
POLICIES = ("gate", "score", "reader")


class VerdictMaker:
    """`model`: the answerability model (default: the shipped one, loaded on first use; None: no
    score); `finder`: the short-answer finder (default spaCy NER); `min_score`: see above."""

    def __init__(self, model: AnswerabilityModel | None | object = _UNSET, finder: ShortAnswerFinder | None = None,
                 min_score: float | None = None, policy: str = "gate"):
        if min_score is not None and not 0.0 <= min_score <= 1.0:
            raise ValueError(f"min_score must be within [0, 1] (or None), got {min_score}")
        if policy not in POLICIES:
            raise ValueError(f"unknown verdict policy {policy!r}; choose one of {', '.join(POLICIES)}")
        if policy == "score" and min_score is None:
            raise ValueError("judge policy 'score' needs judge.min_score (the score at or above which to answer)")
        self._model = model
        self.finder = finder or ShortAnswerFinder()
        self.min_score = min_score
        self.policy = policy

    @property
    def model(self) -> AnswerabilityModel | None:
        if self._model is _UNSET:
            self._model = AnswerabilityModel.load()
        return self._model  # type: ignore[return-value]

    def judge(self, question: str, answer_type: str | None, evidence, ranked: Sequence,
              passages: Sequence, reading: Reading | None = None) -> Verdict:
        """The verdict before answering, from the gate's `evidence` and the ranked sentences
        (and, under policy "reader", the reader's `reading`)."""
        typed = answer_type in LABEL_FIRST
        top = [make_citation(i + 1, s, (s.start, s.end, s.text)) for i, s in enumerate(ranked[:2])]
        type_found = typed and self.finder.find(question, answer_type, top) is not None
        feats = evidence_features(evidence, ranked, passages, typed, type_found)
        if reading is not None:
            feats["reader_margin"] = reading.margin  # reported; the answerability model ignores it
        model = self.model
        score = model.score(feats) if model is not None else None
        if self.policy == "reader":
            return self._read_verdict(reading, feats, score)
        gate_ok, reason = bool(evidence.answerable), evidence.reason or ""
        if self.policy == "score" and score is None:
            raise ValueError("policy 'score' needs an answerability model; none is installed "
                             "(qa/evidence/answerability.json); retrain it with bench/train_answerability.py")
        floor_ok = score is None or self.min_score is None or score >= self.min_score
        answerable = floor_ok if self.policy == "score" else gate_ok and floor_ok
        if not floor_ok:
            reason = f"answerability score {score:.2f} is below {self.min_score:.2f}" + (
                f"; the gate said: {evidence.reason}" if not gate_ok else "")
        elif answerable and not gate_ok:
            reason = f"answerability score {score:.2f} >= {self.min_score:.2f}, over the gate's objection: {reason}"
        return Verdict(answerable, reason, score, feats)

    @staticmethod
    def _read_verdict(reading: Reading | None, feats: dict[str, float], score: float | None) -> Verdict:
        if reading is None:
            return Verdict(False, "the reader found no passage to read", score, feats)
        if reading.answers:
            return Verdict(True, f"the reader found an answer (margin {reading.margin:.2f} > {reading.threshold:.2f})",
                           score, feats)
        return Verdict(False, f"the reader finds no answer in the passages (margin {reading.margin:.2f} "
                              f"<= {reading.threshold:.2f})", score, feats)

    def finish(self, ans: Answer, verdict: Verdict, question: str, answer_type: str | None,
               reading: Reading | None = None) -> Answer:
        """Attach the verdict and, to an answer with citations, its short answer span: the
        reader's span when a cited sentence holds it, else the NER finder's."""
        ans.verdict = verdict
        if not ans.abstained and ans.citations:
            ans.answer_span = reader_span(ans.citations, reading) or self.finder.find(question, answer_type,
                                                                                      ans.citations)
        return ans


def reader_span(citations: Sequence, reading: Reading | None) -> AnswerSpan | None:
    if reading is None:
        return None
    for c in citations:
        if c.doc_id == reading.doc_id and c.start <= reading.start and reading.end <= c.end:
            return AnswerSpan(c.marker, c.doc_id, reading.start, reading.end, reading.text, "READER")
    return None


__all__ = ["VerdictMaker"]
