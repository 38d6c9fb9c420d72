"""SQuAD 2.0: loading with the paragraph split, official EM/F1 and the HasAns/NoAns split."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from evaluation.squad import load_squad, paragraph_doc_id, run_squad, score, split_of

from eval_fakes import FakeAssistant

REPO = Path(__file__).resolve().parents[2]
BENCH = Path(os.environ.get("QA_BENCH_DIR", REPO.parent / "shared" / "bench"))


def squad_file(tmp_path) -> Path:
    data = {"version": "v2.0", "data": [{"title": "Normans", "paragraphs": [
        {"context": "The Normans gave their name to Normandy, a region in France.",
         "qas": [{"id": "q1", "question": "To what region did the Normans give their name?",
                  "answers": [{"text": "Normandy", "answer_start": 28}], "is_impossible": False},
                 {"id": "q2", "question": "Who gave their name to Brittany?", "answers": [],
                  "is_impossible": True}]}]}]}
    p = tmp_path / "squad.json"
    p.write_text(json.dumps(data))
    return p


def test_load_all_paragraphs_as_documents(tmp_path):
    docs, qs = load_squad(squad_file(tmp_path), "all")
    assert [d.doc_id for d in docs] == ["Normans-000"] and docs[0].text.startswith("The Normans")
    assert [(q.id, q.is_impossible, q.answers) for q in qs] == [("q1", False, ("Normandy",)), ("q2", True, ())]
    part = split_of("Normans", 0)
    assert len(load_squad(squad_file(tmp_path), part)[1]) == 2
    assert paragraph_doc_id("Super_Bowl 50!", 3) == "Super_Bowl_50-003"
    with pytest.raises(ValueError, match="unknown SQuAD split"):
        load_squad(squad_file(tmp_path), "train")
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(ValueError, match="no 'data' list"):
        load_squad(bad)


def test_official_scoring_hand_computed(tmp_path):
    _, qs = load_squad(squad_file(tmp_path), "all")
    # q1: "the Normandy region" -> tokens [normandy, region]; F1 = 2*(1/2*1)/(1.5) = 2/3; EM 0
    # q2: abstained -> "" -> EM 1, F1 1
    out = score(qs, {"q1": "the Normandy region", "q2": ""})
    assert out["total"] == 2 and out["exact"] == pytest.approx(50.0)
    assert out["f1"] == pytest.approx(100 * (2 / 3 + 1) / 2)
    assert out["HasAns_exact"] == 0.0 and out["HasAns_f1"] == pytest.approx(200 / 3)
    assert out["NoAns_exact"] == 100.0 and out["NoAns_total"] == 1


def test_run_squad_on_fake_assistant_with_limit(tmp_path):
    _, qs = load_squad(squad_file(tmp_path), "all")
    fake = FakeAssistant({q.question: ("Normandy [1]", False, [], []) for q in qs})
    out = run_squad(fake, qs, "quote", limit=1, progress=False)
    assert out["total"] == 1 and out["exact"] == 100.0 and out["paragraph_hit"] == 0.0


@pytest.mark.skipif(not (BENCH / "squad-v2-cs224n-dev" / "dev-v2.0.json").is_file(), reason="bench data absent")
def test_dev_half_matches_the_published_split():
    path = BENCH / "squad-v2-cs224n-dev" / "dev-v2.0.json"
    docs, qs = load_squad(path, "dev")
    assert len(load_squad(path, "dev", corpus="all")[0]) == 646
    assert 0 < len(docs) < 646 and {q.doc_id for q in qs} <= {d.doc_id for d in docs}
    assert len(qs) == 3239 and sum(not q.is_impossible for q in qs) == 1574
