"""Tiny benchmark folders in each format (written into a temp dir) and a word-overlap assistant
that honours retrieval filters, for the suite's runner, report and gate tests."""

from __future__ import annotations

import json
import re
from pathlib import Path

from corpus import Document
from index import Chunk, ScoredPassage
from qa.types import ABSTAIN_TEXT, Answer, Citation

RTQA_QUESTIONS = [
    # id, question, date, choices, answer index, nota choices, nota answer index, split
    ("q1", "Which country elected a leftist president this week?", "2022/06/23",
     ["Thailand", "Colombia", "Ecuador", "India"], 1, ["Thailand", "Colombia", "Ecuador", "None of the above"], 1, "dev"),
    ("q2", "Which company announced a new electric pickup truck?", "2022/07/01",
     ["Ford", "Toyota", "Honda", "Kia"], 0, ["Toyota", "Honda", "Kia", "None of the above"], 3, "dev"),
    ("q3", "Which city hosted the summit of ocean scientists?", "2022/07/08",
     ["Lisbon", "Oslo", "Cairo", "Lima"], 0, ["Lisbon", "Oslo", "Cairo", "None of the above"], 0, "test"),
]
RTQA_DOCS = [
    ("gcs:q1:0", "q1", "Colombia elected Gustavo Petro, its first leftist president, this week.", True),
    ("gcs:q1:1", "q1", "Markets in Bogota were calm on Monday after the vote.", False),
    ("ev:q1", "q1", "Colombia elected its first leftist president this week, Gustavo Petro.", True),
    ("gcs:q2:0", "q2", "Ford announced a new electric pickup truck called the Lightning.", True),
    ("ev:q2", "q2", "The company Ford announced its electric pickup truck on Tuesday.", True),
    ("gcs:q3:0", "q3", "Lisbon hosted the summit of ocean scientists in July.", True),
    ("ev:q3", "q3", "Ocean scientists met at a summit hosted by Lisbon.", True),
]
MULTIHOP_FACTS = [
    ("f0000", "The Verge", "2023-09-26", "Apple defends its Google search deal in court."),
    ("f0001", "TechCrunch", "2023-10-02", "Google paid Samsung to stay the default search engine."),
    ("f0002", "BBC", "2023-11-05", "The summit on artificial intelligence was held at Bletchley Park."),
]
MULTIHOP_QUERIES = [
    ("0", "Which park held the summit on artificial intelligence?", "inference_query", "Bletchley Park", ["f0002"], "dev"),
    ("1", "Did Google pay Samsung to stay the default search engine?", "comparison_query", "Yes", ["f0001"], "dev"),
    ("2", "What did the mayor of Atlantis say about tides?", "null_query", "Insufficient information.", [], "dev"),
    ("3", "Who defends the Google search deal in court?", "inference_query", "Apple", ["f0000"], "test"),
]
RGB = [
    {"id": 0, "query": "Super Bowl 2021 location", "answer": "Tampa, Florida", "fakeanswer": "Glendale, Arizona",
     "positive": ["The Super Bowl 2021 location was Raymond James Stadium in Tampa, Florida."],
     "positive_wrong": ["The Super Bowl 2021 location was Raymond James Stadium in Glendale, Arizona."],
     "negative": ["Tickets for the game sold out quickly."]},
    {"id": 1, "query": "Winner of the 2010 World Cup", "answer": ["Spain", "Spanish team"], "fakeanswer": "France",
     "positive": ["Spain was the winner of the 2010 World Cup final."],
     "positive_wrong": ["France was the winner of the 2010 World Cup final."],
     "negative": ["The World Cup 2010 was held in South Africa."]},
]
RGB_SPLITS = {"0": "dev", "1": "dev"}


