"""The supervised LLM worker (qa.llm.worker) with a stand-in OpenAI server as the worker: it
starts, answers through the OpenAI client path, is restarted with backoff after SIGKILL, gives a
clear error to the request it was serving, refuses while down with a retry hint, refuses an
over-long prompt before generating, and leaves no process behind, even when its parent is
killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from qa.llm.adapter import ContextTooLarge, LLMUnavailable, Message, openai_like_llm
from qa.llm.worker import LocalLLMServer, describe_exit

FAKE = Path(__file__).with_name("fake_llm_server.py")
pytest.importorskip("llama_index.llms.openai_like")


def fake_server(*args: str, **kwargs) -> LocalLLMServer:
    kwargs.setdefault("backoff", 0.5)
    kwargs.setdefault("startup_timeout", 30)
    kwargs.setdefault("health_interval", 0.1)
    return LocalLLMServer(lambda port: [sys.executable, str(FAKE), str(port), *args], name="fake model", **kwargs)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def client_for(server: LocalLLMServer, **kwargs):
    llm = openai_like_llm(server.url, model="local", **kwargs)
    llm.worker = server
    return llm


@pytest.fixture
def server():
    s = fake_server("--delay", "0.3", "--words", "8").start()
    assert s.wait_ready(30), s.log_tail()
    yield s
    s.stop()


def test_answers_through_the_openai_client_path(server):
    llm = client_for(server)
    assert llm.chat([Message("user", "hello")]).split() == [f"word{i}" for i in range(8)]
    assert server.status().state == "ready" and server.status().retry_after == 0


def test_sigkill_mid_stream_is_a_clear_error_then_it_restarts(server):
    llm = client_for(server)
    first_pid = server.pid
    stream = llm.stream_chat([Message("user", "hello")])
    assert next(stream).strip() == "word0"
    server.kill_worker(signal.SIGKILL)
    with pytest.raises(LLMUnavailable) as err:
        list(stream)
    message = str(err.value)
    assert "stopped while answering" in message and "SIGKILL" in message and "retry in" in message
    assert err.value.retry_after and err.value.retry_after > 0
    # while it is down, a request is refused at once with the same kind of hint
    try:
        llm.chat([Message("user", "again")])
    except LLMUnavailable as exc:
        assert "restarting" in str(exc) or "loading" in str(exc)
    assert server.wait_ready(30), server.log_tail()
    assert server.restarts == 1 and server.pid != first_pid and server.status().last_exit == -signal.SIGKILL
    assert llm.chat([Message("user", "after")]).startswith("word0")


def test_backoff_doubles_while_it_keeps_dying():
    s = fake_server("--load", "0.2", backoff=0.3, max_backoff=1.0).start()
    try:
        assert s.wait_ready(30)
        gaps = []
        for _ in range(3):
            t = time.monotonic()
            s.kill_worker()
            assert s.wait_ready(30)
            gaps.append(time.monotonic() - t)
        assert s.restarts == 3
        assert gaps[0] >= 0.3 and gaps[1] >= 0.6 and gaps[2] >= 1.0  # 0.3, 0.6, then the 1.0 cap
    finally:
        s.stop()


def test_over_long_prompt_is_refused_before_generation(server):
    llm = client_for(server, max_tokens=50, n_ctx=100)
    with pytest.raises(ContextTooLarge, match="more than the model's context of 100"):
        llm.chat([Message("user", "many words " * 40)])
    with urllib.request.urlopen(server.url[:-3] + "/stats", timeout=5) as r:
        assert json.loads(r.read())["chat"] == 0  # nothing was generated
    assert llm.chat([Message("user", "short")])


def test_stop_leaves_no_process(server):
    pid = server.pid
    assert pid and alive(pid)
    server.stop()
    assert not alive(pid)
    assert server.status().state == "stopped" and "stopped" in server.unavailable()


def test_a_first_start_that_fails_is_reported_at_once():
    s = LocalLLMServer(lambda port: [sys.executable, "-c", "import sys; sys.exit('no such model file')"],
                       name="broken model", backoff=5).start()
    try:
        t = time.monotonic()
        assert not s.wait_ready(30)
        assert time.monotonic() - t < 10  # not the whole timeout
        assert "no such model file" in s.log_tail()
    finally:
        s.stop()


def test_the_worker_dies_with_its_parent_even_on_sigkill(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from qa.llm.worker import LocalLLMServer
        s = LocalLLMServer(lambda port: [sys.executable, {str(FAKE)!r}, str(port)]).start()
        assert s.wait_ready(30)
        print(s.pid, flush=True)
        time.sleep(600)
    """))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        worker_pid = int(parent.stdout.readline())
        assert alive(worker_pid)
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 10
        while alive(worker_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(worker_pid), "orphan LLM worker left running"
    finally:
        parent.kill()


@pytest.mark.parametrize("rc, words", [(-11, "SIGSEGV"), (-9, "SIGKILL"), (1, "exit status 1")])
def test_exit_statuses_read_as_words(rc, words):
    assert describe_exit(rc) == f"killed by {words}" if rc < 0 else describe_exit(rc) == words
