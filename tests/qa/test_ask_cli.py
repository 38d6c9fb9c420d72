"""`qa ask` (single, --json, --batch, interactive) and `qa chat` over a fake-embedder index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import qa.components
from qa.cli import cli


@pytest.fixture
def run(tmp_path, monkeypatch, fake_embedder, corpus_copy):
    import qa.ask_cli  # noqa: F401  (registers `ask` and `chat`)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(qa.components, "get_embedder", lambda spec: fake_embedder)
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
