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

from bench.sentence_choice import FEATURES, fused, main, sentence_features  # noqa: E402


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
    cells = row.strip("|").split("|")[1:]
    assert cells[5].strip() == "-"  # one set: no other set to fit on
    n, bound, first, cross, learned, rrf = (float(x) for i, x in enumerate(cells) if i != 5)
    assert (n, bound) == (40, 1.0)
    assert learned >= 0.8 and cross < 0.4 and first < 0.4
    assert rrf < 0.5  # both stages it fuses miss the signal


def test_rank_fusion_prefers_what_both_stages_rank_high():
    """First-stage order a, b, c, d; the cross-encoder ranks d, b, c, a: b, second in both,
    beats a and d, each first in one and last in the other; with two sentences in opposite
    orders the tie goes to the first stage's order."""
    rows = [{"ce": 0.0}, {"ce": 2.0}, {"ce": 1.0}, {"ce": 3.0}]
    scores = fused(rows)
    assert int(scores.argmax()) == 1
    assert scores[1] == pytest.approx(2 / 61) and scores[0] == pytest.approx(1 / 60 + 1 / 63)
    assert int(fused([{"ce": 0.0}, {"ce": 5.0}]).argmax()) == 0


def test_the_model_fitted_on_the_other_sets_is_scored_on_each_set(tmp_path, capsys):
    """Two sets whose answers follow `sem` in both: fitted on one, the model still finds them
    in the other."""
    rng = random.Random(1)
    lines = []
    for name in ("a", "b"):
        for q in range(30):
            sems = [rng.random() for _ in range(6)]
            best = max(range(6), key=sems.__getitem__)
            head = [_sentence(1.0 - i * 0.05, s, i) for i, s in enumerate(sems)]
            rows = sentence_features(head, [rng.gauss(0, 1) for _ in range(6)])
            lines.append({"set": name, "id": f"{name}{q}", "rows": rows, "labels": [int(i == best) for i in range(6)]})
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    assert main(["--fit", "--rows", str(path)]) == 0
    out = capsys.readouterr().out
    for name in ("a", "b", "all"):
        cells = next(line for line in out.splitlines() if line.startswith(f"| {name} |")).strip("|").split("|")
        assert float(cells[6]) >= 0.8, (name, cells)
