"""bench/rule_lines.py finds rule lines by what they are and refuses a file that is not there."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import rule_lines  # noqa: E402

SRC = '''"""A module. It says "who what when" in its docstring, which is no rule."""
import re

MONTHS = ("january", "february", "march")
MODES = ("dense", "bm25")
ASKS = re.compile(r"\\bhow (many|much)\\b")
OUT = {"who": value, "what": other, "when": third}


def near(a, b, cutoff=0.7, depth=12):
    return a[:10] if a > 5 else b
'''


def test_each_kind_is_found_and_nothing_else():
    found = rule_lines.rule_lines(SRC)
    assert found["word list"] == {4}  # not the docstring, not 'bm25', not a JSON-like record
    assert found["regex over words"] == {6}
    assert found["numeric threshold"] == {10, 11}


def test_a_missing_file_is_an_error_not_a_zero():
    with pytest.raises(SystemExit, match="does not exist"):
        rule_lines.main(["HEAD", "--files", "qa/no_such_module.py"])
