"""`parse(source)`: ast.parse that survives a CPython 3.11.7 bug. Its AST constructor keeps
one recursion counter per interpreter, not per thread, so a parse that overlaps another
thread's (a daemon thread an earlier test left: seen only in full runs, on a different file
each time) fails with "AST constructor recursion depth mismatch" (gh-106905, fixed in later
releases). The parse runs in a fresh thread and is tried again after such a failure; the
source and the tree are untouched by it."""

from __future__ import annotations

import ast
import time
from concurrent.futures import ThreadPoolExecutor


def parse(source: str, tries: int = 5) -> ast.AST:
    for attempt in range(tries):
        try:
            with ThreadPoolExecutor(1) as pool:
                return pool.submit(ast.parse, source).result()
        except SystemError as e:
            if "recursion depth mismatch" not in str(e) or attempt == tries - 1:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")
