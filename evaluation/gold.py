"""Gold QA files: load, validate and locate evidence.

A gold file is JSONL, one object a line:
`{"id", "question", "answers": [aliases; [] when unanswerable], "evidence": [{"doc", "quote"}],
"type", "answerable"}`.

Every evidence quote must occur verbatim in its document's text. This module is the one place
a quote is located in its own document: the span(s) are computed here, at load time, from the
document text the index holds, and every metric afterwards works with those spans.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from corpus import Document

# The types of the shipped gold sets; a gold file may use any other non-empty string (reports
# group by whatever type a file uses). Pass `types=GOLD_TYPES` to insist on these.
GOLD_TYPES = (
    "single_fact", "paraphrase", "multi_doc", "conflict", "date", "name_variant", "unanswerable",
)
REQUIRED_FIELDS = ("id", "question", "answers", "evidence", "type", "answerable")


class GoldError(ValueError):
    """A gold file is malformed. `str()` names the file, the line and what to fix."""


@dataclass(frozen=True)
class Evidence:
    """A verbatim quote from one document; `spans` are all its occurrences there."""

    doc_id: str
    quote: str
    spans: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        if not self.quote:
            raise ValueError(f"evidence from {self.doc_id!r} has an empty quote")
        if not self.spans:
            raise ValueError(f"evidence quote {self.quote[:40]!r} has no span in {self.doc_id!r}")
        for s, e in self.spans:
            if not (0 <= s < e) or e - s != len(self.quote):
                raise ValueError(f"evidence span {s}:{e} does not fit quote of length {len(self.quote)}")

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[0][1]

    def overlaps(self, doc_id: str, start: int, end: int) -> bool:
        """True when doc_id[start:end] shares at least one character with this quote."""
        return doc_id == self.doc_id and any(start < e and s < end for s, e in self.spans)

    def to_json(self) -> dict:
        return {"doc": self.doc_id, "quote": self.quote, "spans": [list(s) for s in self.spans]}


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    answers: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    type: str
    answerable: bool

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("gold item has an empty id")
        if not self.question.strip():
            raise ValueError(f"gold item {self.id!r} has an empty question")
        if self.answerable and not self.answers:
            raise ValueError(f"gold item {self.id!r} is answerable but lists no answers")
        if not self.answerable and self.answers:
            raise ValueError(f"gold item {self.id!r} is unanswerable but lists answers {list(self.answers)!r}")


DocumentSource = Callable[[str], "Document | None"] | Mapping[str, Document]


def _lookup(source: DocumentSource) -> Callable[[str], Document | None]:
    if isinstance(source, Mapping):
        return source.get
    return source


def locate(quote: str, text: str) -> tuple[tuple[int, int], ...]:
    """All (start, end) occurrences of `quote` in `text` (exact, case-sensitive)."""
    spans, i = [], text.find(quote)
    while quote and i >= 0:
        spans.append((i, i + len(quote)))
        i = text.find(quote, i + 1)
    return tuple(spans)


def _fail(where: str, message: str) -> GoldError:
    return GoldError(f"{where}: {message}")


def parse_item(obj: object, documents: DocumentSource, where: str = "<item>",
               types: tuple[str, ...] | None = None) -> GoldItem:
    """Validate one gold object and locate its evidence quotes; raises GoldError naming the problem."""
    get = _lookup(documents)
    if not isinstance(obj, dict):
        raise _fail(where, f"expected a JSON object, got {type(obj).__name__}")
    missing = [f for f in REQUIRED_FIELDS if f not in obj]
    if missing:
        raise _fail(where, f"missing field(s) {', '.join(missing)}; every line needs {', '.join(REQUIRED_FIELDS)}")
    item_id = obj["id"]
    if not isinstance(item_id, str) or not item_id:
        raise _fail(where, f"'id' must be a non-empty string, got {item_id!r}")
    where = f"{where} (id {item_id!r})"
    if not isinstance(obj["question"], str):
        raise _fail(where, "'question' must be a string")
    answers = obj["answers"]
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        raise _fail(where, "'answers' must be a list of non-empty strings ([] when unanswerable)")
    if not isinstance(obj["answerable"], bool):
        raise _fail(where, f"'answerable' must be true or false, got {obj['answerable']!r}")
    qtype = obj["type"]
    if not isinstance(qtype, str) or not qtype.strip():
        raise _fail(where, f"'type' must be a non-empty string such as 'single_fact', got {qtype!r}")
    if types is not None and qtype not in types:
        raise _fail(where, f"unknown type {qtype!r}; use one of {', '.join(types)}")
    if not isinstance(obj["evidence"], list):
        raise _fail(where, "'evidence' must be a list of {\"doc\", \"quote\"} objects")
    evidence = []
    for j, ev in enumerate(obj["evidence"], 1):
        if not isinstance(ev, dict) or not isinstance(ev.get("doc"), str) or not isinstance(ev.get("quote"), str):
            raise _fail(where, f"evidence #{j} must be an object with string fields 'doc' and 'quote'")
        if not ev["quote"]:
            raise _fail(where, f"evidence #{j} has an empty quote; copy the supporting text from the article")
        doc = get(ev["doc"])
        if doc is None:
            raise _fail(where, f"evidence #{j} names unknown document {ev['doc']!r}; "
                               "ingest it (`qa ingest`) or fix the doc id")
        spans = locate(ev["quote"], doc.text)
        if not spans:
            raise _fail(where, f"evidence #{j} quote {ev['quote'][:80]!r} does not occur verbatim in "
                               f"document {ev['doc']!r}; copy it exactly (quotes, apostrophes and spaces included)")
        evidence.append(Evidence(ev["doc"], ev["quote"], spans))
    if obj["answerable"] and not evidence:
        raise _fail(where, "answerable item has no evidence; add at least one {\"doc\", \"quote\"}")
    try:
        return GoldItem(item_id, obj["question"], tuple(answers), tuple(evidence), qtype, obj["answerable"])
    except ValueError as exc:
        raise _fail(where, str(exc)) from None


def load_gold(path: str | Path, documents: DocumentSource,
              types: tuple[str, ...] | None = None) -> list[GoldItem]:
    """Load and validate a gold JSONL file. `documents` maps doc id -> Document (or is a
    lookup function, e.g. `NewsIndex.get_document`). Any non-empty string type is accepted
    (reports group by it); pass `types=(...)` to allow only those."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GoldError(f"cannot read gold file {path}: {exc.strerror or exc}") from None
    items: list[GoldItem] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _fail(where, f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        item = parse_item(obj, documents, where, types)
        if item.id in seen:
            raise _fail(where, f"duplicate id {item.id!r} (first on line {seen[item.id]}); ids must be unique")
        seen[item.id] = n
        items.append(item)
    if not items:
        raise GoldError(f"gold file {path} has no items; write one JSON object per line")
    return items
