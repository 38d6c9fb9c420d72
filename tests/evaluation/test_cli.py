"""`qa eval`: usage errors, a bad gold file, and one end-to-end run on the real stack."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import evaluation.cli  # noqa: F401  (registers `eval`)
from qa.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "eval" / "gold.jsonl"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no qa.toml, no default corpus/ in the working directory


def test_needs_exactly_one_source():
    r = CliRunner().invoke(cli, ["eval"])
    assert r.exit_code == 2 and "exactly one of --gold FILE, --beir DIR or --squad FILE" in r.output
    r = CliRunner().invoke(cli, ["eval", "--ablate", "--squad", str(GOLD)])
    assert r.exit_code == 2 and "--ablate needs --gold" in r.output


def test_empty_index_without_corpus_says_what_to_run(tmp_path):
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "d"), "eval", "--gold", str(GOLD)])
    assert r.exit_code == 2 and "run `qa ingest PATH`" in r.output


@pytest.mark.slow
def test_end_to_end_gold_quote_mode(tmp_path, corpus_copy):
    out = tmp_path / "report"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "question": "q?", "answers": ["a"], "type": "single_fact",
                               "answerable": True, "evidence": [{"doc": "nope", "quote": "a"}]}) + "\n")
    args = ["--data-dir", str(tmp_path / "data"), "eval", "--corpus", str(corpus_copy)]
    runner = CliRunner()
    r = runner.invoke(cli, [*args, "--gold", str(GOLD), "--mode", "quote", "--out", str(out), "--json",
                            "--no-progress"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout.strip().splitlines()[-1])
    [run] = report["gold"]
    s = run["summary"]
    assert s["n"] == 80 and run["mode"] == "quote"
    assert s["retrieval"]["hit@10"] >= 0.8  # the real retriever finds the evidence
    assert 0.0 <= s["accuracy"] <= 1.0 and s["latency"]["total"]["p50"] > 0
    docs = {p.stem: p.read_text(encoding="utf-8") for p in corpus_copy.glob("*.txt")}
    for d in run["details"]:  # every citation is an exact span of its article
        for c in d["citations"]:
            assert docs[c["doc_id"]][c["start"]:c["end"]] == c["text"]
    assert {p.name for p in out.iterdir()} == {"report.json", "report.md", "report.html"}
    assert "data:image/png;base64," in (out / "report.html").read_text()
    # the same (now filled) index rejects a gold file naming an unknown document, clearly
    r = runner.invoke(cli, [*args, "--gold", str(bad)])
    assert r.exit_code == 2 and "unknown document 'nope'" in r.output


def test_beir_tiny_folder_scores_three_retrievers(tmp_path, monkeypatch, fake_embedder):
    import qa.components

    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    docs = [{"_id": "d1", "title": "Moscow talks", "text": "Hamas met Bogdanov in Moscow."},
            {"_id": "d2", "title": "Weather", "text": "Rain is expected in Doha tomorrow."},
            {"_id": "d3", "title": "Football", "text": "The match ended in a draw."}]
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in docs))
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in [
        {"_id": "q1", "text": "Bogdanov Moscow Hamas"}, {"_id": "q2", "text": "rain in Doha"}]))
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n")
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(qa.components, "get_embedder", lambda spec, threads=None: fake_embedder)
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "d"), "eval", "--beir", str(folder), "--json",
                                 "--no-progress", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    beir = json.loads(r.stdout.strip().splitlines()[-1])["beir"]
    assert beir["n_queries"] == 2 and set(beir["variants"]) == {"dense", "bm25", "hybrid"}
    assert beir["variants"]["bm25"]["ndcg10"] == pytest.approx(1.0)
    assert beir["variants"]["bm25"]["recall100"] == 1.0
    assert "| bm25 | 1.000 |" in (tmp_path / "o" / "report.md").read_text()


def test_suite_options_are_checked(tmp_path):
    r = CliRunner().invoke(cli, ["eval", "--gold", str(GOLD), "--quick", "5"])
    assert r.exit_code == 2 and "go with --suite" in r.output
    r = CliRunner().invoke(cli, ["eval", "--suite", "--mode", "both"])
    assert r.exit_code == 2 and "--suite runs one mode" in r.output
    r = CliRunner().invoke(cli, ["eval", "--suite", "--quick", "0", "--bench-dir", str(tmp_path)])
    assert r.exit_code == 2 and "quick must be >= 1" in r.output
    r = CliRunner().invoke(cli, ["eval", "--suite", "--check-baseline", str(tmp_path / "none.json")])
    assert r.exit_code == 2 and "cannot read a quality-gate baseline" in r.output
    r = CliRunner().invoke(cli, ["eval", "--suite", "--bench-dir", str(tmp_path), "--cache-dir", str(tmp_path / "c")])
    assert r.exit_code == 2 and "corpus_subset.jsonl not found" in r.output


def test_suite_configs_are_named_by_file_and_share_the_data_dir(tmp_path):
    from evaluation.suite_cli import load_configs
    from qa.settings import Settings

    base = Settings(data_dir=str(tmp_path / "d"))
    (tmp_path / "wide.toml").write_text("[retrieval]\nk = 12\n")
    (tmp_path / "bm25.toml").write_text('data_dir = "elsewhere"\n[retrieval]\nmode = "bm25"\n')
    configs = load_configs(base, (str(tmp_path / "wide.toml"), str(tmp_path / "bm25.toml")))
    assert [n for n, _ in configs] == ["wide", "bm25"]
    assert configs[0][1].retrieval.k == 12 and configs[1][1].retrieval.mode == "bm25"
    assert {s.data_dir for _, s in configs} == {base.data_dir}
    assert load_configs(base, ()) == [("current", base)]
    (tmp_path / "bad.toml").write_text("[retrieval]\nk = 'many'\n")
    with pytest.raises(click.UsageError, match="bad.toml"):
        load_configs(base, (str(tmp_path / "bad.toml"),))
