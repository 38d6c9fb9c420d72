"""Helpers for the UI tests: free loopback ports, live servers (thread or `qa serve`), Chromium."""

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

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, timeout: float = 120.0, proc: subprocess.Popen | None = None,
                 path: str = "/healthz") -> None:
    """Until GET base+path answers 200 (/healthz: the process is up; /readyz: models loaded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {path} answered")
        try:
            if httpx.get(f"{base}{path}", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{base}{path} did not answer 200 within {timeout}s")


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


def start_cli_server(data_dir: Path, log_path: Path, wait: str = "/readyz") -> tuple[subprocess.Popen, str]:
    """`qa --data-dir DATA serve --port N` as a subprocess, once `wait` answers 200 (by default
    /readyz: the models are loaded); returns (process, base URL)."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
    for var in ("QA_DATA_DIR", "QA_CHROMA_URL", "QA_CONFIG", "QA_MODE"):
        env.pop(var, None)
    # `python -m qa.cli`, not the venv's `qa` script: that one imports whichever tree the
    # editable install points at, this one the tree on PYTHONPATH / the working directory
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "--data-dir", str(data_dir), "serve", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(data_dir.parent))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, 180, proc, path=wait)
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
