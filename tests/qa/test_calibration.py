"""Cosine thresholds follow the embedder that makes the cosines, unless set explicitly."""

from __future__ import annotations

from fakes import FakeEmbedder

from qa.calibration import CALIBRATION, calibrated, thresholds_for
from qa.settings import Settings


def test_each_model_gets_its_own_thresholds():
    mini, bge = calibrated(Settings(), "minilm"), calibrated(Settings(), "bge-small-int8")
    assert mini.gate.strong_sem == CALIBRATION["minilm"]["gate"]["strong_sem"]
    assert bge.gate.strong_sem == CALIBRATION["bge-small-int8"]["gate"]["strong_sem"]
    assert bge.verify.min_cosine == CALIBRATION["bge-small-int8"]["verify"]["min_cosine"]
    assert mini.gate.strong_sem != bge.gate.strong_sem
    # aliases name the same model; the other gate settings are untouched
    assert calibrated(Settings(), "bge-small").gate == bge.gate
    assert calibrated(Settings(), "all-MiniLM-L6-v2").gate == mini.gate
    assert bge.gate.min_lex == Settings().gate.min_lex


def test_explicit_values_win_from_every_layer(tmp_path):
    assert calibrated(Settings(gate={"strong_sem": 0.5}), "bge-small-int8").gate.strong_sem == 0.5
    env = Settings.load(env={"QA_VERIFY__MIN_COSINE": "0.71"})
    assert calibrated(env, "bge-small-int8").verify.min_cosine == 0.71
    toml = tmp_path / "qa.toml"
    toml.write_text("[gate]\nstrong_sem = 0.42\n")
    from_file = calibrated(Settings.load(config=toml, env={}), "bge-small-int8")
    assert from_file.gate.strong_sem == 0.42
    assert from_file.verify.min_cosine == CALIBRATION["bge-small-int8"]["verify"]["min_cosine"]


def test_calibration_is_idempotent_and_reversible():
    twice = calibrated(calibrated(Settings(), "bge-small-int8"), "bge-small-int8")
    assert twice == calibrated(Settings(), "bge-small-int8")
    back = calibrated(twice, "minilm")  # filled-in values are not "set": another model replaces them
    assert back.gate.strong_sem == CALIBRATION["minilm"]["gate"]["strong_sem"]


def test_an_unknown_model_keeps_the_settings():
    s = Settings()
    assert thresholds_for("/some/local/model") == {} and thresholds_for(None) == {}
    assert calibrated(s, "/some/local/model") is s


class _NamedEmbedder(FakeEmbedder):
    name = "bge-small-int8"


def test_the_assistant_uses_its_index_models_thresholds(make_index):
    from qa.assistant import Assistant

    bge = Assistant.from_settings(Settings(), make_index(embedder=_NamedEmbedder()))
    assert bge.gate.settings.strong_sem == CALIBRATION["bge-small-int8"]["gate"]["strong_sem"]
    assert bge.settings.verify.min_cosine == CALIBRATION["bge-small-int8"]["verify"]["min_cosine"]
    fake = Assistant.from_settings(Settings(), make_index())  # "fake" has no entry: the defaults
    assert fake.gate.settings.strong_sem == Settings().gate.strong_sem
    pinned = Assistant.from_settings(Settings(gate={"strong_sem": 0.3}), make_index(embedder=_NamedEmbedder()))
    assert pinned.gate.settings.strong_sem == 0.3


def test_each_model_has_its_answerability_fit(make_index):
    from qa.assistant import Assistant
    from qa.calibration import answerability_file
    from qa.evidence.answerability import DEFAULT_PATH, AnswerabilityModel

    bge_file = answerability_file("bge-small")
    assert bge_file != DEFAULT_PATH and bge_file.is_file() and answerability_file("minilm") == DEFAULT_PATH
    assert answerability_file("/some/local/model") == DEFAULT_PATH
    bge = Assistant.from_settings(Settings(), make_index(embedder=_NamedEmbedder()))
    assert bge.verdicts.model == AnswerabilityModel.load(bge_file) != AnswerabilityModel.load(DEFAULT_PATH)
    assert Assistant.from_settings(Settings(), make_index()).verdicts.model == AnswerabilityModel.load(DEFAULT_PATH)


def test_overrides_keep_what_was_left_to_the_defaults_unset():
    """The suite and the ablations derive settings with with_overrides: a threshold left to the
    defaults must still be filled in per model afterwards, and a set one must stay set."""
    s = Settings.load(env={"QA_GATE__MIN_LEX": "0.3"}, retrieval__k=5)
    o = s.with_overrides({"data_dir": "/tmp/x", "retrieval.k": "7"})
    assert (o.retrieval.k, o.gate.min_lex, o.data_dir) == (7, 0.3, "/tmp/x")
    assert calibrated(o, "bge-small-int8").gate.strong_sem == CALIBRATION["bge-small-int8"]["gate"]["strong_sem"]
    pinned = Settings(gate={"strong_sem": 0.5}).with_overrides({"retrieval.k": "3"})
    assert calibrated(pinned, "bge-small-int8").gate.strong_sem == 0.5
