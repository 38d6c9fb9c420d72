"""The local GGUF in its own process: llama.cpp's OpenAI-compatible server, supervised.

`LocalLLMServer` runs `python -m llama_cpp.server` (llama-cpp-python[server]) on a loopback
port. The answering process then talks to it through the same OpenAI-compatible client as to
a remote server (qa.llm.adapter.openai_like_llm), so a native crash or an out-of-memory kill
in the model takes down that worker only, never `qa serve`. The worker imports llama.cpp and
its HTTP server and nothing else: no torch, onnxruntime or spaCy run beside the model.

- One thread (the monitor) owns the process: it starts it, health-checks it (GET /v1/models),
  and when it exits restarts it after an exponential backoff (`backoff` .. `max_backoff`
  seconds; reset once it has run `stable_s` seconds). Starting from that one long-lived
  thread matters: PR_SET_PDEATHSIG fires when the *thread* that forked the child ends.
- The worker runs in its own session (killed as a group) with PR_SET_PDEATHSIG=SIGKILL, so it
  dies with the parent even when the parent is killed with SIGKILL; `stop()` (also run at
  exit) ends it with SIGTERM, then SIGKILL.
- `ready` / `unavailable()` say whether a request can go now, and if not, for how long.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref
from dataclasses import dataclass
from pathlib import Path

_live: "weakref.WeakSet[LocalLLMServer]" = weakref.WeakSet()


@dataclass(frozen=True)
class WorkerStatus:
    state: str  # starting | ready | down | stopped
    pid: int | None
    restarts: int  # how many times it was started again after an exit
    last_exit: int | None  # the last exit status (negative: killed by that signal)
    retry_after: float  # seconds until it is expected to answer again (0 when ready)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: stop() and atexit still end it
        pass


def llama_server_command(model_path: str, port: int, *, n_ctx: int, n_threads: int,
                         host: str = "127.0.0.1", python: str | None = None) -> list[str]:
    """The argv of llama-cpp-python's OpenAI-compatible server for one GGUF on the CPU."""
    return [python or sys.executable, "-m", "llama_cpp.server", "--model", str(model_path),
            "--host", host, "--port", str(port), "--n_ctx", str(n_ctx), "--n_batch", "512",
            "--n_threads", str(n_threads), "--n_threads_batch", str(n_threads), "--n_gpu_layers", "0",
            "--model_alias", "local"]


