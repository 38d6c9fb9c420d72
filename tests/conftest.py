"""Test setup: no network beyond loopback, models offline, every write in a temp dir."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

from fakes import FakeEmbedder  # noqa: F401  (tests import it from `fakes`)

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
for var in ("QA_DATA_DIR", "QA_CHROMA_URL", "QA_CONFIG", "QA_MODE"):
    os.environ.pop(var, None)
# the static passage table (index/static_embedder.py) is made once per test session, in a temp dir
os.environ["QA_STATIC_CACHE"] = tempfile.mkdtemp(prefix="qa-static-")

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX
        return True
    host = address[0]
    return host in ("localhost", "::1", "0.0.0.0") or str(host).startswith("127.")


def _guarded(real):
    def connect(self, address):
        if not _is_local(address):
            raise OSError(f"network access blocked in tests: {address!r}")
        return real(self, address)

    return connect


socket.socket.connect = _guarded(_real_connect)
socket.socket.connect_ex = _guarded(_real_connect_ex)


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()


@pytest.fixture
def make_index(tmp_path, fake_embedder):
    """Factory for a NewsIndex over a real persistent Chroma in a temp dir, fake embedder."""
    from index import ChromaStore, NewsIndex

    def make(data_dir: Path | None = None, embedder=None, **store_kwargs):
        store = ChromaStore(data_dir or tmp_path / "data", embed_model="fake", **store_kwargs)
        return NewsIndex(store, embedder or fake_embedder)

    return make


@pytest.fixture
def assistant_over(make_index):
    """Factory: an Assistant (default settings, fake embedder) over the given Documents."""
    from qa.assistant import Assistant
    from qa.settings import Settings

    def make(docs):
        index = make_index()
        for d in docs:
            index.write(d)
        return Assistant.from_settings(Settings(), index)

    return make


@pytest.fixture
def corpus_copy(tmp_path):
    """A writable copy of corpus/ (articles and manifest only)."""
    import shutil

    dst = tmp_path / "corpus"
    dst.mkdir()
    for f in list(CORPUS.glob("*.txt")) + [CORPUS / "manifest.json"]:
        shutil.copy(f, dst / f.name)
    return dst


@pytest.fixture
def smollm2_gguf():
    """Path of the SmolLM2 GGUF for real-model tests of the LLM path; skips, saying what to
    install, when llama.cpp or the model package is missing."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (make llm)")
    from qa.llm.weights import ModelError, smollm2_path

    try:
        return str(smollm2_path())
    except ModelError as exc:
        pytest.skip(str(exc))
