"""The answerability score: a calibrated probability that the retrieved passages answer the
question, from a logistic model over general features of the evidence (no word lists):

- gate: whether the refusal gate (qa.evidence.gate) let the question through;
- best_sem / best_lex: the best candidate sentence's cosine to the question and its coverage
  of the question's terms; sem_margin: how far the best sentence stands above the fifth;
- missing: how many of the question's key terms (names, numbers) the evidence lacks;
- typed / type_found: whether the question asks for a typed answer (a person for "who", a
  number for "how many", a date for "when") and whether a cited sentence holds an entity of
  that type (qa.answer.short_answer);
- retrieval: the top passage's retrieval score;
- best_ce: the cross-encoder's logit for the best sentence it read (quote mode's second stage,
  qa.answer.sentence_rerank; 0 when it is off).

The weights ship in `qa/evidence/answerability.json`; `bench/train_answerability.py` refits them on the
dev halves of public benchmarks and prints held-out figures. The score goes into
`Answer.verdict.score` (JSON, UI, the evaluation report's reliability plot)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

FEATURES = ("gate", "best_sem", "best_lex", "sem_margin", "missing", "typed", "type_found", "retrieval",
            "best_ce")
DEFAULT_PATH = Path(__file__).with_name("answerability.json")


def evidence_features(evidence, ranked: Sequence, passages: Sequence, typed: bool, type_found: bool) -> dict:
    """The scorer's inputs from the gate's `Evidence`, the ranked candidate sentences (best
    first, with `.sem`) and the retrieved passages (best first, with `.score`)."""
    sems = sorted((float(x.sem) for x in ranked), reverse=True)
    margin = sems[0] - sems[min(4, len(sems) - 1)] if sems else 0.0
    return {
        "gate": float(bool(evidence.passed)),
        "best_sem": float(evidence.best_sem),
        "best_lex": float(evidence.best_lex),
        "sem_margin": float(margin),
        "missing": float(len(evidence.missing)),
        "typed": float(typed),
        "type_found": float(type_found),
        "retrieval": float(passages[0].score) if passages else 0.0,
        "best_ce": max((float(x.ce) for x in ranked if getattr(x, "ce", None) is not None), default=0.0),
    }


@dataclass(frozen=True)
class AnswerabilityModel:
    """Standardise, then logistic: p = 1 / (1 + exp(-(b + sum w_i (x_i - mean_i) / scale_i)))."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def __post_init__(self) -> None:
        n = len(self.features)
        for name in ("coef", "mean", "scale"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"answerability model: {name} has {len(getattr(self, name))} values for "
                                 f"{n} features")
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise ValueError(f"answerability model: unknown features {sorted(unknown)}; known: {FEATURES}")
        if any(s <= 0 for s in self.scale):
            raise ValueError("answerability model: every scale must be > 0")

    def score(self, x: dict) -> float:
        z = self.intercept + sum(w * (float(x.get(f, 0.0)) - m) / s
                                 for f, w, m, s in zip(self.features, self.coef, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_json(self) -> dict:
        return {"features": list(self.features), "coef": list(self.coef), "intercept": self.intercept,
                "mean": list(self.mean), "scale": list(self.scale)}

    @classmethod
    def from_json(cls, obj: dict) -> "AnswerabilityModel":
        try:
            return cls(tuple(obj["features"]), tuple(map(float, obj["coef"])), float(obj["intercept"]),
                       tuple(map(float, obj["mean"])), tuple(map(float, obj["scale"])))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"answerability model file is malformed ({exc!r}); retrain it with "
                             "bench/train_answerability.py") from None

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> "AnswerabilityModel | None":
        """The shipped model, or None when the file is absent (scores are then None)."""
        path = Path(path)
        if not path.exists():
            return None
        return cls.from_json(json.loads(path.read_text(encoding="utf-8"))["model"])


__all__ = ["AnswerabilityModel", "DEFAULT_PATH", "FEATURES", "evidence_features"]
