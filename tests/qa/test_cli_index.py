"""The `qa` CLI over a real persistent Chroma in a temp dir (fake embedder unless slow):
ingest (incl. bad files), index status --json, index rm, ask --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import qa.components
from qa.cli.main import cli


@pytest.fixture
def run(tmp_path, monkeypatch, fake_embedder):
    """Invoke `qa --data-dir TMP ...` in-process with the fake embedder."""
    import qa.cli.ask  # noqa: F401  (registers `ask`)

    monkeypatch.chdir(tmp_path)  # no qa.toml from the working directory
    monkeypatch.setattr(qa.components, "get_embedder", lambda spec, threads=None: fake_embedder)
    data_dir = tmp_path / "data"

    def invoke(*args: str, data: Path = data_dir):
        return CliRunner().invoke(cli, ["--data-dir", str(data), *args], catch_exceptions=False)

    invoke.data_dir = data_dir
    return invoke


def status(run) -> dict:
    res = run("index", "status", "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_ingest_status_and_noop_rerun(run, corpus_copy, fake_embedder):
    res = run("ingest", str(corpus_copy))
    assert res.exit_code == 0, res.output
    assert "added 5" in res.stdout
    st = status(run)
    assert st["embedding_model"] == "bge-small-int8"
    assert st["store"] == str(run.data_dir / "chroma") and Path(st["store"]).is_dir()
    assert st["collection"] == "news_qa"
    docs = {d["doc_id"]: d for d in st["documents"]}
    assert set(docs) == {p.stem for p in corpus_copy.glob("*.txt")}
    assert all(d["chunks"] > 0 for d in docs.values())
    assert st["total_chunks"] == sum(d["chunks"] for d in docs.values()) == fake_embedder.texts_embedded - len(docs)
    manifest = json.loads((corpus_copy / "manifest.json").read_text(encoding="utf-8"))["documents"]
    for name, entry in manifest.items():
        d = docs[Path(name).stem]
        assert (d["title"], d["outlet"], d["published"]) == (entry["title"], entry["outlet"], entry["published"])
        assert d["source"] == str((corpus_copy / name).resolve())
    embedded = fake_embedder.texts_embedded
    again = run("ingest", str(corpus_copy), "--json")
    assert again.exit_code == 0
    report = json.loads(again.stdout)
    assert len(report["unchanged"]) == 5 and report["chunks_written"] == 0 and report["errors"] == []
    assert fake_embedder.texts_embedded == embedded
    human = run("index", "status")
    assert "5 documents" in human.stdout and "bge-small-int8" in human.stdout


def test_bad_files_one_line_each_others_ingested_nonzero_exit(run, corpus_copy, tmp_path):
    cfg = tmp_path / "small.toml"
    cfg.write_text("[index]\nmax_file_bytes = 4000\n", encoding="utf-8")
    bad = {
        "empty.txt": b"",
        "binary.txt": bytes(range(256)) * 8,
        "latin.txt": "Caf\u00e9 owners met on Monday. They agreed.".encode("cp1252"),  # accepted
        "undecodable.md": b"\x81\x8d\x8f\x90\x9d text",
        "slides.pdf": b"%PDF-1.7 binary",
        "huge.txt": b"Long text. " * 500,
    }
    for name, data in bad.items():
        (corpus_copy / name).write_bytes(data)
    res = CliRunner().invoke(cli, ["--data-dir", str(run.data_dir), "--config", str(cfg), "ingest", str(corpus_copy)])
    assert res.exit_code == 1, res.output
    err_lines = [line for line in res.stderr.splitlines() if line.startswith("error: ")]
    rejected = {"empty.txt", "binary.txt", "undecodable.md", "slides.pdf", "huge.txt"}
    assert len(err_lines) == len(rejected)
    for name in rejected:
        assert sum(name in line for line in err_lines) == 1, f"{name} must get exactly one line"
    assert "5 file(s) not ingested" in res.stderr
    assert "added 6" in res.stdout
    ids = {d["doc_id"] for d in status(run)["documents"]}
    assert "latin" in ids and len(ids) == 6


def test_index_rm_and_prune(run, corpus_copy):
    assert run("ingest", str(corpus_copy)).exit_code == 0
    ids = sorted(d["doc_id"] for d in status(run)["documents"])
    res = run("index", "rm", ids[0])
    assert res.exit_code == 0 and f"removed {ids[0]}" in res.stdout
    missing = run("index", "rm", ids[0])
    assert missing.exit_code == 1 and "no document" in missing.stderr
    assert sorted(d["doc_id"] for d in status(run)["documents"]) == ids[1:]
    (corpus_copy / f"{ids[1]}.txt").unlink()
    res = run("ingest", str(corpus_copy), "--prune")
    assert res.exit_code == 0 and "removed 1" in res.stdout and "added 1" in res.stdout  # ids[0] comes back
    st = status(run)
    assert sorted(d["doc_id"] for d in st["documents"]) == [ids[0], *ids[2:]]
    assert st["total_chunks"] == sum(d["chunks"] for d in st["documents"])


def test_missing_path_is_an_error(run, tmp_path):
    res = run("ingest", str(tmp_path / "nowhere"))
    assert res.exit_code == 1 and "nowhere" in res.stderr and "does not exist" in res.stderr


def test_bad_config_is_one_clear_error(run, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[retrieval]\nk = 2.5\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["--config", str(cfg), "index", "status"])
    assert res.exit_code == 2 and "retrieval.k" in res.stderr


def check_ask_json(out: dict, question: str, corpus: Path) -> None:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in corpus.glob("*.txt")}
    assert out["question"] == question
    assert isinstance(out["answer"], str) and isinstance(out["abstained"], bool)
    assert out["passages"], "retrieval returned nothing"
    for p in out["passages"] + out["citations"]:
        assert texts[p["doc_id"]][p["start"]:p["end"]] == p["text"]


def test_ask_json_on_a_fake_index(run, corpus_copy):
    assert run("ingest", str(corpus_copy)).exit_code == 0
    q = "Who met Russian officials in Moscow?"
    res = run("ask", q, "--json", "-k", "3")
    assert res.exit_code == 0, res.output
    check_ask_json(json.loads(res.stdout), q, corpus_copy)


@pytest.mark.slow
def test_ingest_and_ask_with_the_real_model(tmp_path, monkeypatch, corpus_copy):
    import qa.cli.ask  # noqa: F401

    monkeypatch.chdir(tmp_path)
    data = str(tmp_path / "real")
    res = CliRunner().invoke(cli, ["--data-dir", data, "ingest", str(corpus_copy)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    q = "Which Russian official did the Hamas delegation meet?"
    res = CliRunner().invoke(cli, ["--data-dir", data, "ask", q, "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    check_ask_json(json.loads(res.stdout), q, corpus_copy)


@pytest.mark.slow
def test_model_loads_are_quiet_unless_verbose(tmp_path, corpus_copy):
    """A fresh `qa ask` process prints no progress bars; --verbose shows the model loading.
    MiniLM through sentence-transformers, which has the bars (bge-small runs in ONNX Runtime)."""
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "QA_EMBED_MODEL": "minilm"}
    for var in ("TQDM_DISABLE", "HF_HUB_DISABLE_PROGRESS_BARS", "TRANSFORMERS_VERBOSITY", "QA_SERVER"):
        env.pop(var, None)
    main = "import sys; sys.argv[0] = 'qa'; from qa.cli.main import main; main()"
    data = str(tmp_path / "real")

    def qa(*args):
        return subprocess.run([sys.executable, "-c", main, "--data-dir", data, *args], env=env,
                              capture_output=True, text=True, cwd=tmp_path, timeout=600)

    assert qa("ingest", str(corpus_copy)).returncode == 0
    quiet = qa("ask", "Which Russian official did the Hamas delegation meet?")
    assert quiet.returncode == 0, quiet.stderr
    assert "Sources:" in quiet.stdout and "it/s" not in quiet.stderr and "Loading" not in quiet.stderr
    loud = qa("ask", "Which Russian official did the Hamas delegation meet?", "--verbose")
    assert loud.returncode == 0 and "it/s" in loud.stderr  # the bar is the library's, not ours
