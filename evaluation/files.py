"""Reading the JSON files evaluation works with, with one clear error for each way it fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_json(path: str | Path, what: str, hint: str) -> Any:
    """The parsed JSON at `path`; ValueError naming the file, `what` it should be and `hint`
    (what to do) when it cannot be read or parsed."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {what} {path}: {exc.strerror or exc}; {hint}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc.msg}, line {exc.lineno}); expected {what}; {hint}") from None