class LocalLLMServer:
    """Supervises one worker process serving the OpenAI API at `url`.

    `command(port) -> argv` builds the worker's command line (tests pass a small fake server);
    `model_path` is only used in messages."""

    def __init__(self, command, *, name: str = "local model", host: str = "127.0.0.1",
                 port: int | None = None, startup_timeout: float = 180.0, backoff: float = 1.0,
                 max_backoff: float = 30.0, stable_s: float = 60.0, health_interval: float = 0.5):
        for key, value in (("startup_timeout", startup_timeout), ("backoff", backoff),
                           ("max_backoff", max_backoff), ("health_interval", health_interval)):
            if value <= 0:
                raise ValueError(f"LocalLLMServer {key} must be > 0, got {value}")
        self.command, self.name, self.host = command, name, host
        self.port = port or free_port(host)
        self.startup_timeout, self.backoff, self.max_backoff = startup_timeout, backoff, max_backoff
        self.stable_s, self.health_interval = stable_s, health_interval
        self.restarts = 0
        self.last_exit: int | None = None
        self.ever_ready = False
        self._proc: subprocess.Popen | None = None
        self._state = "stopped"
        self._next_start = 0.0
        self._started_at = 0.0
        self._delay = backoff
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._log = tempfile.NamedTemporaryFile(prefix="news-qa-llm-", suffix=".log", delete=False)

    # -- public ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def ready(self) -> bool:
        proc = self._proc
        return self._ready.is_set() and proc is not None and proc.poll() is None

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def start(self) -> "LocalLLMServer":
        with self._lock:
            if self._thread is None:
                self._stopping.clear()
                self._thread = threading.Thread(target=self._monitor, name="llm-worker-monitor", daemon=True)
                self._state = "starting"
                self._thread.start()
                _live.add(self)
        return self

    def wait_ready(self, timeout: float) -> bool:
        """True once it answers; False after `timeout`, or as soon as its first start failed
        (it exited before ever answering: a bad model file, a missing package)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._ready.wait(min(0.2, max(0.0, deadline - time.monotonic()))):
                return True
            if not self.ever_ready and self.status().last_exit is not None:
                return False
        return self.ready

    def status(self) -> WorkerStatus:
        """Read from the process itself, so an exit shows before the monitor's next look."""
        proc, state, last_exit = self._proc, self._state, self.last_exit
        if state in ("ready", "starting") and proc is not None and proc.poll() is not None:
            state, last_exit = "down", proc.returncode
        if state == "ready":
            retry = 0.0
        elif state == "down" and self._next_start <= time.monotonic():
            retry = self.backoff + 2.0 * self.health_interval  # its restart is about to be seen
        else:
            retry = max(1.0, self._next_start - time.monotonic() + 2.0)
        return WorkerStatus(state, self.pid, self.restarts, last_exit, round(retry, 1))

    def unavailable(self) -> str:
        """Why a request cannot be sent now, with what to do; '' when ready."""
        s = self.status()
        if s.state == "ready":
            return ""
        if s.state == "stopped":
            return f"the {self.name} worker is stopped; restart `qa serve`, or use --mode quote"
        if s.last_exit is None:
            return (f"the {self.name} is still loading; retry in {s.retry_after:.0f} s, or use quote mode")
        return (f"the {self.name} stopped ({describe_exit(s.last_exit)}) and is restarting "
                f"(restart {s.restarts}); retry in {s.retry_after:.0f} s, or use quote mode")

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = Path(self._log.name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def kill_worker(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the worker (tests and operators); the monitor restarts it."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, sig)
            if sig in (signal.SIGKILL, signal.SIGTERM):
                self._ready.clear()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    pass

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout + 5)
        self._terminate(timeout)
        self._state = "stopped"
        self._ready.clear()
        _live.discard(self)
        try:
            os.unlink(self._log.name)
        except OSError:
            pass

    # -- the monitor thread ------------------------------------------------------------------
    def _spawn(self) -> None:
        self._log.seek(0)
        self._log.truncate()
        self._proc = subprocess.Popen(self.command(self.port), stdin=subprocess.DEVNULL, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True,
                                      preexec_fn=_die_with_parent)
        self._started_at = time.monotonic()
        self._state = "starting"

    def _healthy(self) -> bool:
        try:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(f"{self.url}/models", timeout=2) as resp:
                return resp.status == 200 and "data" in json.loads(resp.read())
        except (OSError, ValueError, urllib.error.URLError):
            return False

    def _monitor(self) -> None:
        self._spawn()
        while not self._stopping.is_set():
            proc = self._proc
            rc = proc.poll() if proc is not None else None
            now = time.monotonic()
            if rc is None:
                if not self._ready.is_set():
                    if self._healthy():
                        self._state = "ready"
                        self.ever_ready = True
                        self._ready.set()
                    elif now - self._started_at > self.startup_timeout:
                        self._terminate(2.0)  # hung while loading: counts as a crash below
                        continue
                elif now - self._started_at > self.stable_s:
                    self._delay = self.backoff
                self._stopping.wait(self.health_interval)
                continue
            self._ready.clear()
            self._state = "down"
            self.last_exit = rc
            delay, self._delay = self._delay, min(self._delay * 2, self.max_backoff)
            self._next_start = now + delay
            if self._stopping.wait(delay):
                break
            self.restarts += 1
            self._spawn()

    def _terminate(self, timeout: float) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


def describe_exit(rc: int | None) -> str:
    if rc is None:
        return "running"
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


def start_llama_server(model_path: str, *, n_ctx: int, n_threads: int, **kwargs) -> LocalLLMServer:
    """A started supervisor for llama.cpp's server over `model_path` (not yet waited for)."""
    name = kwargs.pop("name", f"local model {Path(model_path).name}")
    server = LocalLLMServer(lambda port: llama_server_command(model_path, port, n_ctx=n_ctx, n_threads=n_threads),
                            name=name, **kwargs)
    return server.start()


@atexit.register
def _stop_all() -> None:
    for server in list(_live):
        server.stop(timeout=3.0)


__all__ = ["LocalLLMServer", "WorkerStatus", "describe_exit", "free_port", "llama_server_command",
           "start_llama_server"]