def _jsonl(path: Path, rows) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def write_bench(root: Path) -> Path:
    """A ../shared/bench-like folder with realtimeqa/, multihop-rag-subset500/, rgb-en-fact/."""
    rt = root / "realtimeqa"
    rt.mkdir(parents=True)
    _jsonl(rt / "questions.jsonl", [
        {"id": i, "question": q, "question_date": d, "choices": c, "answer_index": a, "answer_text": c[a],
         "nota_choices": nc, "nota_answer_index": na, "split": s, "in_corpus_subset": True}
        for i, q, d, c, a, nc, na, s in RTQA_QUESTIONS
    ] + [{"id": "q9", "question": "Not in the subset?", "question_date": "2022/01/01", "choices": ["a", "b", "c", "d"],
          "answer_index": 0, "answer_text": "a", "nota_choices": [], "nota_answer_index": -1, "split": "dev",
          "in_corpus_subset": False}])
    _jsonl(rt / "corpus_subset.jsonl", [
        {"doc_id": d, "url": f"https://example.org/{d}", "title": f"Title {d}", "text": t, "retrieved_for": q,
         "answer_text_in_doc": a, "is_gold_evidence": d.startswith("ev:")} for d, q, t, a in RTQA_DOCS])
    (rt / "splits.tsv").write_text("id\tsplit\n" + "".join(f"{r[0]}\t{r[-1]}\n" for r in RTQA_QUESTIONS))
    mh = root / "multihop-rag-subset500"
    mh.mkdir()
    facts = {f: {"fact_id": f, "fact": t, "source": s, "published_at": d + "T10:00:00+00:00", "title": f"T {f}",
                 "url": f"https://example.org/{f}"} for f, s, d, t in MULTIHOP_FACTS}
    _jsonl(mh / "evidence_facts.jsonl", facts.values())
    _jsonl(mh / "queries.jsonl", [{"id": i, "query": q, "question_type": t, "answer": a,
                                   "evidence_list": [facts[f] for f in fs], "split": s}
                                  for i, q, t, a, fs, s in MULTIHOP_QUERIES])
    rg = root / "rgb-en-fact"
    rg.mkdir()
    _jsonl(rg / "en_fact.json", RGB)
    (rg / "splits.tsv").write_text("id\tsplit\n" + "".join(f"{k}\t{v}\n" for k, v in RGB_SPLITS.items()))
    return root


_WORD = re.compile(r"[a-z0-9]+")
STOP = {"the", "a", "of", "which", "what", "who", "did", "to", "in", "this", "its", "was", "week", "about", "say"}


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOP}


class OverlapAssistant:
    """Answers with the document that shares the most words with the question (at least
    `min_overlap`, else abstains), restricted to `filters.doc_ids`; records `as_of`."""

    def __init__(self, docs: list[Document], min_overlap: int = 2, refuse_every: int = 0):
        self.docs = docs
        self.min_overlap = min_overlap
        self.refuse_every = refuse_every  # a planted regression: refuse every n-th question
        self.calls: list[dict] = []

    def ask(self, question, mode=None, k=None, filters=None, as_of=None):
        self.calls.append({"question": question, "as_of": as_of, "filters": filters})
        pool = [d for d in self.docs if not filters or not filters.doc_ids or d.doc_id in filters.doc_ids]
        ranked = sorted(pool, key=lambda d: (-len(words(d.text) & words(question)), d.doc_id))
        passages = [ScoredPassage(Chunk(f"{d.doc_id}:0", d.doc_id, 0, len(d.text), d.text), 1.0) for d in ranked[:k or 8]]
        refuse = self.refuse_every and len(self.calls) % self.refuse_every == 0
        if not ranked or len(words(ranked[0].text) & words(question)) < self.min_overlap or refuse:
            return Answer(question, ABSTAIN_TEXT, [], passages, abstained=True, mode=mode or "quote", latency_s=0.01)
        best = ranked[0]
        return Answer(question, f"{best.text} [1]", [Citation(1, best.doc_id, 0, len(best.text), best.text)],
                      passages, mode=mode or "quote", latency_s=0.01)
