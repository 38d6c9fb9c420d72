"""The shape of the code: imports go one way (corpus <- index <- qa <- ui, with evaluation
beside ui), no import cycles between modules, even inside a package, and no module over 400
lines. The graph is read from the source with `ast`, so nothing is imported to check it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ["corpus", "index", "qa", "evaluation", "ui"]
# What each layer may import from the project (itself always allowed).
ALLOWED = {
    "corpus": set(),
    "index": {"corpus"},
    "qa": {"corpus", "index"},
    "evaluation": {"corpus", "index", "qa"},
    "ui": {"corpus", "index", "qa", "evaluation"},
}
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        root = REPO / pkg
        if not root.is_dir():
            continue
        for path in root.rglob("*.py"):
            rel = path.relative_to(REPO).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, path: Path, top_level_only: bool) -> set[str]:
    """Project modules imported by `module` (for `from X import name`, X.name when that is a
    module, else X). With `top_level_only`, imports inside functions are left out."""
    known = _modules()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()

    def visit(node):
        if isinstance(node, ast.Import):
            for a in node.names:
                found.add(a.name)
        elif isinstance(node, ast.ImportFrom):
            src = _resolve(module, path, node)
            for a in node.names:
                found.add(f"{src}.{a.name}" if f"{src}.{a.name}" in known else src)
        elif top_level_only and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return  # imported for annotations only, never at load time
        elif top_level_only and isinstance(node, (ast.If, ast.Try)):
            for child in ast.iter_child_nodes(node):
                visit(child)
            for h in getattr(node, "handlers", []):
                for child in h.body:
                    visit(child)

    for n in nodes:
        visit(n)
    return {m for m in found if m.split(".")[0] in PACKAGES and m in known}


def _graph(top_level_only: bool) -> dict[str, set[str]]:
    mods = _modules()
    return {m: _imports(m, p, top_level_only) - {m} for m, p in mods.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = dfs(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = dfs(n)
            if found:
                return found
    return None


def test_layers_import_one_way():
    bad = []
    for mod, deps in _graph(top_level_only=False).items():
        layer = mod.split(".")[0]
        for d in deps:
            other = d.split(".")[0]
            if other != layer and other not in ALLOWED[layer]:
                bad.append(f"{mod} imports {d}")
    assert not bad, "imports against the layer order corpus <- index <- qa <- ui:\n" + "\n".join(sorted(bad))


def test_no_import_cycles_at_load_time():
    cycle = _cycle(_graph(top_level_only=True))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_module_over_400_lines():
    long = {str(p.relative_to(REPO)): n for p in _modules().values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_checker_finds_a_planted_cycle_and_layer_breach():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("pkg", PACKAGES)
def test_graph_sees_every_package_that_exists(pkg):
    mods = _modules()
    if (REPO / pkg).is_dir():
        assert pkg in mods
