"""The verdict an answer carries: the refusal gate's decision and reason, the calibrated
answerability score (qa.answerability), and the short answer span (qa.short_answer).

With `min_score` set, a question the gate lets through is still refused when its
answerability score is below it (the verdict's reason says so); None leaves the decision to
the gate alone."""

from __future__ import annotations

from typing import Sequence

from .answerability import AnswerabilityModel, evidence_features
from .citing import make_citation
from .short_answer import LABEL_FIRST, ShortAnswerFinder
from .types import Answer, Verdict

_UNSET = object()


class VerdictMaker:
    """`model`: the answerability model (default: the shipped one, loaded on first use; None: no
    score); `finder`: the short-answer finder (default spaCy NER); `min_score`: see above."""

    def __init__(self, model: AnswerabilityModel | None | object = _UNSET, finder: ShortAnswerFinder | None = None,
                 min_score: float | None = None):
        if min_score is not None and not 0.0 <= min_score <= 1.0:
            raise ValueError(f"min_score must be within [0, 1] (or None), got {min_score}")
        self._model = model
        self.finder = finder or ShortAnswerFinder()
        self.min_score = min_score

    @property
    def model(self) -> AnswerabilityModel | None:
        if self._model is _UNSET:
            self._model = AnswerabilityModel.load()
        return self._model  # type: ignore[return-value]

    def judge(self, question: str, answer_type: str | None, evidence, ranked: Sequence,
              passages: Sequence) -> Verdict:
        """The verdict before answering, from the gate's `evidence` and the ranked sentences."""
        typed = answer_type in LABEL_FIRST
        top = [make_citation(i + 1, s, (s.start, s.end, s.text)) for i, s in enumerate(ranked[:2])]
        type_found = typed and self.finder.find(question, answer_type, top) is not None
        feats = evidence_features(evidence, ranked, passages, typed, type_found)
        model = self.model
        score = model.score(feats) if model is not None else None
        answerable, reason = bool(evidence.answerable), evidence.reason or ""
        if answerable and self.min_score is not None and score is not None and score < self.min_score:
            answerable, reason = False, f"answerability score {score:.2f} is below {self.min_score:.2f}"
        return Verdict(answerable, reason, score, feats)

    def finish(self, ans: Answer, verdict: Verdict, question: str, answer_type: str | None) -> Answer:
        """Attach the verdict and, to an answer with citations, its short answer span."""
        ans.verdict = verdict
        if not ans.abstained and ans.citations:
            ans.answer_span = self.finder.find(question, answer_type, ans.citations)
        return ans


__all__ = ["VerdictMaker"]
