"""Loaders for the news benchmarks in ../shared/bench: RealTime QA (corpus subset), MultiHop-RAG
(500-query subset) and RGB en_fact. Files are read in place; each README's dev/test split is
honoured (`split` dev | test | all). Doc ids are the benchmark's ids made safe for the index
(every character outside [A-Za-z0-9._-] becomes '_': `gcs:2022_0:3` -> `gcs_2022_0_3`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from corpus import Document, record_to_document

SPLITS = ("dev", "test", "all")
NOTA = "None of the above"
_UNSAFE = re.compile(r"[^A-Za-z0-9._\-]")


def safe_id(raw: str) -> str:
    return _UNSAFE.sub("_", str(raw))[:200]


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")


def _jsonl(path: Path) -> Iterator[dict]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; is the benchmark folder complete? (see its README)")
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{n}: not valid JSON ({exc.msg})") from None


def _splits(path: Path) -> dict[str, str]:
    """id -> split from a README's splits.tsv (last column); {} when the file is absent."""
    if not path.is_file():
        return {}
    rows = [ln.split("\t") for ln in path.read_text(encoding="utf-8").splitlines()[1:] if ln.strip()]
    return {r[0]: r[-1].strip() for r in rows}


def hashed_split(salt: str, qid: str) -> str:
    """The READMEs' rule: dev when int(sha256(salt + ':' + id)[:8], 16) % 100 < 50."""
    return "dev" if int(hashlib.sha256(f"{salt}:{qid}".encode()).hexdigest()[:8], 16) % 100 < 50 else "test"


def _keep(split: str, part: str) -> bool:
    return split == "all" or split == part


def iso_date(value: str | None) -> str | None:
    """'2022/06/16' or '2023-09-26T17:01:22+00:00' -> '2022-06-16'; None when absent."""
    if not value:
        return None
    m = re.match(r"(\d{4})[/-](\d{2})[/-](\d{2})", value)
    return f"{m[1]}-{m[2]}-{m[3]}" if m else None


# -- RealTime QA ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RTQAQuestion:
    id: str
    question: str
    as_of: str | None
    choices: tuple[str, ...]
    answer_index: int
    answer_text: str
    nota_choices: tuple[str, ...]
    nota_answer_index: int
    evidence_doc: str  # safe id of ev:<qid>
    answer_docs: tuple[str, ...]  # safe ids of docs with answer_text_in_doc for this question
    split: str

    @property
    def nota_is_answer(self) -> bool:
        return self.nota_choices[self.nota_answer_index] == NOTA


def load_realtimeqa(folder: str | Path, split: str = "dev") -> tuple[list[Document], list[RTQAQuestion]]:
    """The corpus subset (every doc: each question's docs are the others' distractors) and the
    `in_corpus_subset` questions of `split`."""
    _check_split(split)
    folder = Path(folder)
    docs, answer_docs = [], {}
    for r in _jsonl(folder / "corpus_subset.jsonl"):
        did = safe_id(r["doc_id"])
        if r.get("text", "").strip():
            # As `qa ingest corpus_subset.jsonl` would read the record: the records carry no
            # date or outlet, so the publication date comes from the URL (or a dateline) and
            # the outlet from the URL's host name.
            docs.append(record_to_document({"id": did, "text": r["text"], "title": r.get("title") or None,
                                            "url": r.get("url") or None}))
        if r.get("answer_text_in_doc"):
            answer_docs.setdefault(r.get("retrieved_for"), []).append(did)
    splits = _splits(folder / "splits.tsv")
    questions = []
    for q in _jsonl(folder / "questions.jsonl"):
        if not q.get("in_corpus_subset"):
            continue
        part = q.get("split") or splits.get(q["id"]) or hashed_split("realtimeqa", q["id"])
        if not _keep(split, part):
            continue
        questions.append(RTQAQuestion(
            q["id"], q["question"], iso_date(q.get("question_date")), tuple(q["choices"]), int(q["answer_index"]),
            q["answer_text"], tuple(q.get("nota_choices") or ()), int(q.get("nota_answer_index", -1)),
            safe_id(f"ev:{q['id']}"), tuple(answer_docs.get(q["id"], ())), part))
    return docs, questions


# -- MultiHop-RAG -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MultiHopQuestion:
    id: str
    question: str
    type: str
    answer: str
    facts: tuple[str, ...]  # safe doc ids of the evidence facts
    split: str

    @property
    def answerable(self) -> bool:
        return self.type != "null_query"


def fact_doc_id(fact_id: str) -> str:
    return safe_id(f"mh_{fact_id}")


def load_multihop(folder: str | Path, split: str = "dev") -> tuple[list[Document], list[MultiHopQuestion]]:
    """The 438 evidence facts as one-sentence documents (title, outlet, date from their article)
    and the queries of `split`."""
    _check_split(split)
    folder = Path(folder)
    docs = [Document(fact_doc_id(f["fact_id"]), f.get("title") or None, f.get("source") or None,
                     iso_date(f.get("published_at")), f["fact"], url=f.get("url"))
            for f in _jsonl(folder / "evidence_facts.jsonl") if f.get("fact", "").strip()]
    splits = _splits(folder / "splits.tsv")
    questions = []
    for q in _jsonl(folder / "queries.jsonl"):
        qid = str(q["id"])
        part = q.get("split") or splits.get(qid) or hashed_split("multihop-rag-subset500", qid)
        if _keep(split, part):
            facts = tuple(fact_doc_id(e["fact_id"]) for e in q.get("evidence_list", []) if e.get("fact_id"))
            questions.append(MultiHopQuestion(qid, q["query"], q.get("question_type") or "unknown",
                                              str(q.get("answer", "")), facts, part))
    return docs, questions


# -- RGB en_fact ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RGBQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    fake_answer: str
    positive: tuple[str, ...]  # doc ids
    positive_wrong: tuple[str, ...]
    negative: tuple[str, ...]
    split: str


def load_rgb(path: str | Path, split: str = "dev") -> tuple[list[Document], list[RGBQuestion]]:
    """Every passage of the `split` queries as a document (`rgb_<id>_pos_<j>`, `_wrong_<j>`,
    `_neg_<j>`); a run restricts each query to its own passages through retrieval filters."""
    _check_split(split)
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    file = folder / "en_fact.json" if path.is_dir() else path
    splits = _splits(folder / "splits.tsv")
    docs, questions = [], []
    for r in _jsonl(file):
        qid = str(r["id"])
        part = splits.get(qid) or hashed_split("rgb-en-fact", qid)
        if not _keep(split, part):
            continue
        groups = {}
        for kind, key in (("pos", "positive"), ("wrong", "positive_wrong"), ("neg", "negative")):
            ids = []
            for j, text in enumerate(r.get(key) or []):
                if isinstance(text, str) and text.strip():
                    did = safe_id(f"rgb_{qid}_{kind}_{j}")
                    docs.append(Document(did, None, None, None, text))  # no title: the query is not one
                    ids.append(did)
            groups[kind] = tuple(ids)
        answers = r["answer"] if isinstance(r["answer"], list) else [r["answer"]]
        answers = tuple(a for a in _flatten(answers) if a.strip())
        questions.append(RGBQuestion(qid, r["query"], answers, str(r.get("fakeanswer", "")), groups["pos"],
                                     groups["wrong"], groups["neg"], part))
    return docs, questions


def _flatten(items) -> Iterator[str]:
    for a in items:
        if isinstance(a, list):
            yield from _flatten(a)
        else:
            yield str(a)
