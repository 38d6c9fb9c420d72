"""Hostile input through the `qa` CLI: folders of random files, random questions, random doc ids.
The CLI never ends in a traceback; it exits 0 (all fine), 1 (some files not ingested, named),
or 2/3 (a usage or store problem, explained), and nothing that loads is lost."""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CLI_FUZZ = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
HOSTILE = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"])
                  | st.sampled_from(list("\u200b\u200f\u202e\u2067\ufeff שלום مرحبا")), max_size=300)
_names = itertools.count()


@pytest.fixture
def qa(monkeypatch, fake_embedder, tmp_path):
    """Run `qa --data-dir TMP ...` in-process with the fake embedder."""
    import qa.components
    from qa.cli import ask as ask_cli  # noqa: F401  (registers `ask`)
    from qa.cli.main import cli

    monkeypatch.setitem(qa.components._embedders, "fake", fake_embedder)
    data = tmp_path / "data"

    def run(*args: str):
        res = CliRunner().invoke(cli, ["--data-dir", str(data), *args], env={"QA_EMBED_MODEL": "fake"})
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            raise AssertionError(f"qa {args!r} crashed: {res.exception!r}\n{res.output}") from res.exception
        assert "Traceback" not in res.output
        return res

    return run


@CLI_FUZZ
@given(files=st.lists(st.tuples(st.sampled_from([".txt", ".md", ".html", ".bin", ""]),
                                st.one_of(st.binary(max_size=500), HOSTILE.map(str.encode))),
                      min_size=1, max_size=5))
def test_ingest_random_folder(qa, files):
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        for suffix, raw in files:
            name = f"f{next(_names)}{suffix}"
            (Path(tmp) / name).write_bytes(raw)
            names.append(name)
        res = qa("ingest", tmp, "--json")
        assert res.exit_code in (0, 1), res.output
        report = json.loads(res.stdout)
        done = set(report["added"]) | set(report["updated"]) | set(report["unchanged"])
        failed = {Path(e["path"]).name for e in report["errors"]}
        for name in names:  # every file is either indexed (id = stem) or reported by name
            assert (Path(name).stem in done) != (name in failed), (name, report)
        for e in report["errors"]:
            assert e["reason"] and "\n" not in e["reason"]
        assert (res.exit_code == 1) == bool(report["errors"])
        if report["errors"]:
            assert "not ingested" in res.stderr


@CLI_FUZZ
@given(question=HOSTILE)
def test_ask_random_question(qa, corpus_copy, question):
    assert qa("ingest", str(corpus_copy)).exit_code == 0  # the first example indexes, the rest skip
    res = qa("ask", "--json", question)
    if res.exit_code == 0:
        out = json.loads(res.stdout)
        assert out["question"] == question and isinstance(out["passages"], list)
    else:
        assert res.exit_code == 2 and "error" in res.output.lower(), res.output


def test_ask_huge_question(qa, corpus_copy):
    assert qa("ingest", str(corpus_copy)).exit_code == 0
    res = qa("ask", "--json", "Moscow \u200b\u202e " * 20_000)
    assert res.exit_code in (0, 2), res.output


@CLI_FUZZ
@given(doc_id=HOSTILE)
def test_rm_random_doc_id(qa, doc_id):
    res = qa("index", "rm", "--", doc_id)  # '--': an id like '-0' is an id, not an option
    assert res.exit_code != 0 and "no document" in res.stderr, res.output


def test_rm_option_like_id_without_separator_is_a_usage_error(qa):
    res = qa("index", "rm", "-0")
    assert res.exit_code == 2 and "No such option" in res.output
