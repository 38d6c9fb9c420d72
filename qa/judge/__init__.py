"""Answerability from a model: a logistic regression over general reading features."""

from .judge import AnswerabilityJudge, default_model_path
from .linear import LinearModel

__all__ = ["AnswerabilityJudge", "LinearModel", "default_model_path"]
