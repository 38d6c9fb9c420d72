"""Wall time of one `qa ask` as a user feels it: a fresh process each time (cold: imports and
model loads included), and with --server against a running `qa serve` (warm).

  python bench/cli_startup.py --data-dir DATA [--runs 3] [--code DIR ...]

DATA must hold an index built with the default model (`qa --data-dir DATA ingest corpus`).
Each --code DIR (a checkout) is measured in the same run, in turn, so ratios compare like with
like on a shared machine. Prints one JSON line per (code, way) with min / median seconds, and
whether stderr showed a progress bar.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

QUESTION = "Who did the Hamas delegation meet in Moscow?"
MAIN = "import sys; sys.argv[0] = 'qa'; from qa.cli.main import main; main()"


def _env(code: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("QA_SERVER", None)
    return env


def run_once(code: Path, args: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", MAIN, *args], env=_env(code), capture_output=True,
                          text=True, cwd=str(code))
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"qa {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return took, proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(code: Path, data: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", MAIN, "--data-dir", data, "serve", "--port", str(port)],
                            env=_env(code), cwd=str(code), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            # one question first, so the server's models are loaded (what "a running qa serve" means)
            req = urllib.request.Request(base + "/api/ask", data=json.dumps({"question": QUESTION}).encode(),
                                         headers={"content-type": "application/json"})
            urllib.request.urlopen(req, timeout=300).read()
            return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("qa serve did not start")


def measure(code: Path, way: str, args: list[str], runs: int) -> dict:
    times, bars = [], False
    for _ in range(runs):
        took, err = run_once(code, args)
        times.append(took)
        bars = bars or "Loading weights" in err or "it/s]" in err
    return {"code": str(code), "way": way, "runs": runs, "min_s": round(min(times), 3),
            "median_s": round(statistics.median(times), 3), "progress_bar_on_stderr": bars}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--code", action="append", type=Path, help="checkouts to compare (default: this one)")
    args = ap.parse_args()
    codes = args.code or [Path(__file__).resolve().parents[1]]
    for code in codes:
        print(json.dumps(measure(code, "cold", ["--data-dir", args.data_dir, "ask", QUESTION], args.runs)), flush=True)
    for code in codes:
        ask = next((f for f in (code / "qa" / "cli" / "ask.py", code / "qa" / "ask_cli.py") if f.is_file()), None)
        if ask is None or "--server" not in ask.read_text():
            continue
        proc, base = start_server(code, args.data_dir)
        try:
            print(json.dumps(measure(code, "server", ["ask", QUESTION, "--server", base], args.runs)), flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
