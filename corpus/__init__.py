"""Articles and their metadata: the `Document` type and loaders for .txt, .md, .html and
bulk exports (JSON Lines, CSV/TSV, Parquet, WARC)."""

from .dates import date_from_url, find_dates, parse_date
from .document import Document, validate_doc_id
from .errors import LoadError, decode_bytes
from .fields import FieldMap, RecordError, derived_doc_id, record_to_document, safe_doc_id
from .loaders import (
    DEFAULT_MAX_BYTES,
    SUPPORTED_SUFFIXES,
    LoadResult,
    estimate_count,
    iter_documents,
    load_file,
    load_paths,
)
from .manifest import ManifestError, read_manifest
from .records import BULK_SUFFIXES

__all__ = [
    "BULK_SUFFIXES", "DEFAULT_MAX_BYTES", "SUPPORTED_SUFFIXES", "Document", "FieldMap", "LoadError",
    "LoadResult", "ManifestError", "RecordError", "date_from_url", "decode_bytes", "derived_doc_id", "estimate_count",
    "find_dates", "iter_documents", "load_file", "load_paths", "parse_date", "read_manifest",
    "record_to_document", "safe_doc_id", "validate_doc_id",
]
