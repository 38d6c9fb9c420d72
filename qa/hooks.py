"""Small checks shared by the entry points (CLI, HTTP API) about optional capabilities."""

from __future__ import annotations

import inspect
from datetime import date


def accepts(fn, name: str) -> bool:
    """Whether callable `fn` takes a keyword argument `name`, e.g. `Assistant.ask(as_of=...)`,
    which a newer answering layer adds; callers then pass it only where it is understood."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def parse_as_of(value) -> str | None:
    """An "as of" date as ISO 'YYYY-MM-DD', or None; ValueError names the bad value."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise ValueError(f"as_of must be a date string like \"2024-06-30\", got {value!r}")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(f"as_of {value!r} is not a date; use YYYY-MM-DD, e.g. 2024-06-30") from None
