"""The OpenAI-compatible server path: a real `python -m llama_cpp.server` with the SmolLM2
GGUF on loopback, reached through OpenAILike (qa.llm.adapter), answering via LLMAnswerer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from qa.llm.adapter import LLMUnavailable, Message, build_llm, openai_like_llm
from qa.llm.answerer import LLMAnswerer
from qa.settings import LLMSettings
from qa.types import ABSTAIN_TEXT, Answer

from test_llm_answerer import DOC_A, DOC_B, passages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (make llm)")
    pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python[server] extras missing")
    pytest.importorskip("llama_index.llms.openai_like", reason="llama-index-llms-openai-like missing")
    from qa.llm.weights import ModelError, smollm2_path

    try:
        model = smollm2_path()
    except ModelError as exc:
        pytest.skip(str(exc))
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias",
             "smollm2", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "1024",
             "--n_threads", "2"],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "NO_PROXY": "127.0.0.1"},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/v1/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start: {log.read_text(errors='ignore')[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
@pytest.mark.llm
def test_answer_through_openai_compatible_server(server, fake_embedder):
    llm = build_llm(LLMSettings(server_url=server, server_model="smollm2", max_tokens=48))
    a = LLMAnswerer(llm, fake_embedder, max_sentences=3)
    items = list(a.stream("How many bridges will the money repair?", passages()))
    final = items[-1]
    assert isinstance(final, Answer) and final.mode == "llm"
    assert "".join(i for i in items[:-1] if isinstance(i, str)).strip()  # tokens were streamed
    assert final.timings["ttft"] > 0
    if final.abstained:
        assert final.citations == [] and final.text == ABSTAIN_TEXT
    docs = {"a": DOC_A, "b": DOC_B}
    for c in final.citations:
        assert docs[c.doc_id][c.start:c.end] == c.quote


@pytest.mark.slow
@pytest.mark.llm
def test_unreachable_server_says_what_to_do():
    pytest.importorskip("llama_index.llms.openai_like", reason="llama-index-llms-openai-like missing")
    llm = openai_like_llm(f"http://127.0.0.1:{_free_port()}", max_tokens=8, timeout=5)
    with pytest.raises(LLMUnavailable, match="start the server or fix llm.server_url"):
        llm.chat([Message("user", "hi")])
