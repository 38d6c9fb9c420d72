"""Pydantic request and response models of the HTTP API, so /api/docs shows the real schema,
and the translation of validation errors into one plain sentence per problem.

Responses allow extra fields: the answer JSON grows (answer_span, verdict, ...) without the
API dropping what the answering layer adds.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

ASK_EXAMPLE = '{"question": "Who met in Moscow?", "mode": "quote"}'
MAX_K = 50


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class FiltersIn(_Strict):
    outlets: list[StrictStr] | StrictStr | None = Field(None, description="only these outlets")
    doc_ids: list[StrictStr] | StrictStr | None = Field(None, description="only these documents")
    date_from: StrictStr | None = Field(None, description="published on or after, YYYY-MM-DD")
    date_to: StrictStr | None = Field(None, description="published on or before, YYYY-MM-DD")


class Message(_Strict):
    role: Literal["user", "assistant", "system"]
    content: StrictStr
    # an assistant turn's cited articles and short answer, as the answer returned them: a
    # follow-up ("When was that?") is then answered from the same articles
    doc_ids: list[StrictStr] | None = Field(None, description="assistant turns: the cited doc ids")
    answer_span: StrictStr | None = Field(None, description="assistant turns: the short answer")


class AskRequest(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"question": "Who did the Hamas delegation meet in Moscow?", "mode": "quote"}]})

    question: StrictStr = Field(..., description="the question, in plain language")
    mode: Literal["quote", "llm"] | None = Field(None, description="default: the server's answer_mode")
    k: StrictInt | None = Field(None, ge=1, le=MAX_K, description="passages to retrieve")
    filters: FiltersIn | None = None
    history: list[Message] | None = Field(None, description="earlier turns, for follow-ups")
    as_of: date | None = Field(None, description="answer as of this date (YYYY-MM-DD)")


class AnswerSpan(_Open):
    """doc.text[start:end] == text."""

    doc_id: str
    start: int
    end: int
    text: str


class _Sourced(AnswerSpan):
    title: str | None = None
    outlet: str | None = None
    published: str | None = None


class CitationOut(_Sourced):
    marker: int
    label: str | None = Field(None, description='"MEMRI · 19 Jan 2024 · Hamas delegation visits…"')
    also_published_by: list[str] = Field(
        default_factory=list, description="outlets of the story's other (syndicated) copies; it is cited once")
    copies: list[str] = Field(default_factory=list, description="document ids of those copies")


class PassageOut(_Sourced):
    score: float


class Verdict(_Open):
    answerable: bool
    kind: str | None = Field(None, description="answered, conflict, not_stated, off_topic or no_index")
    reason: str | None = Field(None, description="the same in plain words, e.g. 'answered from 2 articles'")
    score: float | None = None
    features: dict[str, float] = Field(default_factory=dict, description="the numbers behind the verdict")


class SupportOut(_Open):
    marker: int
    doc_id: str
    start: int
    end: int
    text: str


class SentenceOut(_Open):
    start: int = Field(description="answer[start:end] is the sentence, as it was streamed")
    end: int
    text: str
    status: str = Field(description="supported, unsupported or 'not a claim' (a remark or a refusal)")
    reason: str | None = Field(None, description="why it is unsupported, in plain words")
    markers: list[int] = Field(default_factory=list, description="the citations that support it")
    support: list[SupportOut] = Field(default_factory=list, description="the exact source span of each")


class AskResponse(_Open):
    question: str
    answer: str
    abstained: bool
    mode: str
    citations: list[CitationOut]
    passages: list[PassageOut]
    conflicts: list[dict]
    unsupported: list[str]
    standalone_question: str | None = None
    latency_s: float
    timings: dict[str, float] = {}
    fallback: str | None = None
    fallback_reason: str | None = None
    fallback_start: int | None = Field(None, description="where the fallback quotes begin in answer")
    sentences: list[SentenceOut] = Field(default_factory=list, description="llm mode: each generated "
                                         "sentence's verdict from the claim check")
    answer_span: AnswerSpan | None = None
    verdict: Verdict | None = None


class DocumentSummary(_Open):
    doc_id: str
    title: str | None = None
    headline: str | None = Field(None, description="the title, else the article's first line")
    outlet: str | None = None
    published: str | None = None
    chunks: int
    source: str | None = None
    duplicates: list[str] = []


class DocumentList(BaseModel):
    documents: list[DocumentSummary]
    count: int


class DocumentFull(_Open):
    doc_id: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    chunks: int | None = None
    source: str | None = None
    text: str


class Deleted(BaseModel):
    deleted: str
    upload_file_removed: bool


class UploadFileResult(_Open):
    filename: str
    ok: bool
    doc_id: str | None = None
    status: str | None = None
    chunks: int | None = None
    error: str | None = None
    conflict: bool | None = None


class UploadReportOut(_Open):
    ok: bool
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    files: list[UploadFileResult]
    errors: list[dict]


class ErrorOut(BaseModel):
    error: str = Field(..., description="what was wrong and what to do")


ERRORS = {code: {"model": ErrorOut} for code in (400, 404, 409, 413, 422, 503)}

UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                  "description": ".txt/.md/.html articles, or .jsonl/.csv/.tsv/.warc/.warc.gz bulk files"},
        "replace": {"type": "boolean", "default": False,
                    "description": "overwrite documents whose id exists (else 409)"},
        "title": {"type": "string"}, "outlet": {"type": "string"},
        "published": {"type": "string", "description": "YYYY-MM-DD"}, "url": {"type": "string"},
    }}}}}}


def _field(loc) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts)


def describe(errors: list[dict]) -> str:
    """Pydantic/FastAPI validation errors as plain sentences that name the field and the fix."""
    out = []
    for e in errors:
        kind, name, value = e.get("type", ""), _field(e.get("loc", ())), e.get("input")
        if kind == "json_invalid":
            out.append(f"the request body is not valid JSON; send a JSON object like {ASK_EXAMPLE}")
        elif kind == "missing" and not name:
            out.append(f"the request body is empty; send a JSON object like {ASK_EXAMPLE}")
        elif kind in ("model_attributes_type", "dict_type", "model_type") and not name:
            out.append(f"the request body must be a JSON object like {ASK_EXAMPLE}")
        elif kind == "missing":
            out.append(f"{name} is missing" + ("; send {\"question\": \"your question\"}" if name == "question" else ""))
        elif kind == "extra_forbidden" and name.startswith("filters."):
            out.append(f"unknown filter {name[8:]!r}; use outlets, doc_ids, date_from, date_to")
        elif kind == "extra_forbidden" and "." not in name:
            out.append(f"unknown field {name!r}; use question, mode, k, filters, history, as_of")
        elif kind == "string_type" and value is None:
            out.append(f"{name} is missing (null)" + ("; send {\"question\": \"your question\"}" if name == "question" else ""))
        elif kind == "string_type":
            out.append(f"{name} must be a string, got {type(value).__name__}")
        elif name == "mode":
            out.append(f"unknown mode {value!r}; use one of quote, llm")
        elif name == "k":
            out.append(f"k must be an integer from 1 to {MAX_K}, got {value!r}")
        elif name.startswith("history"):
            out.append('history must be a list of {"role": "user"|"assistant", "content": "..."} '
                       f"({name}: {e.get('msg')})")
        elif name.startswith("filters"):
            out.append(f"bad filter {name}: {e.get('msg')}")
        elif name == "as_of":
            out.append(f"as_of {value!r} is not a date; use YYYY-MM-DD, e.g. 2024-06-30")
        else:
            out.append(f"{name or 'body'}: {e.get('msg')}")
    return "; ".join(dict.fromkeys(out)) or "invalid request; see /api/docs for the expected input"
