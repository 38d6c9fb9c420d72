"""UI test fixtures: apps over temp data dirs, live servers on free loopback ports, Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
# tests/corpus, tests/index and tests/qa are folders without __init__.py; with tests/ on sys.path
# they would shadow the real packages as namespace packages. Put the repo root first.
if sys.path[:1] != [str(REPO)]:
    sys.path.insert(0, str(REPO))
for _name in ("corpus", "index", "qa", "ui"):
    if _name in sys.modules and getattr(sys.modules[_name], "__file__", None) is None:
        del sys.modules[_name]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, timeout: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before /healthz answered")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{base}/healthz did not answer within {timeout}s")


@pytest.fixture
def fake_assistant_factory(make_index, corpus_copy, tmp_path):
    """(settings, assistant) over corpus/ indexed with the fake embedder in a temp data dir."""
    from index import Retriever, ingest_paths
    from qa.assistant import Assistant
    from qa.settings import Settings

    def make(**overrides):
        data = tmp_path / "data"
        settings = Settings.load(env={}, data_dir=str(data), index__embed_model="fake", **overrides)
        index = make_index(data)
        ingest_paths(index, [corpus_copy])
        return settings, Assistant(settings, index, Retriever(index))

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
    from index import ChromaStore, NewsIndex, Retriever, ingest_paths
    from qa.assistant import Assistant
    from qa.settings import Settings

    data = tmp_path_factory.mktemp("ui_shared") / "data"
    settings = Settings.load(env={}, data_dir=str(data), index__embed_model="fake", index__max_file_bytes=4000)
    index = NewsIndex(ChromaStore(data, embed_model="fake"), _fake_embedder(pytestconfig))
    report = ingest_paths(index, [REPO / "corpus"])
    assert len(report.added) == 5, report.to_json()
    return settings, Assistant(settings, index, Retriever(index))


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


def copy_data_dir(src: Path, dst_parent: Path) -> Path:
    dst = dst_parent / "data"
    shutil.copytree(src, dst)
    return dst


class ThreadServer:
    """uvicorn serving an ASGI app in a background thread on a free loopback port."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        wait_healthy(self.base, 60)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(20)


def start_cli_server(data_dir: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    """`qa --data-dir DATA serve --port N` as a subprocess; returns (process, base URL)."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
    for var in ("QA_DATA_DIR", "QA_CHROMA_URL", "QA_CONFIG", "QA_MODE"):
        env.pop(var, None)
    qa = Path(sys.executable).with_name("qa")
    log = open(log_path, "w")
    proc = subprocess.Popen([str(qa), "--data-dir", str(data_dir), "serve", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(data_dir.parent))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, 180, proc)
    except Exception:
        proc.kill()
        raise RuntimeError(f"qa serve did not start; log:\n{Path(log_path).read_text()[-3000:]}")
    return proc, base


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
