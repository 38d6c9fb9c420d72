"""UI test fixtures: apps over temp data dirs, live servers on free loopback ports, Chromium."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# tests/corpus, tests/index and tests/qa are folders without __init__.py; with tests/ on sys.path
# they would shadow the real packages as namespace packages. Put the repo root first.
if sys.path[:1] != [str(REPO)]:
    sys.path.insert(0, str(REPO))
for _name in ("corpus", "index", "qa", "ui"):
    if _name in sys.modules and getattr(sys.modules[_name], "__file__", None) is None:
        del sys.modules[_name]
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture
def fake_assistant_factory(make_index, corpus_copy, tmp_path):
    """(settings, assistant) over corpus/ indexed with the fake embedder in a temp data dir."""
    from index import ingest_paths
    from qa.assistant import Assistant
    from qa.settings import Settings

    def make(**overrides):
        data = tmp_path / "data"
        settings = Settings.load(env={}, data_dir=str(data), index__embed_model="fake", **overrides)
        index = make_index(data)
        ingest_paths(index, [corpus_copy])
        return settings, Assistant.from_settings(settings, index)

    return make


def _fake_embedder(config):
    """The root conftest's FakeEmbedder (fixtures there are function-scoped)."""
    root = (REPO / "tests" / "conftest.py").resolve()
    for mod in config.pluginmanager.get_plugins():
        f = getattr(mod, "__file__", None)
        if f and Path(f).resolve() == root:
            return mod.FakeEmbedder()
    raise RuntimeError("tests/conftest.py is not loaded")


@pytest.fixture(scope="module")
def shared_fake_assistant(tmp_path_factory, pytestconfig):
    """(settings, assistant) over corpus/ with the fake embedder, shared by one module's tests."""
    from index import ChromaStore, NewsIndex, ingest_paths
    from qa.assistant import Assistant
    from qa.settings import Settings

    data = tmp_path_factory.mktemp("ui_shared") / "data"
    settings = Settings.load(env={}, data_dir=str(data), index__embed_model="fake", index__max_file_bytes=4000)
    index = NewsIndex(ChromaStore(data, embed_model="fake"), _fake_embedder(pytestconfig))
    report = ingest_paths(index, [REPO / "corpus"])
    assert len(report.added) == 5, report.to_json()
    return settings, Assistant.from_settings(settings, index)


@pytest.fixture(scope="session")
def minilm_corpus_dir(tmp_path_factory) -> Path:
    """corpus/ indexed once with the real MiniLM model; copy it before writing to it."""
    from index import ingest_paths
    from qa.components import build_index
    from qa.settings import Settings

    data = tmp_path_factory.mktemp("minilm") / "data"
    corpus = tmp_path_factory.mktemp("corpus_src")
    for f in list((REPO / "corpus").glob("*.txt")) + [REPO / "corpus" / "manifest.json"]:
        shutil.copy(f, corpus / f.name)
    settings = Settings.load(env={}, data_dir=str(data))
    report = ingest_paths(build_index(settings), [corpus])
    assert report.ok and len(report.added) == 5, report.to_json()
    return data


@pytest.fixture(scope="session")
def ui_server(minilm_corpus_dir, tmp_path_factory):
    """`qa serve` over a copy of the MiniLM-indexed corpus/, ready (/readyz 200), shared by the
    browser test modules that do not need a server of their own."""
    from live_server import copy_data_dir, start_cli_server, stop

    work = tmp_path_factory.mktemp("ui_server")
    data = copy_data_dir(minilm_corpus_dir, work)
    proc, base = start_cli_server(data, work / "server.log")
    yield base
    stop(proc)


@pytest.fixture(scope="session")
def chromium():
    from browser_kit import launch_browser

    p, browser = launch_browser()
    yield browser
    browser.close()
    p.stop()
