"""SQuAD 2.0 as a retrieval-augmented QA benchmark.

Every paragraph becomes a Document (doc id `<title>-<paragraph index>`) in its own collection,
questions go through the assistant, and answers are scored with the official
`evaluate-v2.0.py` rules: SQuAD normalisation, EM and F1 against the best gold answer, an
unanswerable question's gold answer is "" (so only an abstention scores), HasAns/NoAns split.

The CS224N file (../shared/bench/squad-v2-cs224n-dev/) is split by paragraph into dev and test
halves: `dev if int(sha256(f"squad-v2-cs224n-dev:{title}:{paragraph_index}")[:8], 16) % 100 < 50`.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from corpus import Document

from .answers import view
from . import metrics as M
from .files import read_json

SPLIT_SALT = "squad-v2-cs224n-dev"
SPLITS = ("dev", "test", "all")
COLLECTION = "squad_v2"
_UNSAFE = re.compile(r"[^A-Za-z0-9._\-]+")


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answers: tuple[str, ...]  # gold answer texts, [] when impossible
    is_impossible: bool
    doc_id: str  # the paragraph it was asked about
    split: str


def split_of(title: str, paragraph_index: int, salt: str = SPLIT_SALT) -> str:
    h = int(hashlib.sha256(f"{salt}:{title}:{paragraph_index}".encode()).hexdigest()[:8], 16)
    return "dev" if h % 100 < 50 else "test"


def paragraph_doc_id(title: str, paragraph_index: int) -> str:
    slug = _UNSAFE.sub("_", title).strip("._-") or "article"
    return f"{slug[:180]}-{paragraph_index:03d}"


def load_squad(path: str | Path, split: str = "dev",
               corpus: str = "split") -> tuple[list[Document], list[SquadQuestion]]:
    """Paragraphs as Documents (the retrieval corpus) and the questions of `split`. `corpus`
    'split' keeps only that half's paragraphs (the dev half alone has ~320 paragraphs, each a
    distractor for the others' questions); 'all' keeps every paragraph of the file."""
    if corpus not in ("split", "all"):
        raise ValueError(f"unknown SQuAD corpus {corpus!r}; choose split or all")
    if split not in SPLITS:
        raise ValueError(f"unknown SQuAD split {split!r}; choose one of {', '.join(SPLITS)}")
    path = Path(path)
    data = read_json(path, "a SQuAD 2.0 file", "give the path of a SQuAD 2.0 JSON file")
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ValueError(f"{path} has no 'data' list; expected the SQuAD 2.0 format "
                         '{"version", "data": [{"title", "paragraphs": [...]}]}')
    docs: list[Document] = []
    questions: list[SquadQuestion] = []
    for article in data["data"]:
        title = article.get("title") or "article"
        for i, para in enumerate(article.get("paragraphs", [])):
            doc_id = paragraph_doc_id(title, i)
            part = split_of(title, i)
            if corpus == "all" or split in ("all", part):
                docs.append(Document(doc_id=doc_id, title=title.replace("_", " "), outlet="Wikipedia",
                                     published=None, text=para["context"]))
            if split != "all" and part != split:
                continue
            for qa in para.get("qas", []):
                answers = tuple(a["text"] for a in qa.get("answers", []))
                impossible = bool(qa.get("is_impossible", not answers))
                questions.append(SquadQuestion(qa["id"], qa["question"], () if impossible else answers,
                                               impossible, doc_id, part))
    return docs, questions


def ensure_indexed(index: Any, docs: Sequence[Document], progress: bool = True) -> dict:
    """Ingest the paragraphs (incremental: unchanged ones cost nothing). Returns the ingest report."""
    from tqdm import tqdm

    from index.ingest import ingest_documents

    bar = tqdm(total=len(docs), desc="indexing paragraphs", unit="doc", file=sys.stderr,
               disable=not progress, dynamic_ncols=True)

    def tick(i: int, n: int, _doc: str) -> None:
        bar.n = i
        bar.refresh()

    try:
        report = ingest_documents(index, list(docs), progress=tick)
    finally:
        bar.close()
    return report.to_json()


def score(questions: Sequence[SquadQuestion], predictions: dict[str, str]) -> dict:
    """Official SQuAD 2.0 EM/F1 (percentages, as evaluate-v2.0.py prints) with the HasAns/NoAns split."""
    em, f1, has, no = {}, {}, [], []
    for q in questions:
        if q.id not in predictions:
            continue
        pred = predictions[q.id]
        em[q.id] = M.best_exact_match(pred, q.answers)
        f1[q.id] = M.best_f1(pred, q.answers)
        (no if q.is_impossible else has).append(q.id)

    def pct(ids: list[str], table: dict) -> float | None:
        return 100.0 * sum(table[i] for i in ids) / len(ids) if ids else None

    every = has + no
    out = {"exact": pct(every, em), "f1": pct(every, f1), "total": len(every)}
    if has:
        out.update(HasAns_exact=pct(has, em), HasAns_f1=pct(has, f1), HasAns_total=len(has))
    if no:
        out.update(NoAns_exact=pct(no, em), NoAns_f1=pct(no, f1), NoAns_total=len(no))
    return out


def short_prediction(ans: Any) -> str:
    """What SQuAD scores: "" for an abstention, else the answer's short span (`answer_span`),
    else its first cited sentence, else the answer text without markers."""
    v = view(ans)
    if v["abstained"]:
        return ""
    if v["answer_span"]:
        return v["answer_span"]["text"]
    if v["citations"]:
        return v["citations"][0]["text"]
    return v["pred"]


def run_squad(assistant: Any, questions: Sequence[SquadQuestion], mode: str = "quote", *,
              k: int | None = None, limit: int | None = None, progress: bool = True) -> dict:
    """Ask the questions (the first `limit` of them) and score them; also reports how often the
    question's own paragraph was retrieved, the abstention rates and latency."""
    from tqdm import tqdm

    if limit is not None and limit < 1:
        raise ValueError(f"--limit must be >= 1, got {limit}")
    qs = list(questions)[:limit] if limit else list(questions)
    preds: dict[str, str] = {}
    hits, abst_has, abst_no, lat, examples = [], [], [], [], []
    for q in tqdm(qs, desc=f"squad ({mode})", unit="q", file=sys.stderr, disable=not progress,
                  dynamic_ncols=True):
        t0 = time.perf_counter()
        ans = assistant.ask(q.question, mode=mode, k=k)
        lat.append(ans.latency_s or time.perf_counter() - t0)
        preds[q.id] = short_prediction(ans)
        hits.append(any(p.doc_id == q.doc_id for p in ans.passages))
        (abst_no if q.is_impossible else abst_has).append(bool(ans.abstained))
        if len(examples) < 20:
            examples.append({"id": q.id, "question": q.question, "gold": list(q.answers),
                             "prediction": preds[q.id][:300], "abstained": bool(ans.abstained)})
    out = score(qs, preds)
    out["mode"] = mode
    out["paragraph_hit"] = M.mean(float(h) for h in hits)
    out["abstain_rate_HasAns"] = M.mean(float(a) for a in abst_has)
    out["abstain_rate_NoAns"] = M.mean(float(a) for a in abst_no)
    out["latency"] = M.latency_summary(lat)
    out["examples"] = examples
    return out
