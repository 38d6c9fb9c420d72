"""`qa ingest` of bulk exports through the CLI: field mapping from qa.toml and --field flags,
one error line per bad record, the good records ingested."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import qa.components
from qa.cli.main import cli


@pytest.fixture
def run(tmp_path, monkeypatch, fake_embedder):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(qa.components, "get_embedder", lambda spec, threads=None: fake_embedder)

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), *args], catch_exceptions=False)

    return invoke


def export(tmp_path):
    rows = [
        {"key": "gcs:1:0", "story": "Rain fell in Lisbon on Monday. Streets flooded.", "when": "2024-02-05", "site": "A"},
        {"key": "gcs:1:1", "story": "Snow fell in Oslo on Tuesday. Trains stopped.", "when": "2024-02-06", "site": "B"},
        {"key": "gcs:1:2", "when": "2024-02-07"},
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_field_flags_map_an_export_and_bad_records_are_named(run, tmp_path):
    path = export(tmp_path)
    res = run("ingest", str(path), "--json", "--field", "id=key", "--field", "text=story",
              "--field", "published=when", "--field", "outlet=site")
    assert res.exit_code == 1
    report = json.loads(res.stdout)
    assert len(report["added"]) == 2 and all(d.startswith("gcs-1-") for d in report["added"])
    assert f"{path}: line 3: no text" in res.stderr
    status = json.loads(run("index", "status", "--json").stdout)
    assert {d["published"] for d in status["documents"]} == {"2024-02-05", "2024-02-06"}
    assert {d["outlet"] for d in status["documents"]} == {"A", "B"}
    assert status["date_range"] == ["2024-02-05", "2024-02-06"] and status["undated"] == 0
    assert status["duplicate_clusters"] == 0
    text = run("index", "status").stdout
    assert "published: 2024-02-05 to 2024-02-06; 0 without a date" in text


def test_field_map_from_qa_toml_and_a_bad_flag(run, tmp_path):
    path = export(tmp_path)
    (tmp_path / "qa.toml").write_text('[ingest.fields]\nid = "key"\ntext = "story"\npublished = "when"\n')
    res = run("ingest", str(path), "--json")
    assert len(json.loads(res.stdout)["added"]) == 2
    bad = run("ingest", str(path), "--field", "body")
    assert bad.exit_code == 2 and "ROLE=FIELD" in bad.stderr
