"""The verdict an answer carries: the refusal gate's decision and reason, the calibrated
answerability score (qa.answerability), and the short answer span (qa.short_answer)."""

from __future__ import annotations

from typing import Sequence

from .answerability import AnswerabilityModel, evidence_features
from .citing import make_citation
from .short_answer import LABEL_FIRST, ShortAnswerFinder
from .types import Answer, Verdict

_UNSET = object()


class VerdictMaker:
    """`model`: the answerability model (default: the shipped one, loaded on first use; None: no
    score); `finder`: the short-answer finder (default spaCy NER)."""

    def __init__(self, model: AnswerabilityModel | None | object = _UNSET, finder: ShortAnswerFinder | None = None):
        self._model = model
        self.finder = finder or ShortAnswerFinder()

    @property
    def model(self) -> AnswerabilityModel | None:
        if self._model is _UNSET:
            self._model = AnswerabilityModel.load()
        return self._model  # type: ignore[return-value]

    def apply(self, ans: Answer, question: str, answer_type: str | None, evidence, ranked: Sequence,
              passages: Sequence) -> Answer:
        """Set `ans.verdict` and, for an answer with citations, `ans.answer_span`."""
        typed = answer_type in LABEL_FIRST
        top = [make_citation(i + 1, s, (s.start, s.end, s.text)) for i, s in enumerate(ranked[:2])]
        type_found = typed and self.finder.find(question, answer_type, top) is not None
        feats = evidence_features(evidence, ranked, passages, typed, type_found)
        model = self.model
        score = model.score(feats) if model is not None else None
        ans.verdict = Verdict(bool(evidence.answerable), evidence.reason or "", score, feats)
        if not ans.abstained and ans.citations:
            ans.answer_span = self.finder.find(question, answer_type, ans.citations)
        return ans


__all__ = ["VerdictMaker"]
