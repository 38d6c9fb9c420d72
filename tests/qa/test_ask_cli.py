"""`qa ask` (single, --json, --batch, interactive) and `qa chat` over a fake-embedder index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import qa.components
from qa.cli.main import cli


@pytest.fixture
def run(tmp_path, monkeypatch, fake_embedder, corpus_copy):
    import qa.cli.ask  # noqa: F401  (registers `ask` and `chat`)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(qa.components, "get_embedder", lambda spec, threads=None: fake_embedder)
    data = str(tmp_path / "data")

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, ["--data-dir", data, *args], input=input, catch_exceptions=False)

    assert invoke("ingest", str(corpus_copy)).exit_code == 0
    invoke.corpus = corpus_copy
    return invoke


def _texts(corpus: Path) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in corpus.glob("*.txt")}


def test_ask_json_contract(run):
    res = run("ask", "Who accompanied Marzouq at the meetings?", "--json", "-k", "4")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    for key in ("question", "answer", "abstained", "mode", "citations", "passages", "conflicts", "latency_s"):
        assert key in out
    assert out["mode"] == "quote" and len(out["passages"]) <= 4
    texts = _texts(run.corpus)
    for c in out["citations"]:
        assert set(c) >= {"marker", "doc_id", "title", "outlet", "published", "start", "end", "text"}
        assert texts[c["doc_id"]][c["start"]:c["end"]] == c["text"]


def test_batch_prints_one_object_per_line_with_ids(run, tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "a", "question": "Who accompanied Marzouq at the meetings?"}\n\n'
                 '{"id": 7, "question": "What did the Chinese president say?"}\n', encoding="utf-8")
    res = run("ask", "--batch", str(f), "--json")
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert [x["id"] for x in lines] == ["a", 7]
    assert lines[1]["abstained"] is True


def test_bad_batch_line_and_empty_question_fail_clearly(run, tmp_path):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"question": "no id"}\n', encoding="utf-8")
    res = run("ask", "--batch", str(f), "--json")
    assert res.exit_code != 0 and "needs 'id'" in res.output
    f.write_text("not json\n", encoding="utf-8")
    res = run("ask", "--batch", str(f))
    assert res.exit_code != 0 and "not JSON" in res.output
    res = run("ask", "  ")
    assert res.exit_code != 0 and "empty" in res.output


def test_readable_answer_lists_numbered_sources(run):
    res = run("ask", "Who accompanied Marzouq at the meetings?")
    assert res.exit_code == 0, res.output
    assert "Sources:" in res.stdout and "[1]" in res.stdout


def test_interactive_ask_and_chat_follow_up(run):
    res = run("ask", input="Who accompanied Marzouq at the meetings?\n\n")
    assert res.exit_code == 0 and "[1]" in res.stdout
    res = run("chat", "--json", input="Who led the Hamas delegation to Moscow?\nand who accompanied him?\n\n")
    assert res.exit_code == 0, res.output
    objs = [json.loads(x[x.index("{"):]) for x in res.stdout.splitlines() if "{" in x]
    assert len(objs) == 2 and objs[1]["standalone_question"]


def test_global_options_after_the_subcommand(run, tmp_path):
    data = str(tmp_path / "data")  # the fixture's index
    q = "Who accompanied Marzouq at the meetings?"
    res = CliRunner().invoke(cli, ["ask", q, "--json", "--data-dir", data], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["citations"]
    res = CliRunner().invoke(cli, ["ask", q, f"--data-dir={data}", "--verbose"], catch_exceptions=False)
    assert res.exit_code == 0 and "Sources:" in res.stdout


def test_hoisting_leaves_arguments_alone():
    from qa.cli.group import hoist_global_options as hoist

    assert hoist(["ask", "q", "--data-dir", "X"]) == ["--data-dir", "X", "ask", "q"]
    assert hoist(["--config", "c.toml", "ask", "q", "-k", "3"]) == ["--config", "c.toml", "ask", "q", "-k", "3"]
    assert hoist(["index", "rm", "--", "--data-dir"]) == ["index", "rm", "--", "--data-dir"]


def test_a_subcommands_own_config_option_is_not_hoisted(tmp_path):
    """`qa eval --suite --config A --config B` compares two settings files: eval declares
    --config itself, so neither file may become the group's settings."""
    import evaluation.cli  # noqa: F401  (registers `eval`)
    from qa.cli.group import QaGroup, hoist_global_options as hoist

    assert isinstance(cli, QaGroup)
    own = {o for p in cli.commands["eval"].params for o in p.opts}
    assert "--config" in own
    args = ["eval", "--suite", "--config", "a.toml", "--config", "b.toml", "--data-dir", "D"]
    assert hoist(args, lambda name: own if name == "eval" else set()) == [
        "--data-dir", "D", "eval", "--suite", "--config", "a.toml", "--config", "b.toml"]
    # ask has no --config of its own: there it is still the group's
    assert hoist(["ask", "q", "--config", "c.toml"], lambda name: set()) == ["--config", "c.toml", "ask", "q"]
    # and through the real group: both files reach `eval`
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    for f in (a, b):
        f.write_text("[retrieval]\nk = 5\n")
    import warnings

    ctx = cli.make_context("qa", ["eval", "--suite", "--config", str(a), "--config", str(b)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # click 8.2 moves these into ctx.args
        sub = [*ctx.protected_args, *ctx.args]
    assert ctx.params.get("config") is None and sub[0] == "eval"
    sub_ctx = cli.commands["eval"].make_context("eval", sub[1:], parent=ctx)
    assert list(sub_ctx.params["configs"]) == [str(a), str(b)]


def test_missing_or_empty_index_is_an_error_not_an_abstention(tmp_path, monkeypatch, fake_embedder):
    import qa.cli.ask  # noqa: F401

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(qa.components, "get_embedder", lambda spec, threads=None: fake_embedder)
    res = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "none"), "ask", "Who?"])
    assert res.exit_code == 3 and "no index at" in res.stderr and "qa ingest" in res.stderr
    assert not (tmp_path / "none").exists()  # asking does not create an index
    empty = tmp_path / "empty"
    assert CliRunner().invoke(cli, ["--data-dir", str(empty), "index", "status"]).exit_code == 0
    res = CliRunner().invoke(cli, ["--data-dir", str(empty), "ask", "Who?"])
    assert res.exit_code == 3 and "has no documents" in res.stderr


