"""A crashing model cannot take the server down. Through the real HTTP API (uvicorn on a
loopback port) with the real SmolLM2 model in its llama.cpp worker process: the worker is
killed with SIGKILL in the middle of a streamed llm answer. That request gets a clear error,
quote mode answers during the outage, llm mode is refused with Retry-After while the worker is
down, and answers again once the supervisor has restarted it."""

from __future__ import annotations

import json
import signal
import time

import httpx
import pytest

from live_server import ThreadServer, copy_data_dir

pytestmark = [pytest.mark.slow, pytest.mark.llm]

QUESTION = "Who led the Hamas delegation that visited Moscow on January 19, 2024?"


@pytest.fixture(scope="module")
def live(minilm_corpus_dir, tmp_path_factory):
    pytest.importorskip("llama_cpp")
    from qa.assistant import Assistant
    from qa.settings import Settings
    from ui.server import create_app
    from ui.service import llm_status

    data = copy_data_dir(minilm_corpus_dir, tmp_path_factory.mktemp("llm_worker"))
    settings = Settings.load(env={}, data_dir=str(data), llm__model_path="smollm2", llm__max_tokens=256,
                             llm__restart_backoff=4.0)
    if not llm_status(settings).available:
        pytest.skip(llm_status(settings).reason)
    app = create_app(settings, assistant=Assistant.from_settings(settings))
    with ThreadServer(app) as server:
        yield server, app.state.service
        app.state.service.close()


def worker_of(service):
    return service.assistant.llm().llm.worker


def worker_state(base: str) -> str | None:
    return (httpx.get(f"{base}/healthz", timeout=10).json().get("llm_worker") or {}).get("state")


def test_sigkill_mid_stream_then_quote_during_outage_then_llm_after_restart(live):
    server, service = live
    base = server.base
    first = httpx.post(f"{base}/api/ask", json={"question": QUESTION, "mode": "llm"}, timeout=300)
    assert first.status_code == 200, first.text  # loads the worker
    assert first.json()["verdict"]["answerable"], "the question must reach the model"
    worker = worker_of(service)
    assert worker_state(base) == "ready"
    old_pid = worker.pid

    events, killed = [], False
    body = {"model": "news-qa-llm", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=300) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            event = json.loads(line[6:])
            events.append(event)
            delta = (event.get("choices") or [{}])[0].get("delta", {}).get("content")
            if delta and not killed:
                worker.kill_worker(signal.SIGKILL)  # mid-answer: the model has started writing
                killed = True
    assert killed, "the stream produced no content to interrupt"
    error = events[-1].get("error")
    assert error, f"the interrupted stream ended without an error: {events[-1]}"
    assert "stopped while answering" in error["message"] and "retry" in error["message"]
    assert error["code"] == 503

    # the outage: the server itself keeps answering
    assert worker_state(base) in ("down", "starting")
    quote = httpx.post(f"{base}/api/ask", json={"question": QUESTION, "mode": "quote"}, timeout=120)
    assert quote.status_code == 200, quote.text
    assert quote.json()["citations"] and quote.json()["mode"] == "quote"
    assert httpx.get(f"{base}/api/documents", timeout=30).status_code == 200
    refused = httpx.post(f"{base}/api/ask", json={"question": QUESTION, "mode": "llm"}, timeout=120)
    if worker_state(base) != "ready":  # (it may have come back meanwhile on a fast machine)
        assert refused.status_code == 503, refused.text
        assert "restarting" in refused.json()["error"] or "loading" in refused.json()["error"]
        assert int(refused.headers["retry-after"]) >= 1

    deadline = time.monotonic() + 120
    while worker_state(base) != "ready" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert worker_state(base) == "ready"
    assert worker.pid != old_pid and worker.restarts >= 1
    after = httpx.post(f"{base}/api/ask", json={"question": QUESTION, "mode": "llm"}, timeout=300)
    assert after.status_code == 200, after.text
    assert after.json()["mode"] == "llm"


def test_the_worker_loads_nothing_but_llama_cpp(live):
    _, service = live
    worker = worker_of(service)
    assert worker.wait_ready(120)
    maps = open(f"/proc/{worker.pid}/maps").read()
    assert "libllama" in maps
    for other in ("libtorch", "onnxruntime", "spacy", "thinc"):
        assert other not in maps, f"the LLM worker loaded {other}"


def test_qa_serve_stops_its_worker_with_it(minilm_corpus_dir, tmp_path, monkeypatch):
    """`qa serve` starts the local model's worker beside it; stopping the server (SIGTERM) ends
    the worker too: no orphan process is left."""
    import os

    from live_server import start_cli_server, stop

    pytest.importorskip("llama_cpp")
    monkeypatch.setenv("QA_LLM_MODEL_PATH", "smollm2")
    data = copy_data_dir(minilm_corpus_dir, tmp_path)
    proc, base = start_cli_server(data, tmp_path / "serve.log")
    try:
        deadline, worker = time.monotonic() + 180, None
        while time.monotonic() < deadline and not (worker and worker.get("state") == "ready"):
            worker = httpx.get(f"{base}/healthz", timeout=10).json().get("llm_worker")
            time.sleep(0.5)
        assert worker and worker["state"] == "ready", (tmp_path / "serve.log").read_text()[-2000:]
        pid = worker["pid"]
        os.kill(pid, 0)
    finally:
        stop(proc)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the LLM worker {pid} outlived `qa serve`")
