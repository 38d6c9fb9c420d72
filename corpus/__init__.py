"""Articles and their metadata: the `Document` type and loaders for .txt, .md and .html."""

from .dates import find_dates, parse_date
from .document import Document, validate_doc_id
from .loaders import (
    DEFAULT_MAX_BYTES,
    SUPPORTED_SUFFIXES,
    LoadError,
    LoadResult,
    decode_bytes,
    load_file,
    load_paths,
)
from .manifest import ManifestError, read_manifest

__all__ = [
    "DEFAULT_MAX_BYTES", "SUPPORTED_SUFFIXES", "Document", "LoadError", "LoadResult",
    "ManifestError", "decode_bytes", "find_dates", "load_file", "load_paths", "parse_date",
    "read_manifest", "validate_doc_id",
]
