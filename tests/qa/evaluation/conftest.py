"""Make `qa.evaluation` resolve to the package, not to this test folder.

With tests/ on sys.path (pytest's rootdir conftest) and the project installed editable, Python's
path finder takes tests/qa/ as a namespace package `qa`, and then tests/qa/evaluation/ as
`qa.evaluation`. Putting the repository root on sys.path lets the real regular package win.
(The lasting fix is `pythonpath = ["."]` in the pytest settings.)"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))
for _name in [m for m in list(sys.modules) if m == "qa" or m.startswith("qa.evaluation")]:
    if getattr(sys.modules[_name], "__file__", None) is None:  # a namespace stand-in
        del sys.modules[_name]
