"""`AnswerabilityJudge.judge(question, ranked) -> Verdict`: a calibrated logistic regression
(trained by bench/train_reading.py, shipped as qa/judge/answerable.json) over the features of
`qa.judge.features`. It replaces the hand-written refusal rules."""

from __future__ import annotations

from pathlib import Path

from ..types import Verdict
from .features import features
from .linear import LinearModel


def default_model_path() -> Path:
    return Path(__file__).with_name("answerable.json")


class AnswerabilityJudge:
    def __init__(self, model: LinearModel, threshold: float | None = None):
        if threshold is not None and not 0.0 < threshold < 1.0:
            raise ValueError(f"judge threshold must be within (0, 1), got {threshold}")
        self.model = model
        self.threshold = model.threshold if threshold is None else threshold

    @classmethod
    def load(cls, path: str | Path | None = None, threshold: float | None = None) -> "AnswerabilityJudge":
        return cls(LinearModel.load(path or default_model_path()), threshold)

    def judge(self, question: str, ranked: list) -> Verdict:
        if not ranked:
            return Verdict(False, 0.0, "nothing was retrieved")
        f = features(question, ranked)
        p = float(self.model.proba(self.model.vector(f))[0])
        if p >= self.threshold:
            return Verdict(True, p, f"the best sentence answers it (p={p:.2f})")
        why = ("no retrieved sentence gives the kind of answer asked for" if f["typed"] and not f["type_hit3"]
               else "no retrieved sentence reads as an answer to it")
        return Verdict(False, p, f"{why} (p={p:.2f}, below {self.threshold:.2f})")
