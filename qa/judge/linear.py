"""A logistic-regression model trained offline (bench/train_reading.py, scikit-learn) and
applied with numpy: {"features": [...], "mean": [...], "scale": [...], "coef": [...],
"intercept": x, "threshold": t, "trained_on": ...} in a JSON file shipped in the package."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class LinearModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float = 0.5

    def __post_init__(self) -> None:
        n = len(self.features)
        for name in ("mean", "scale", "coef"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"linear model: {name} has {len(getattr(self, name))} values for {n} features")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"linear model threshold must be within (0, 1), got {self.threshold}")

    @classmethod
    def load(cls, path: str | Path) -> "LinearModel":
        try:
            d = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(tuple(d["features"]), np.asarray(d["mean"], np.float64), np.asarray(d["scale"], np.float64),
                       np.asarray(d["coef"], np.float64), float(d["intercept"]), float(d.get("threshold", 0.5)))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"cannot read the model file {path}: {exc}; rebuild it with "
                             "`python bench/train_reading.py`") from None

    def to_json(self, **extra) -> dict:
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept, "threshold": self.threshold, **extra}

    def vector(self, values: dict[str, float]) -> np.ndarray:
        missing = [f for f in self.features if f not in values]
        if missing:
            raise ValueError(f"linear model: feature(s) {', '.join(missing)} not given")
        return np.array([values[f] for f in self.features], np.float64)

    def proba(self, rows: np.ndarray) -> np.ndarray:
        """P(positive) for each row (n x features)."""
        z = ((np.atleast_2d(rows) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
