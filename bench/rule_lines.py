"""Count hand-written rule lines: code lines (not blank, not comment-only, not docstrings) of
the rule modules at a git commit, so before/after counts are reproducible.

    python bench/rule_lines.py [COMMIT] [FILE ...]

Default files: the refusal gate and answering rules named in issue #11 (qa/evidence/gate.py,
qa/slots.py, qa/answer/quote.py, qa/question/dates.py, qa/check/conflicts.py) plus the name/claim rules of
qa/question/followup.py and qa/check/claims.py."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tokenize

RULE_FILES = ("qa/evidence/gate.py", "qa/slots.py", "qa/answer/quote.py", "qa/question/dates.py", "qa/check/conflicts.py",
              "qa/question/followup.py", "qa/check/claims.py")
_SKIP = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)


def code_lines(src: str) -> int:
    """Lines holding code, docstrings excluded."""
    doc: set[int] = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                doc.update(range(first.lineno, first.end_lineno + 1))
    code: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type not in _SKIP:
            code.update(range(tok.start[0], tok.end[0] + 1))
    return len(code - doc)


def main() -> None:
    commit = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    files = sys.argv[2:] or list(RULE_FILES)
    total = 0
    for f in files:
        shown = subprocess.run(["git", "show", f"{commit}:{f}"], capture_output=True, text=True)
        n = code_lines(shown.stdout) if shown.returncode == 0 else 0
        total += n
        print(f"{f}\t{n}")
    print(f"total\t{total}")


if __name__ == "__main__":
    main()
