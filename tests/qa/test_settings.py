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
    assert s.data_dir == ".qa-data" and s.retrieval.mode == "articles" and s.index.embed_model == "bge-small-int8"


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
    assert data["retrieval"]["k"] == 4 and data["index"]["embed_model"] == "bge-small-int8"


def test_thresholds_precedence_file_env_flag(tmp_path):
    """A gate threshold from each layer: the flag beats the environment beats the file."""
    cfg = write_toml(tmp_path / "c.toml", "[gate]\nmin_sem = 0.1\nmin_lex = 0.2\n[scoring]\nrel = 0.5\n")
    s = Settings.load(cfg, env={})
    assert (s.gate.min_sem, s.gate.min_lex, s.scoring.rel) == (0.1, 0.2, 0.5)
    env = {"QA_GATE__MIN_SEM": "0.3", "QA_VERIFY__MIN_COSINE": "0.7"}
    s = Settings.load(cfg, env=env)
    assert (s.gate.min_sem, s.gate.min_lex, s.verify.min_cosine) == (0.3, 0.2, 0.7)
    s = Settings.load(cfg, env=env, gate__min_sem=0.4)
    assert (s.gate.min_sem, s.gate.min_lex, s.scoring.rel) == (0.4, 0.2, 0.5)


def test_old_environment_names_still_work():
    env = {"QA_MODE": "llm", "QA_EMBED_MODEL": "mpnet", "QA_LLM_SERVER_URL": "http://127.0.0.1:1/v1",
           "QA_INGEST_BATCH_CHUNKS": "64", "QA_COLLECTION": "c", "QA_SERVER": "not a setting"}
    s = Settings.load(env=env)
    assert (s.answer_mode, s.index.embed_model, s.llm.server_url, s.index.batch_chunks, s.collection) == (
        "llm", "mpnet", "http://127.0.0.1:1/v1", 64, "c")
    # the nested name wins over the old flat one
    assert Settings.load(env={**env, "QA_ANSWER_MODE": "quote"}).answer_mode == "quote"


@pytest.mark.parametrize("env, key", [
    ({"QA_GATE__MIN_SEM": "high"}, "gate.min_sem"),
    ({"QA_GATE__MIN_SEM": "3"}, "gate.min_sem"),  # outside [-1, 1]
    ({"QA_SCORING__MAX_SENTENCES": "0"}, "scoring.max_sentences"),
    ({"QA_LLM_MODEL_PATH": "x", "QA_LLM__N_CTX": "big"}, "llm.n_ctx"),
])
def test_bad_environment_value_names_the_key(env, key):
    with pytest.raises(ValueError) as err:
        Settings.load(env=env)
    assert key in str(err.value) and "QA_*" in str(err.value)


def test_bad_flag_value_names_the_key():
    with pytest.raises(ValueError, match="verify.min_overlap"):
        Settings.load(env={}, verify__min_overlap=1.5)


def test_settings_constructor_ignores_environment(monkeypatch):
    """Settings(...) is the defaults plus what is passed; only load() reads files and env."""
    monkeypatch.setenv("QA_DATA_DIR", "from-env")
    assert Settings().data_dir == ".qa-data"
    assert Settings.load().data_dir == "from-env"


def test_with_overrides_validates_and_copies():
    base = Settings()
    s = base.with_overrides({"gate.min_sem": "0.3", "retrieval.k": 5})
    assert (s.gate.min_sem, s.retrieval.k, base.gate.min_sem) == (0.3, 5, 0.25)
    assert s.gate.min_lex == base.gate.min_lex  # the rest of the section is kept
    with pytest.raises(ValueError, match="gate.nope"):
        base.with_overrides({"gate.nope": 1})


def test_thresholds_reach_the_components(make_index):
    """The gate, scorer, quote selection and claim checker get their sections from Settings."""
    from qa.assistant import Assistant
    from qa.llm.answerer import LLMAnswerer

    s = Settings.load(env={}, gate__min_sem=0.31, gate__top_for_count=4, scoring__sem=0.5,
                      scoring__max_sentences=2, verify__min_cosine=0.66,
                      llm__server_url="http://127.0.0.1:9/v1")  # built, never called
    a = Assistant.from_settings(s, make_index())
    assert a.gate.settings.min_sem == 0.31 and a.gate.settings.top_for_count == 4
    assert a.scorer.weights.sem == 0.5 and a.quote.settings.max_sentences == 2
    llm = LLMAnswerer.from_settings(s, embedder=a.scorer.cache, judge=None)
    assert llm.checker.config.min_cosine == 0.66
