"""bench/sentence_choice.py: the features are those of the sentences the second stage reads, and
the grouped cross-validation scores the first stage, the cross-encoder and the learned choice
on the same questions."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.sentence_choice import FEATURES, main, sentence_features  # noqa: E402


def _sentence(score, sem, rank):
    return SimpleNamespace(score=score, sem=sem, lex=0.5, cue=0.0, rank=rank)


def test_features_are_relative_to_the_group_best():
    head = [_sentence(0.8, 0.7, 0), _sentence(0.4, 0.6, 3)]
    rows = sentence_features(head, [1.0, 3.0])
    assert set(rows[0]) == set(FEATURES)
    assert rows[0]["ce_gap"] == -2.0 and rows[1]["ce_gap"] == 0.0
    assert rows[1]["score_rel"] == pytest.approx(0.5) and rows[1]["prior"] == pytest.approx(0.25)
    assert rows[0]["position"] == 1.0 and rows[1]["position"] == 0.5


def test_the_fit_learns_the_signal_the_cross_encoder_lacks(tmp_path, capsys):
    """Labels follow `sem`; the cross-encoder's logit is noise: the learned choice finds the
    answer in most questions (held out by question), the cross-encoder and the first stage
    (place) in few."""
    rng = random.Random(0)
    lines = []
    for q in range(40):
        sems = [rng.random() for _ in range(8)]
        best = max(range(8), key=sems.__getitem__)
        head = [_sentence(1.0 - i * 0.05, s, i) for i, s in enumerate(sems)]
        rows = sentence_features(head, [rng.gauss(0, 1) for _ in range(8)])
        lines.append({"set": "synthetic", "id": f"q{q}", "rows": rows, "labels": [int(i == best) for i in range(8)]})
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    assert main(["--fit", "--rows", str(path)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| synthetic |"))
    n, bound, first, cross, learned = (float(x) for x in row.strip("|").split("|")[1:])
    assert (n, bound) == (40, 1.0)
    assert learned >= 0.8 and cross < 0.4 and first < 0.4
