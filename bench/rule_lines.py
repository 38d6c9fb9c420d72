"""Count hand-written rule lines at a git commit: the code lines (not blank, comment-only or
docstring) that hold a rule, found by what they are, in every product package, so before/after
counts are reproducible and no rule hides in a module nobody listed.

    python bench/rule_lines.py [COMMIT] [--files PATH ...] [--by-file] [--show]

A line holds a rule when it is part of
- a word list: a list, tuple or set of three or more string literals, or the keys of a dict
  of three or more whose values are all literals, or a literal of three or more words that
  is `.split()`, where every string is a lower-case English word (one spaCy's English
  vocabulary knows: 'who', 'today', 'percent'; not 'bm25' or 'not_stated'). Enumerations of
  options made of English words ('gate', 'score', 'reader') are counted too: the check is
  by form, not by intent;
- a regex over words: a pattern (the first argument of a `re` function, or a string with
  regex syntax such as \\b, (?:, (?i), \\s or \\d) that spells out a word of three or more
  letters;
- a numeric threshold outside settings: a float literal other than 0.0 and 1.0, or an
  integer other than -1, 0, 1 and 2 in a comparison, a default argument or a slice bound.
  qa/settings.py is where thresholds belong, so it is not counted.

Packages: corpus, index, qa, evaluation, ui (bench/ and tests/ are not the product). With
--files, exactly those files are counted, and a file missing at COMMIT is an error. Besides
the rule lines, the code lines of the modules holding any rule are reported: the measure
the previous version of this script used (whole files, of a fixed list of seven)."""

from __future__ import annotations

import argparse
import ast
import io
import re
import subprocess
import sys
import tokenize
from collections import Counter

PACKAGES = ("corpus", "index", "qa", "evaluation", "ui")
NOT_COUNTED = {"qa/settings.py"}  # the settings: thresholds live there by design
KINDS = ("word list", "regex over words", "numeric threshold")
_SKIP = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
_WORD = re.compile(r"^[a-z][a-z’'\-]*$")
_VOCAB: set[str] | None = None


def _vocab():
    global _VOCAB
    if _VOCAB is None:
        from qa.nlp import spacy_pipeline

        _VOCAB = spacy_pipeline().vocab.strings
    return _VOCAB
_REGEX_SYNTAX = re.compile(r"\\b|\(\?[:i!=<]|\\s|\\d|\\w")
_RE_FUNCS = {"compile", "search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "split"}
_ESCAPES = re.compile(r"\\[A-Za-z]|\(\?[A-Za-z]+\)|\[[^\]]*\]|\{[^}]*\}")


def code_lines(src: str) -> set[int]:
    """Lines holding code, docstrings excluded."""
    tree = ast.parse(src)
    doc: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                doc.update(range(first.lineno, first.end_lineno + 1))
    code: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type not in _SKIP:
            code.update(range(tok.start[0], tok.end[0] + 1))
    return code - doc


def _is_word(s) -> bool:
    return isinstance(s, str) and len(s) >= 2 and bool(_WORD.match(s)) and s in _vocab()


def _strings(node) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    if isinstance(node, ast.BinOp):
        return _strings(node.left) + _strings(node.right)
    return []


def _word_list(node) -> bool:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        elts = node.elts
    elif isinstance(node, ast.Dict):
        if not all(isinstance(v, (ast.Constant, ast.Tuple, ast.List, ast.Set)) for v in node.values):
            return False  # a record built from values (a JSON object), not a table of words
        elts = [k for k in node.keys if k is not None]
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "split"
          and not node.args and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)):
        split = node.func.value.value.split()
        return len(split) >= 3 and all(map(_is_word, split))
    else:
        return False
    vals = [e.value for e in elts if isinstance(e, ast.Constant)]
    return len(elts) >= 3 and len(vals) == len(elts) and all(map(_is_word, vals))


def _spells_words(pattern: str) -> bool:
    return bool(re.search(r"[A-Za-z]{3,}", _ESCAPES.sub(" ", pattern)))


def _regex_nodes(tree) -> list[ast.AST]:
    out = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RE_FUNCS
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re" and node.args):
            if any(_spells_words(s) for s in _strings(node.args[0])):
                out.append(node.args[0])
        elif isinstance(node, (ast.Constant, ast.JoinedStr)):
            parts = _strings(node)
            if any(_REGEX_SYNTAX.search(s) for s in parts) and any(_spells_words(s) for s in parts):
                out.append(node)
    return out


