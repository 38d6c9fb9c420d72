"""Settings.load: defaults < qa.toml < QA_* environment < overrides; clear errors."""

from __future__ import annotations

import pytest

from qa.settings import Settings


@pytest.fixture(autouse=True)
def _no_repo_toml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a qa.toml in the working directory would be picked up


def write_toml(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults():
    s = Settings.load(env={})
    assert s == Settings()
    assert s.data_dir == ".qa-data" and s.retrieval.mode == "hybrid" and s.index.embed_model == "minilm"


def test_precedence_defaults_toml_env_overrides(tmp_path):
    cfg = write_toml(tmp_path / "c.toml", """
data_dir = "from-toml"
collection = "toml-coll"
answer_mode = "llm"
[retrieval]
k = 7
dense_weight = 2
[index]
embed_model = "toml-model"
""")
    s = Settings.load(cfg, env={})
    assert (s.data_dir, s.collection, s.retrieval.k, s.retrieval.dense_weight) == ("from-toml", "toml-coll", 7, 2.0)
    assert isinstance(s.retrieval.dense_weight, float)
    env = {"QA_DATA_DIR": "from-env", "QA_EMBED_MODEL": "env-model", "QA_MODE": ""}
    s = Settings.load(cfg, env=env)
    assert (s.data_dir, s.index.embed_model, s.answer_mode) == ("from-env", "env-model", "llm")  # empty env ignored
    assert s.collection == "toml-coll" and s.retrieval.k == 7
    s = Settings.load(cfg, env=env, data_dir="from-flag", chroma_url=None, retrieval__k=3)
    assert s.data_dir == "from-flag" and s.retrieval.k == 3
    assert s.index.embed_model == "env-model"  # an override of None leaves the lower layer


def test_config_from_env_and_from_working_directory(tmp_path):
    write_toml(tmp_path / "other.toml", 'collection = "via-env"\n')
    assert Settings.load(env={"QA_CONFIG": str(tmp_path / "other.toml")}).collection == "via-env"
    write_toml(tmp_path / "qa.toml", 'collection = "cwd"\n')
    assert Settings.load(env={}).collection == "cwd"


def test_env_strings_are_coerced(tmp_path):
    cfg = write_toml(tmp_path / "c.toml", '[retrieval]\nk = "9"\ndense_weight = "0.5"\n')
    s = Settings.load(cfg, env={})
    assert s.retrieval.k == 9 and s.retrieval.dense_weight == 0.5


@pytest.mark.parametrize(
    "toml, bad",
    [
        ("[retrieval]\nk = 2.5\n", "retrieval.k"),
        ("[retrieval]\nk = true\n", "retrieval.k"),
        ('[retrieval]\nk = "many"\n', "retrieval.k"),
        ('[retrieval]\ndense_weight = "heavy"\n', "retrieval.dense_weight"),
        ("collection = 5\n", "collection"),
        ("chroma_url = 8000\n", "chroma_url"),
    ],
)
def test_bad_types_name_the_setting_and_value(tmp_path, toml, bad):
    cfg = write_toml(tmp_path / "c.toml", toml)
    with pytest.raises(ValueError) as err:
        Settings.load(cfg, env={})
    assert bad in str(err.value) and "not a valid" in str(err.value)


@pytest.mark.parametrize(
    "toml, bad",
    [
        ("colour = 1\n", "colour"),
        ("[retrieval]\nkk = 1\n", "retrieval.kk"),
        ("[nosuch]\nx = 1\n", "nosuch.x"),
        ("retrieval = 5\n", "retrieval"),
        ("[index.chunk_sentences]\nfoo = 1\n", "index.chunk_sentences.foo"),
    ],
)
def test_unknown_settings_are_errors(tmp_path, toml, bad):
    cfg = write_toml(tmp_path / "c.toml", toml)
    with pytest.raises(ValueError, match="unknown setting") as err:
        Settings.load(cfg, env={})
    assert bad in str(err.value)


def test_unknown_override_is_an_error():
    with pytest.raises(ValueError, match="retrieval.nope"):
        Settings.load(env={}, retrieval__nope=1)


def test_unreadable_config(tmp_path):
    with pytest.raises(ValueError, match="cannot read config file"):
        Settings.load(tmp_path / "missing.toml", env={})
    cfg = write_toml(tmp_path / "broken.toml", "k = [unclosed\n")
    with pytest.raises(ValueError, match="broken.toml"):
        Settings.load(cfg, env={})


def test_to_json_round_trips_the_tree():
    data = Settings.load(env={}, retrieval__k=4).to_json()
    assert data["retrieval"]["k"] == 4 and data["index"]["embed_model"] == "minilm"
