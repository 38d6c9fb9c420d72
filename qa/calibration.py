"""Cosine thresholds belong to the model that makes the cosines.

The refusal gate's `strong_sem` and the claim checker's `min_cosine` compare a sentence
embedder's cosines with a fixed number, and each embedder has its own scale: bge-small's
cosines run higher than MiniLM's for the same pair of texts. The answerability score reads
them too. So each embedder the packages carry has its values and its answerability fit, made
on the dev halves of public benchmarks (docs/measurements.md); `calibrated(settings, model)`
fills in the model's value for every such setting not set explicitly (qa.toml, QA_* environment
or flags always win). A model with no entry (a local model directory) keeps the defaults.
"""

from __future__ import annotations

from pathlib import Path

from .evidence.answerability import DEFAULT_PATH
from .settings import Settings

# section -> threshold -> value, per embedder spec (aliases below). Where each was chosen:
# minilm: the values the thresholds were fitted with (gate: eval/gold.jsonl and the seed
# held-out set; verify: bench/claims.py). bge-small-int8 (issue 23, seventh and eighth rounds):
# the gate's by bench/gate_grid.py over the RealTime QA and MultiHop-RAG dev halves; verify's by
# bench/cosine_calibration.py (RGB dev: lets as many on-topic non-supporting passages through
# as MiniLM at 0.55 does; MiniLM's 0.55 would let 0.93 of them through instead of 0.37). No
# floor on bge's answerability fit: bench/train_answerability.py --thresholds found none that
# moved the held-out dev rows' accuracy, refusal or false refusal by more than one question.
CALIBRATION: dict[str, dict[str, dict[str, float]]] = {
    "minilm": {"gate": {"strong_sem": 0.55}, "verify": {"min_cosine": 0.55}},
    "bge-small-int8": {"gate": {"strong_sem": 0.60}, "verify": {"min_cosine": 0.71}},
}
# The answerability score's weights read the same cosines, so each model has its own fit
# (bench/train_answerability.py on that model's dev-half runs); absent: the MiniLM fit.
ANSWERABILITY = {"bge-small-int8": "answerability-bge-small-int8.json"}
ALIASES = {
    "all-MiniLM-L6-v2": "minilm", "sentence-transformers/all-MiniLM-L6-v2": "minilm",
    "minilm-onnx": "minilm", "minilm-onnx-int8": "minilm", "bge-small": "bge-small-int8",
}


def _canonical(model: str | None) -> str:
    return ALIASES.get(model or "", model or "")


def thresholds_for(model: str | None) -> dict[str, dict[str, float]]:
    """The calibrated thresholds of embedder `model` (a spec or an embedder's `name`); {} when
    it has none."""
    return CALIBRATION.get(_canonical(model), {})


def answerability_file(model: str | None) -> Path:
    """The answerability model fitted on `model`'s features (the MiniLM fit when it has none)."""
    name = ANSWERABILITY.get(_canonical(model))
    return DEFAULT_PATH.with_name(name) if name else DEFAULT_PATH


def calibrated(settings: Settings, model: str | None) -> Settings:
    """`settings` with each cosine threshold it does not set explicitly replaced by `model`'s."""
    update = {}
    for section, values in thresholds_for(model).items():
        current = getattr(settings, section)
        unset = {k: v for k, v in values.items() if k not in current.model_fields_set}
        if unset:
            # the filled-in values stay "not set explicitly", so calibrating twice is the same
            update[section] = type(current).model_construct(_fields_set=set(current.model_fields_set),
                                                            **{**current.model_dump(), **unset})
    return settings.model_copy(update=update) if update else settings


__all__ = ["ALIASES", "ANSWERABILITY", "CALIBRATION", "answerability_file", "calibrated", "thresholds_for"]