def _number(node) -> bool:
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return False
    if isinstance(node.value, float):
        return node.value not in (0.0, 1.0)
    return isinstance(node.value, int) and node.value not in (-1, 0, 1, 2)


def _threshold_nodes(tree) -> list[ast.AST]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, float) and _number(node):
            out.append(node)  # every float other than 0.0 and 1.0
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _number(node.operand):
            continue
        elif isinstance(node, ast.Compare):
            out += [n for n in [node.left, *node.comparators] if _number(n) and isinstance(n.value, int)]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            out += [d for d in [*node.args.defaults, *node.args.kw_defaults]
                    if d is not None and _number(d) and isinstance(d.value, int)]
        elif isinstance(node, ast.Slice):
            out += [b for b in (node.lower, node.upper) if b is not None and _number(b) and isinstance(b.value, int)]
    return out


def rule_lines(src: str) -> dict[str, set[int]]:
    """Kind -> the code lines of `src` holding a rule of that kind."""
    tree = ast.parse(src)
    code = code_lines(src)
    exported = {i for n in ast.walk(tree) if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)
                for i in range(n.lineno, n.end_lineno + 1)}
    code -= exported

    def lines(nodes) -> set[int]:
        return {i for n in nodes for i in range(n.lineno, n.end_lineno + 1)} & code

    return {
        "word list": lines([n for n in ast.walk(tree) if _word_list(n)]),
        "regex over words": lines(_regex_nodes(tree)),
        "numeric threshold": lines(_threshold_nodes(tree)),
    }


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], capture_output=True, text=True)


def product_files(commit: str) -> list[str]:
    listed = _git("ls-tree", "-r", "--name-only", commit, "--", *PACKAGES)
    if listed.returncode != 0:
        raise SystemExit(f"error: cannot list files at {commit}: {listed.stderr.strip()}")
    return sorted(f for f in listed.stdout.split() if f.endswith(".py") and f not in NOT_COUNTED)


def count(commit: str, files: list[str]) -> dict[str, tuple[dict[str, set[int]], int]]:
    """File -> (kind -> rule lines, the file's code lines)."""
    out = {}
    for f in files:
        shown = _git("show", f"{commit}:{f}")
        if shown.returncode != 0:
            raise SystemExit(f"error: {f} does not exist at {commit}; pass files that do (or none: every "
                             f"product module is counted)")
        out[f] = (rule_lines(shown.stdout), len(code_lines(shown.stdout)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("commit", nargs="?", default="HEAD")
    ap.add_argument("--files", nargs="+", help="count exactly these files (default: every product module)")
    ap.add_argument("--by-file", action="store_true", help="one line per file with rules")
    ap.add_argument("--show", action="store_true", help="print each rule line")
    args = ap.parse_args(argv)
    files = args.files or product_files(args.commit)
    found = count(args.commit, files)
    per_kind: Counter = Counter()
    per_pkg: Counter = Counter()
    total = holding = 0
    for f, (kinds, n_code) in found.items():
        every = set().union(*kinds.values())
        total += len(every)
        holding += n_code if every else 0
        per_pkg[f.split("/")[0]] += len(every)
        for k, ls in kinds.items():
            per_kind[k] += len(ls)
        if args.by_file and every:
            print(f"{f}\t{len(every)}\t" + "\t".join(f"{k}={len(kinds[k])}" for k in KINDS))
        if args.show and every:
            src = _git("show", f"{args.commit}:{f}").stdout.splitlines()
            for i in sorted(every):
                print(f"{f}:{i}: {src[i - 1].strip()[:120]}")
    print(f"commit {args.commit}: {len(files)} files; rule lines {total} "
          f"({', '.join(f'{k} {per_kind[k]}' for k in KINDS)}; a line may be of two kinds)")
    print("by package: " + ", ".join(f"{p} {per_pkg[p]}" for p in PACKAGES if per_pkg[p]))
    print(f"code lines of the {sum(1 for k, _ in found.values() if any(k.values()))} modules holding rules: {holding}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
