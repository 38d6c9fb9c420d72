"""bench/gate_grid.py: raising the gate's cosine thresholds, simulated from a suite report's
verdict features, refuses exactly the answered questions whose new far check fails."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.gate_grid import figures, main, simulate  # noqa: E402


def _rec(answerable, abstained, sem, lex, accuracy=None, refusal=None):
    return {"answerable": answerable, "abstained": abstained, "features": {"best_sem": sem, "best_lex": lex},
            "metrics": {"accuracy": accuracy, "refusal": refusal}}


def test_a_higher_strong_cosine_refuses_only_answered_questions_with_low_coverage():
    weak = _rec(True, False, 0.58, 0.2, accuracy=1.0)  # below the new strong cosine, low coverage
    covered = _rec(True, False, 0.58, 0.5, accuracy=1.0)  # coverage clears the far check
    refused = _rec(True, True, 0.9, 0.9)
    assert simulate(weak, 0.25, 0.55, 0.34) == (False, 1.0, 0.0)
    assert simulate(weak, 0.25, 0.60, 0.34) == (True, 0.0, 1.0)
    assert simulate(covered, 0.25, 0.60, 0.34) == (False, 1.0, 0.0)
    assert simulate(refused, 0.25, 0.55, 0.34)[0] is True  # a refusal stays a refusal
    nota = _rec(False, False, 0.9, 0.9, refusal=1.0)  # "none of the above" chosen: a refusal already
    assert simulate(nota, 0.25, 0.60, 0.34) == (False, 0.0, 1.0)
    got = figures([weak, covered, refused, nota, _rec(False, False, 0.56, 0.1, refusal=0.0)], 0.25, 0.60, 0.34)
    assert got == {"accuracy": pytest.approx(1 / 3), "refusal": 1.0, "false_refusal": pytest.approx(2 / 3)}


def test_the_script_prints_the_objective_and_skips_thresholds_below_the_run(tmp_path, capsys):
    recs = [_rec(True, False, 0.58, 0.2, accuracy=1.0), _rec(False, False, 0.58, 0.2, refusal=0.0)]
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"suite": {"benchmarks": {"realtimeqa": {"cfg": {"records": recs}}}}}))
    assert main(["--report", str(report), "--config", "cfg", "--strong", "0.5,0.55,0.6"]) == 0
    out, err = capsys.readouterr()
    assert "below the run's own thresholds" in err and "0.50" not in out
    assert "strong_sem 0.55  realtimeqa 1.000 / 0.000 / 0.000  objective 0.6667" in out
    assert "strong_sem 0.60  realtimeqa 0.000 / 1.000 / 1.000  objective 0.3333" in out
    with pytest.raises(SystemExit, match="no configuration 'other'"):
        main(["--report", str(report), "--config", "other"])
