"""Bulk exports, one article a record: JSON Lines, CSV/TSV, Parquet, and WARC web archives
(their HTML responses, extracted like saved pages). Each reader yields a `Document` or a
`LoadError` per record, so one bad record costs only itself: the error names the file and
the line (or row, or archive record) and says what to do."""

from __future__ import annotations

import csv
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from .document import Document
from .errors import LoadError, decode_bytes
from .fields import FieldMap, RecordError, derived_doc_id, record_to_document
from .html_text import extract_html

JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}
PARQUET_SUFFIXES = (".parquet",)
WARC_SUFFIXES = (".warc", ".warc.gz")
BULK_SUFFIXES = (*JSONL_SUFFIXES, *CSV_SUFFIXES, *PARQUET_SUFFIXES, *WARC_SUFFIXES)


def bulk_kind(path: Path) -> str | None:
    name = path.name.lower()
    for kind, suffixes in (("warc", WARC_SUFFIXES), ("jsonl", JSONL_SUFFIXES),
                           ("csv", tuple(CSV_SUFFIXES)), ("parquet", PARQUET_SUFFIXES)):
        if name.endswith(suffixes):
            return kind
    return None


@lru_cache(maxsize=64)
def _source(path: Path) -> str:
    return str(path.resolve())  # once per file, not once per record (a realpath walk each)


def _one(record: dict, fmap: FieldMap, path: Path, where: str, max_chars: int) -> Document | LoadError:
    try:
        doc = record_to_document(record, fmap, source=_source(path))
    except RecordError as exc:
        return LoadError(path, f"{where}: {exc}")
    if len(doc.text) > max_chars:
        return LoadError(path, f"{where}: text too large ({len(doc.text):,} characters > limit {max_chars:,}); raise max_file_bytes")
    return doc


def read_jsonl(path: Path, fmap: FieldMap, max_chars: int) -> Iterator[Document | LoadError]:
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            where = f"line {n}"
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield LoadError(path, f"{where}: not valid UTF-8 (byte {exc.start}); re-export the file as UTF-8")
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield LoadError(path, f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); "
                                      "JSON Lines needs one complete object per line")
                continue
            yield _one(record, fmap, path, where, max_chars)


def read_csv(path: Path, fmap: FieldMap, max_chars: int) -> Iterator[Document | LoadError]:
    csv.field_size_limit(sys.maxsize)
    delimiter = CSV_SUFFIXES[path.suffix.lower()]
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        first = 2
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield LoadError(path, f"line {reader.line_num}: unreadable CSV ({exc}); the rows before it were read")
                return
            where = f"line {first}" if reader.line_num == first else f"lines {first}-{reader.line_num}"
            first = reader.line_num + 1
            if None in row:
                yield LoadError(path, f"{where}: more fields than the header has; quote fields that contain '{delimiter}'")
                continue
            yield _one(row, fmap, path, where, max_chars)


def read_parquet(path: Path, fmap: FieldMap, max_chars: int) -> Iterator[Document | LoadError]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        yield LoadError(path, "Parquet needs pyarrow: pip install 'news-qa[parquet]'")
        return
    try:
        pf = pq.ParquetFile(path)
        n = 0
        for batch in pf.iter_batches(batch_size=1000):
            for row in batch.to_pylist():
                n += 1
                yield _one(row, fmap, path, f"row {n}", max_chars)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        yield LoadError(path, f"unreadable Parquet ({type(exc).__name__}: {exc}); the rows before it were read")


def _html_charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def read_warc(path: Path, fmap: FieldMap, max_chars: int) -> Iterator[Document | LoadError]:
    """HTML responses (status 200) of a WARC/WARC.gz, extracted with trafilatura; the id is
    derived from the page URL (as for a JSON record without an id)."""
    from warcio.archiveiterator import ArchiveIterator


    n = 0
    truncated = "truncated or corrupt after response record {n} ({why}); the records before it were read"
    with open(path, "rb") as fh:
        try:
            archive = ArchiveIterator(fh)
            for record in archive:
                if record.rec_type != "response":
                    record.content_stream().read()
                    if getattr(record.raw_stream, "limit", 0):
                        yield LoadError(path, truncated.format(n=n, why="a record is cut short"))
                        return
                    continue
                n += 1
                uri = record.rec_headers.get_header("WARC-Target-URI")
                http = record.http_headers
                ctype = (http.get_header("Content-Type") if http else "") or ""
                status = http.get_statuscode() if http else None
                raw = record.content_stream().read()
                if getattr(record.raw_stream, "limit", 0):  # fewer bytes than its Content-Length
                    yield LoadError(path, truncated.format(n=n - 1, why=f"record {n} is cut short"))
                    return
                if "html" in ctype.lower() and status == "200":  # not images, scripts, redirects
                    yield _warc_page(path, f"record {n} ({uri})", raw, ctype, uri, max_chars)
            if archive.offset < fh.seek(0, 2):  # bytes left that form no complete record
                yield LoadError(path, truncated.format(n=n, why="an incomplete record at the end"))
        except Exception as exc:  # warcio: ArchiveLoadFailed, EOFError, zlib errors
            yield LoadError(path, truncated.format(n=n, why=f"{type(exc).__name__}: {exc}"))


def _warc_page(path: Path, where: str, raw: bytes, ctype: str, uri: str | None, max_chars: int) -> Document | LoadError:
    try:
        charset = _html_charset(ctype)
        markup = raw.decode(charset) if charset else decode_bytes(raw, path)
    except (LoadError, LookupError, UnicodeDecodeError) as exc:
        return LoadError(path, f"{where}: undecodable HTML ({exc})")
    article = extract_html(markup, url=uri)
    if not article.text:
        return LoadError(path, f"{where}: no readable article text in the page")
    rec = {"text": article.text, "title": article.title, "outlet": article.outlet,
           "published": article.published, "url": article.url,
           "id": derived_doc_id(article.url, article.text)}
    doc = _one(rec, FieldMap(), path, where, max_chars)
    if isinstance(doc, Document):
        doc.extra["notes"] = {**article.notes, "doc_id": "hash of the URL"}
    return doc


READERS = {"jsonl": read_jsonl, "csv": read_csv, "parquet": read_parquet, "warc": read_warc}


def read_bulk(path: Path, fmap: FieldMap, max_chars: int) -> Iterator[Document | LoadError]:
    kind = bulk_kind(path)
    if kind is None:
        raise ValueError(f"{path} is not a bulk export ({', '.join(BULK_SUFFIXES)})")
    try:
        yield from READERS[kind](path, fmap, max_chars)
    except OSError as exc:
        yield LoadError(path, f"cannot be read ({exc.strerror or exc})")


def count_records(path: Path) -> int | None:
    """A quick count of the articles in a bulk export (for a progress bar), or None when it
    cannot be known without parsing (WARC)."""
    kind = bulk_kind(path)
    try:
        if kind == "jsonl":
            with open(path, "rb") as fh:
                return sum(1 for line in fh if line.strip())
        if kind == "csv":
            with open(path, "rb") as fh:  # lines, not rows: an upper bound when fields span lines
                return max(sum(1 for _ in fh) - 1, 0)
        if kind == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
    except Exception:  # an unreadable file is reported when it is read
        return None
    return None