def test_as_of_and_batch_types(run, tmp_path):
    import inspect

    from qa.assistant import Assistant

    res = run("ask", "Who?", "--as-of", "last week")
    assert res.exit_code == 2 and "not a date" in res.output
    res = run("ask", "Who accompanied Marzouq at the meetings?", "--as-of", "2024-06-30", "--json")
    if "as_of" in inspect.signature(Assistant.ask).parameters:
        assert res.exit_code == 0, res.output
    else:
        assert res.exit_code == 2 and "--as-of is not supported" in res.output
    f = tmp_path / "typed.jsonl"
    f.write_text('{"id": 1, "question": 42}\n', encoding="utf-8")
    res = run("ask", "--batch", str(f))
    assert res.exit_code == 2 and "question must be a string, got int" in res.output


def test_ask_through_a_running_server(run, tmp_path, fake_embedder):
    """`qa ask --server URL` answers from `qa serve` (the same JSON), loading nothing locally."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ui"))
    from live_server import ThreadServer

    from index import ChromaStore, NewsIndex
    from qa.assistant import Assistant
    from qa.settings import Settings
    from ui.server import create_app

    data = tmp_path / "data"
    settings = Settings.load(env={}, data_dir=str(data))  # built by `run` with the default model (faked)
    index = NewsIndex(ChromaStore(data, embed_model=settings.index.embed_model, passage_model="auto",
                                  article_model="auto"), fake_embedder)
    q = "Who accompanied Marzouq at the meetings?"
    local = json.loads(run("ask", q, "--json").stdout)
    with ThreadServer(create_app(settings, Assistant.from_settings(settings, index))) as srv:
        res = CliRunner().invoke(cli, ["ask", q, "--json", "--server", srv.base,
                                       "--data-dir", str(tmp_path / "nowhere")], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        remote = json.loads(res.stdout)
        assert remote["answer"] == local["answer"] and remote["citations"][0]["label"]
        res = CliRunner().invoke(cli, ["ask", q, "--server", srv.base], env={"QA_SERVER": srv.base})
        assert res.exit_code == 0 and "Sources:" in res.stdout
        res = CliRunner().invoke(cli, ["ask", "x", "--server", srv.base, "--mode", "quote", "-k", "99"])
        assert res.exit_code == 2 and "k must be" in res.output
        res = CliRunner().invoke(cli, ["chat", "--json", "--server", srv.base],
                                 input="Who led the Hamas delegation to Moscow?\nand who accompanied him?\n\n")
        assert res.exit_code == 0, res.output
        objs = [json.loads(x[x.index("{"):]) for x in res.stdout.splitlines() if "{" in x]
        assert len(objs) == 2 and objs[1]["standalone_question"]  # the server saw the history
    res = CliRunner().invoke(cli, ["ask", q, "--server", srv.base])
    assert res.exit_code == 5 and "cannot reach" in res.stderr
    # QA_SERVER that does not answer: a warning, then the local index answers
    res = CliRunner().invoke(cli, ["--data-dir", str(data), "ask", q, "--json"], env={"QA_SERVER": srv.base})
    assert res.exit_code == 0 and "answering locally" in res.stderr


@pytest.mark.llm
def test_llm_mode_on_a_dead_model_is_one_line_and_a_nonzero_exit(run, tmp_path, monkeypatch):
    """The model's worker cannot start (a corrupt GGUF): `qa ask --mode llm` says so in one
    line and exits 4; nothing the model process printed (a segfault, say) reaches the user."""
    pytest.importorskip("llama_cpp")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 4096)
    monkeypatch.setenv("QA_LLM_MODEL_PATH", str(broken))
    res = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), "ask",
                                   "Who accompanied Marzouq at the meetings?", "--mode", "llm"])
    assert res.exit_code == 4, res.output
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: the local model broken.gguf did not start"), lines
    assert "use --mode quote" in lines[0] and "Segmentation fault" not in res.output
