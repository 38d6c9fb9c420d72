"""Benchmark data for bench/train_reading.py: SQuAD 2.0 (CS224N dev file) and RealTime QA
(corpus subset, searched with the product's chunker and BM25), SQuAD answer normalisation."""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO.parent / "shared" / "bench"

def norm(s: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    s = s.lower().replace("“", "").replace("”", "").replace("’", "'")
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def f1(pred: str, gold: str) -> float:
    p, g = norm(pred).split(), norm(gold).split()
    if not p or not g:
        return float(p == g)
    common = sum((Counter(p) & Counter(g)).values())
    if not common:
        return 0.0
    pr, rc = common / len(p), common / len(g)
    return 2 * pr * rc / (pr + rc)


def held(qid: str) -> bool:
    return int(hashlib.sha256(f"reading-holdout:{qid}".encode()).hexdigest()[:8], 16) % 100 < 20


# -- SQuAD ------------------------------------------------------------------------------------
def squad_items(split: str, limit: int | None) -> tuple[list[dict], dict[str, str]]:
    root = BENCH / "squad-v2-cs224n-dev"
    splits = {}
    for line in (root / "splits.tsv").read_text().splitlines()[1:]:
        qid, _, _, _, sp = line.split("\t")
        splits[qid] = sp
    data = json.loads((root / "dev-v2.0.json").read_text())["data"]
    items, paragraphs = [], {}
    for art in data:
        for pi, para in enumerate(art["paragraphs"]):
            pid = f"{re.sub(r'[^A-Za-z0-9]+', '_', art['title'])}-{pi:03d}"
            for qa in para["qas"]:
                if splits.get(qa["id"]) != split:
                    continue
                paragraphs[pid] = para["context"]
                items.append({"id": qa["id"], "question": qa["question"], "doc": pid,
                              "answers": [a["text"] for a in qa["answers"]],
                              "answerable": not qa.get("is_impossible", False)})
    items.sort(key=lambda x: hashlib.sha256(x["id"].encode()).hexdigest())
    return (items[:limit] if limit else items), paragraphs


def make_idf(texts: list[str]):
    import math

    from qa.quote import content_terms

    df = Counter(t for x in texts for t in set(content_terms(x)))
    n = len(texts)
    return lambda: (lambda term: math.log(1 + (n - df.get(term, 0) + 0.5) / (df.get(term, 0) + 0.5)))


def passage(doc_id: str, text: str):
    from index import ScoredPassage
    from index.types import Chunk

    return ScoredPassage(Chunk(f"{doc_id}#0", doc_id, 0, len(text), text), 1.0)


# -- RealTime QA ------------------------------------------------------------------------------
def rtqa_items(split: str) -> tuple[list[dict], dict[str, set[str]]]:
    root = BENCH / "realtimeqa"
    items = [json.loads(x) for x in (root / "questions.jsonl").read_text().splitlines() if x.strip()]
    items = [dict(it, answers=[it["answer_text"]]) for it in items if it["in_corpus_subset"] and it["split"] == split]
    with_answer: dict[str, set[str]] = {}
    for line in (root / "corpus_subset.jsonl").read_text().splitlines():
        r = json.loads(line)
        if r.get("answer_text_in_doc") or r.get("is_gold_evidence"):
            with_answer.setdefault(r["retrieved_for"], set()).add(r["doc_id"].replace(":", "_"))
    return items, with_answer


class CorpusBM25:
    """RealTime QA corpus_subset chunked with the product's chunker and searched by its BM25
    (an embedded index of all 2,926 docs is too slow to build on a shared 2-core machine):
    `retrieve(query, k, mode, filters)` like index.Retriever, minus `banned` documents."""

    def __init__(self):
        from index import ScoredPassage
        from index.bm25 import BM25Index
        from qa.settings import IndexSettings
        from index.chunking import SentenceChunker

        s = IndexSettings()
        chunker = SentenceChunker(s.chunk_sentences, s.chunk_overlap, s.chunk_max_chars)
        self.bm25, self.chunks, self.titles, self.banned = BM25Index(), {}, {}, set()
        self._passage = ScoredPassage
        for line in (BENCH / "realtimeqa" / "corpus_subset.jsonl").read_text().splitlines():
            r = json.loads(line)
            if not r.get("text", "").strip():
                continue
            doc_id = r["doc_id"].replace(":", "_")
            self.titles[doc_id] = r.get("title") or None
            for c in chunker.chunk_text(doc_id, r["text"]):
                self.chunks[c.chunk_id] = c
                self.bm25.add(c.chunk_id, doc_id, c.text)

    def idf_source(self):
        bm25 = self.bm25
        n = len(bm25)

        def idf(term: str) -> float:
            import math
            df = len(bm25._postings.get(term, ()))
            return math.log(1 + (n - df + 0.5) / (df + 0.5))
        return lambda: idf

    def retrieve(self, query, k=10, mode="hybrid", filters=None):
        out, per_doc = [], Counter()
        for cid, score in self.bm25.search(query, 4 * k + 20):
            c = self.chunks[cid]
            if c.doc_id in self.banned or per_doc[c.doc_id] >= 2:
                continue
            per_doc[c.doc_id] += 1
            out.append(self._passage(c, score, title=self.titles.get(c.doc_id)))
            if len(out) == k:
                break
        return out


def has_answer(passages: list, answer: str) -> bool:
    a = norm(answer)
    return bool(a) and any(a in norm(p.text) for p in passages)
