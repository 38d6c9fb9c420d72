"""The metadata manifest: `manifest.json` beside the article files.

Format::

    {"documents": {"FILE_NAME": {"doc_id": optional, "title": ..., "outlet": ...,
                                 "published": "YYYY-MM-DD" or null, "url": ... or null}}}

Keys are file names (with extension). Unknown fields are kept in `Document.extra`.
"""

from __future__ import annotations

import json
from pathlib import Path

from .document import validate_doc_id, validate_published

MANIFEST_NAME = "manifest.json"
KNOWN_FIELDS = ("doc_id", "title", "outlet", "published", "url")


class ManifestError(ValueError):
    """The manifest file is malformed."""


def read_manifest(directory: Path) -> dict[str, dict]:
    """Read `directory/manifest.json` if it exists; return {file name: entry}."""
    path = Path(directory) / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: not valid UTF-8 JSON ({exc}); fix or remove the file") from None
    docs = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(docs, dict):
        raise ManifestError(f'{path}: expected an object {{"documents": {{FILE_NAME: {{...}}}}}}')
    entries: dict[str, dict] = {}
    for name, entry in docs.items():
        if not isinstance(entry, dict):
            raise ManifestError(f"{path}: entry {name!r} must be an object")
        try:
            if entry.get("doc_id") is not None:
                validate_doc_id(entry["doc_id"])
            validate_published(entry.get("published"))
        except ValueError as exc:
            raise ManifestError(f"{path}: entry {name!r}: {exc}") from None
        entries[name] = entry
    return entries
