"""The shape of the code: imports go one way (corpus <- index <- qa <- (evaluation, ui), bench/
on top), no import cycle between modules anywhere (bench/ included), counting every import:
inside functions and under `if TYPE_CHECKING:` too, since an import moved into a function
hides a cycle without removing it. No module over 400 lines; no subpackage of qa/ over 12
modules. The graph is read from the source with `ast`, so nothing is imported to check it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pyparse import parse

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ["corpus", "index", "qa", "evaluation", "ui", "bench"]
# What each layer may import from the project (itself always allowed).
ALLOWED = {
    "corpus": set(),
    "index": {"corpus"},
    "qa": {"corpus", "index"},
    "evaluation": {"corpus", "index", "qa"},
    "ui": {"corpus", "index", "qa", "evaluation"},
    "bench": {"corpus", "index", "qa", "evaluation", "ui"},
}
MAX_LINES = 400
MAX_SUBPACKAGE_MODULES = 12


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
    tree = parse(path.read_text(encoding="utf-8"))
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
    if module.startswith("bench."):  # scripts import their siblings by bare name: `from scale import x`
        found = {f"bench.{m}" if f"bench.{m}" in known else m for m in found}
    return {m for m in found if m.split(".")[0] in PACKAGES and m in known}


def _graph(top_level_only: bool) -> dict[str, set[str]]:
    mods = _modules()
    return {m: _imports(m, p, top_level_only) - {m} for m, p in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


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


def test_no_import_cycles_counting_imports_inside_functions():
    cycles = _cycles(_graph(top_level_only=False))
    assert not cycles, "modules that import each other (imports inside functions counted):\n" + \
        "\n".join(" <-> ".join(c) for c in cycles)


def test_bench_scripts_are_in_the_graph():
    graph = _graph(top_level_only=False)
    assert "bench.scale" in graph["bench.scale_grow"]  # `from scale import ...`, a bare sibling import


def test_no_qa_subpackage_over_12_modules():
    big = {}
    for d in (REPO / "qa").iterdir():
        if (d / "__init__.py").is_file():
            n = sum(1 for p in d.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
            if n > MAX_SUBPACKAGE_MODULES:
                big[d.name] = n
    top = sum(1 for p in (REPO / "qa").glob("*.py") if p.name != "__init__.py")
    if top > MAX_SUBPACKAGE_MODULES:
        big["qa (top level)"] = top
    assert not big, f"qa packages over {MAX_SUBPACKAGE_MODULES} modules: {big}"


def test_every_qa_subpackage_states_its_job():
    for d in (REPO / "qa").iterdir():
        if (d / "__init__.py").is_file():
            doc = ast.get_docstring(parse((d / "__init__.py").read_text(encoding="utf-8")))
            assert doc and len(doc.splitlines()) == 1, f"qa/{d.name}/__init__.py: one line saying its job"


def test_no_module_over_400_lines():
    long = {str(p.relative_to(REPO)): n for p in _modules().values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_checker_finds_a_planted_cycle_and_layer_breach():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c", "a"}}) == [["a", "b"], ["c", "d"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_checker_sees_an_import_inside_a_function(tmp_path):
    mod = tmp_path / "m.py"
    mod.write_text("def f():\n    from qa import settings\n", encoding="utf-8")
    assert "qa.settings" in _imports("qa.m", mod, top_level_only=False)
    assert "qa.settings" not in _imports("qa.m", mod, top_level_only=True)


@pytest.mark.parametrize("pkg", PACKAGES)
def test_graph_sees_every_package_that_exists(pkg):
    mods = _modules()
    if (REPO / pkg).is_dir():
        assert any(m == pkg or m.startswith(pkg + ".") for m in mods)


def test_the_readme_is_a_guide_and_the_log_lives_in_docs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250, "README.md is a user guide of at most 250 lines"
    assert "docs/measurements.md" in readme and (REPO / "docs" / "measurements.md").is_file()
