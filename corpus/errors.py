"""`LoadError` (one line naming the file, or record, that could not be loaded, and why) and
the byte decoding every loader shares."""

from __future__ import annotations

from pathlib import Path


class LoadError(Exception):
    """A file or record could not be turned into a Document. `str()` is one line."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def decode_bytes(raw: bytes, path: Path | str = "<bytes>") -> str:
    """Decode UTF-8 (BOM stripped), falling back to Windows-1252; refuse binary data."""
    if b"\x00" in raw[:8192]:
        raise LoadError(path, "looks binary (contains NUL bytes); only text, Markdown or HTML files can be ingested")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise LoadError(
                path, "is neither valid UTF-8 nor Windows-1252 text; re-save it as UTF-8"
            ) from None
    sample = text[:8192]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\n\r\f\v")
    if sample and controls / len(sample) > 0.05:
        raise LoadError(path, "looks binary (many control characters); only text, Markdown or HTML files can be ingested")
    return text
