"""The answerability score: a logistic model over general evidence features, shipped as JSON."""

import json
from types import SimpleNamespace as NS

import pytest

from qa.evidence.answerability import DEFAULT_PATH, FEATURES, AnswerabilityModel, evidence_features
from qa.evidence.gate import Evidence
from qa.evidence.verdict import VerdictMaker
from qa.types import Verdict


def _model(coef=None):
    n = len(FEATURES)
    return AnswerabilityModel(FEATURES, tuple(coef or [1.0] + [0.0] * (n - 1)), 0.0, (0.5,) + (0.0,) * (n - 1),
                              (0.5,) + (1.0,) * (n - 1))


def test_score_is_a_probability_that_rises_with_its_feature():
    m = _model()
    low, high = m.score({"gate": 0.0}), m.score({"gate": 1.0})
    assert 0.0 < low < 0.5 < high < 1.0
    assert m.score({"gate": 1e9}) <= 1.0  # no overflow


def test_round_trip_and_malformed_files(tmp_path):
    m = _model()
    assert AnswerabilityModel.from_json(m.to_json()) == m
    with pytest.raises(ValueError, match="retrain"):
        AnswerabilityModel.from_json({"features": ["gate"]})
    with pytest.raises(ValueError, match="unknown features"):
        AnswerabilityModel(("colour",), (1.0,), 0.0, (0.0,), (1.0,))
    with pytest.raises(ValueError, match="2 values for 1"):
        AnswerabilityModel(("gate",), (1.0, 2.0), 0.0, (0.0,), (1.0,))
    assert AnswerabilityModel.load(tmp_path / "absent.json") is None


def test_the_shipped_model_loads_and_says_what_it_was_trained_on():
    data = json.loads(DEFAULT_PATH.read_text())
    model = AnswerabilityModel.load()
    assert model is not None and set(model.features) <= set(FEATURES)
    assert data["trained_on"] and data["heldout"]
    # a question the gate refuses, with no matching sentence, scores below one it lets through
    weak = {"gate": 0.0, "best_sem": 0.1, "best_lex": 0.0, "missing": 2.0}
    strong = {"gate": 1.0, "best_sem": 0.8, "best_lex": 0.9, "missing": 0.0, "type_found": 1.0, "typed": 1.0}
    assert model.score(weak) < model.score(strong)


def test_features_from_the_evidence():
    ev = NS(passed=True, best_sem=0.7, best_lex=0.5, missing=["x"])
    ranked = [NS(sem=s) for s in (0.7, 0.6, 0.5, 0.4, 0.2, 0.1)]
    f = evidence_features(ev, ranked, [NS(score=0.9)], typed=True, type_found=False)
    assert f == {"gate": 1.0, "best_sem": 0.7, "best_lex": 0.5, "sem_margin": pytest.approx(0.5), "missing": 1.0,
                 "typed": 1.0, "type_found": 0.0, "retrieval": 0.9, "best_ce": 0.0}


def test_verdict_carries_kind_reason_and_score_into_the_json():
    ev = Evidence(False, "missing_terms", "the articles never mention zorg", 0.1, 0.0, ["zorg"], ["zorg"])
    vm = VerdictMaker(model=_model(), finder=NS(find=lambda *a: None))
    verdict = vm.judge("Who is Zorg?", "person", ev, [], [])
    ans = vm.finish(vm.refusal("Who is Zorg?", [], "quote", verdict), verdict, "Who is Zorg?", "person")
    j = ans.to_json()["verdict"]
    assert list(j) == ["answerable", "kind", "reason", "score", "features"]
    assert (j["answerable"], j["kind"], j["reason"]) == (False, "off_topic", "no article about this")
    assert ans.abstained and 0.0 < j["score"] < 0.5 and j["features"]["missing"] == 1.0
    with pytest.raises(ValueError, match="within"):
        Verdict(True, "answered", "x", 1.5)
    with pytest.raises(ValueError, match="contradicts"):
        Verdict(True, "off_topic", "no article about this")
    with pytest.raises(ValueError, match="kind must be one of"):
        Verdict(False, "maybe", "x")


def test_min_score_refuses_what_the_gate_let_through_and_says_why():
    ev = Evidence(True, "", "supported", 0.3, 0.2, ["odesa"], [])
    q = "When did Odesa reopen?"
    low = VerdictMaker(model=_model(), finder=NS(find=lambda *a: None), min_score=0.99).judge(q, "date", ev, [], [])
    assert (low.answerable, low.kind) == (False, "not_stated") and low.score < 0.99
    assert low.reason == "the articles discuss Odesa but never say when"  # the score is in .score, not the words
    kept = VerdictMaker(model=_model(), finder=NS(find=lambda *a: None)).judge(q, "date", ev, [], [])
    assert kept.answerable and kept.kind == "answered"
    with pytest.raises(ValueError, match="min_score"):
        VerdictMaker(model=None, min_score=2.0)


def test_assistant_refuses_below_min_score(assistant_over):
    from corpus import Document
    from qa.assistant import Assistant

    doc = Document(doc_id="a1", title="Port", outlet="Wire", published="2024-03-01",
                   text="The port of Odesa reopened on Monday after a week of repairs. Ships left at dawn.")
    base = assistant_over([doc])
    q = "When did the port of Odesa reopen?"
    assert not base.ask(q).abstained
    strict = Assistant.from_settings(base.settings, base.index, verdicts=VerdictMaker(model=_model(), min_score=0.99))
    ans = strict.ask(q)
    assert ans.abstained and ans.verdict.kind == "not_stated" and ans.verdict.score < 0.99
    assert ans.verdict.reason == "the articles discuss Odesa but never say when"


def test_score_policy_decides_alone_and_explains_an_override():
    refused_by_gate = Evidence(False, "no_name", "no relevant sentence names the envoy", 0.9, 0.9, [], [], "envoy")
    vm = VerdictMaker(model=_model(), finder=NS(find=lambda *a: None), min_score=0.0, policy="score")
    v = vm.judge("q?", None, refused_by_gate, [], [])
    assert v.answerable and v.kind == "answered"  # the score overrules the gate's check
    with pytest.raises(ValueError, match="needs judge.min_score"):
        VerdictMaker(model=_model(), policy="score")
    with pytest.raises(ValueError, match="unknown verdict policy"):
        VerdictMaker(model=_model(), policy="vote")
    with pytest.raises(ValueError, match="needs an answerability model"):
        VerdictMaker(model=None, min_score=0.5, policy="score").judge("q?", None, refused_by_gate, [], [])


def test_judge_settings_reach_the_assistant(assistant_over):
    from corpus import Document
    from qa.assistant import Assistant
    from qa.settings import Settings

    doc = Document(doc_id="a1", title="Port", outlet="Wire", published="2024-03-01",
                   text="The port of Odesa reopened on Monday after a week of repairs. Ships left at dawn.")
    base = assistant_over([doc])
    strict = Assistant.from_settings(Settings(judge={"policy": "score", "min_score": 1.0}), base.index)
    ans = strict.ask("When did the port of Odesa reopen?")
    assert ans.abstained and ans.verdict.kind == "not_stated" and ans.verdict.score < 1.0
