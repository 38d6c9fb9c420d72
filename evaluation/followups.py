"""Follow-up conversations: does a follow-up ('When was that?') stay on the thread of the
conversation, and is it answered right?

A follow-up gold file is JSON Lines, one conversation a line:

    {"id": "...", "corpus": "seed" | "realtimeqa", "split": "dev" | "test", "as_of": "YYYY-MM-DD"?,
     "turns": [{"question": "...", "answers": ["alias", ...], "docs": ["doc id" | "rtqa:<qid>", ...],
                "standalone": "the expected rewrite"?, "keys": ["Hamas|Marzouk", ...]?}, ...]}

`docs` are the articles the turn is about (its thread); `rtqa:<qid>` stands for every RealTime QA
document retrieved for that question (its evidence paragraph `ev_<qid>` and its search results
`gcs_<qid>_<rank>`). `keys`: what the standalone rewrite must name (each item: alternatives
joined by '|'). Each conversation is asked turn by turn through `Assistant.conversation()`,
each turn seeing the system's own earlier answers, as a user would.

Per follow-up (every turn after the first): `resolved` (its citations, or when it cites nothing
its first retrieved passage, lie in the turn's docs), `keys` (the rewrite names every key),
`correct` (not refused and the answer holds an alias) and the server time (`Answer.latency_s`).
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from . import metrics as M

RTQA_PREFIX = "rtqa:"
DISTRACTOR_QUESTIONS = 30  # other RealTime QA questions whose documents are indexed beside the threads'


class FollowupError(ValueError):
    """A follow-up file is malformed; the message names the line and field."""


@dataclass(frozen=True)
class FollowTurn:
    question: str
    answers: tuple[str, ...]
    docs: tuple[str, ...]
    standalone: str | None = None
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class FollowConversation:
    id: str
    corpus: str
    split: str
    turns: tuple[FollowTurn, ...]
    as_of: str | None = None

    def rtqa_ids(self) -> set[str]:
        return {d[len(RTQA_PREFIX):] for t in self.turns for d in t.docs if d.startswith(RTQA_PREFIX)}


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise FollowupError(f"{where} must be a list of non-empty strings, got {value!r}")
    return tuple(value)


def load_followups(path: str | Path, split: str = "all") -> list[FollowConversation]:
    """The conversations of `split` (dev | test | all) in a follow-up file."""
    if split not in ("dev", "test", "all"):
        raise FollowupError(f"split must be dev, test or all, got {split!r}")
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FollowupError(f"{path}:{n}: not JSON ({exc.msg}); write one conversation per line") from None
        where = f"{path}:{n}"
        turns = rec.get("turns")
        if not isinstance(turns, list) or len(turns) < 2:
            raise FollowupError(f"{where}: 'turns' must list at least 2 turns (a question and a follow-up)")
        parsed = []
        for i, t in enumerate(turns):
            if not isinstance(t, dict) or not isinstance(t.get("question"), str) or not t["question"].strip():
                raise FollowupError(f"{where}: turn {i + 1} needs a 'question' string")
            parsed.append(FollowTurn(t["question"], _strings(t.get("answers"), f"{where}: turn {i + 1} 'answers'"),
                                     _strings(t.get("docs"), f"{where}: turn {i + 1} 'docs'"), t.get("standalone"),
                                     _strings(t["keys"], f"{where}: turn {i + 1} 'keys'") if t.get("keys") else ()))
        part = rec.get("split")
        if part not in ("dev", "test"):
            raise FollowupError(f"{where}: 'split' must be dev or test, got {part!r}")
        if split in ("all", part):
            out.append(FollowConversation(str(rec.get("id") or n), str(rec.get("corpus") or "seed"), part,
                                          tuple(parsed), rec.get("as_of")))
    return out


def _hash(qid: str) -> int:
    return int(hashlib.sha256(f"followups-distractor:{qid}".encode()).hexdigest()[:8], 16)


def followup_documents(convs: Sequence[FollowConversation], corpus_dir: str | Path,
                       rtqa_dir: str | Path | None, distractors: int = DISTRACTOR_QUESTIONS) -> list:
    """The seed articles of `corpus_dir`, the RealTime QA documents of the conversations'
    questions, and those of `distractors` other corpus-subset questions (a fixed hash sample)."""
    from corpus import load_paths

    docs = list(load_paths([corpus_dir]).documents) if Path(corpus_dir).is_dir() else []
    wanted = set().union(*(c.rtqa_ids() for c in convs)) if convs else set()
    if wanted:
        if rtqa_dir is None or not Path(rtqa_dir).is_dir():
            raise FollowupError(f"the conversations use RealTime QA documents but {rtqa_dir} is not a folder; "
                                "pass --bench-dir (the folder holding realtimeqa/)")
        from .benchmarks import load_realtimeqa

        rdocs, questions = load_realtimeqa(rtqa_dir, "all")
        others = sorted((q.id for q in questions if q.id not in wanted), key=_hash)[:distractors]
        keep = wanted | set(others)
        docs += [d for d in rdocs if _rtqa_question(d.doc_id) in keep]
    return docs


def _rtqa_question(doc_id: str) -> str | None:
    if doc_id.startswith("ev_"):
        return doc_id[3:]
    if doc_id.startswith("gcs_"):
        return doc_id[4:].rsplit("_", 1)[0]
    return None


def _in_thread(doc_id: str, docs: Sequence[str]) -> bool:
    for d in docs:
        if d.startswith(RTQA_PREFIX):
            if _rtqa_question(doc_id) == d[len(RTQA_PREFIX):]:
                return True
        elif doc_id == d:
            return True
    return False


def _has_keys(text: str, keys: Sequence[str]) -> bool:
    folded = text.casefold()
    return all(any(alt.strip().casefold() in folded for alt in key.split("|")) for key in keys)


def ask_conversation(assistant: Any, conv: FollowConversation, mode: str, k: int | None = None) -> list[dict]:
    """One record per turn of `conv`, asked in order in one conversation."""
    from qa.question.thread import answer_body

    chat = assistant.conversation()
    out = []
    for i, turn in enumerate(conv.turns):
        kwargs = {"mode": mode, "k": k}
        if conv.as_of:
            kwargs["as_of"] = conv.as_of
        ans = chat.ask(turn.question, **kwargs)
        cited = list(dict.fromkeys(c.doc_id for c in ans.citations))
        landed = cited or [p.doc_id for p in ans.passages[:1]]
        standalone = ans.standalone_question or turn.question
        pred = "" if ans.abstained else M.strip_markers(answer_body(ans.text))
        out.append({
            "conversation": conv.id, "corpus": conv.corpus, "split": conv.split, "turn": i + 1,
            "question": turn.question, "standalone": standalone, "expected_standalone": turn.standalone,
            "resolved": bool(landed) and any(_in_thread(d, turn.docs) for d in landed),
            "keys": _has_keys(standalone, turn.keys) if turn.keys else None,
            "correct": not ans.abstained and M.contains_alias(pred, list(turn.answers)),
            "abstained": ans.abstained, "cited": cited, "latency_s": round(ans.latency_s, 4),
            "answer": ans.text[:300],
        })
    return out


def _rate(rows: list[dict], key: str) -> float | None:
    vals = [r[key] for r in rows if r[key] is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def summarise(rows: list[dict], budget_s: float = 0.3) -> dict:
    follow = [r for r in rows if r["turn"] > 1]
    lat = sorted(r["latency_s"] for r in follow)
    return {
        "conversations": len({r["conversation"] for r in rows}), "followups": len(follow),
        "first_turn_correct": _rate([r for r in rows if r["turn"] == 1], "correct"),
        "resolved": _rate(follow, "resolved"), "correct": _rate(follow, "correct"), "keys": _rate(follow, "keys"),
        "abstained": _rate(follow, "abstained"),
        "latency_p50_s": round(statistics.median(lat), 4) if lat else None,
        "latency_p90_s": round(lat[int(0.9 * (len(lat) - 1))], 4) if lat else None,
        "latency_max_s": round(lat[-1], 4) if lat else None,
        f"under_{int(budget_s * 1000)}ms": round(sum(x < budget_s for x in lat) / len(lat), 4) if lat else None,
    }


def run_followups(assistant: Any, convs: Sequence[FollowConversation], mode: str = "quote", k: int | None = None,
                  progress: bool = True) -> dict:
    """{"mode", "summary": {split: {corpus|all: figures}}, "records": [...]}."""
    from tqdm import tqdm

    rows: list[dict] = []
    for conv in tqdm(convs, desc=f"follow-ups ({mode})", unit="conv", file=sys.stderr, disable=not progress):
        rows += ask_conversation(assistant, conv, mode, k)
    summary: dict[str, dict] = {}
    for part in ("dev", "test", "all"):
        sel = [r for r in rows if part == "all" or r["split"] == part]
        if sel:
            summary[part] = {"all": summarise(sel), **{c: summarise([r for r in sel if r["corpus"] == c])
                                                       for c in sorted({r["corpus"] for r in sel})}}
    return {"mode": mode, "summary": summary, "records": rows}


def markdown(report: dict) -> str:
    lines = [f"## Follow-ups ({report['mode']} mode)", "",
             "| split | corpus | conv. | follow-ups | resolved | correct | rewrite names keys | 1st turn correct "
             "| p50 s | p90 s | max s | < 300 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for part, by in report["summary"].items():
        for corpus, s in by.items():
            lines.append(f"| {part} | {corpus} | {s['conversations']} | {s['followups']} | {s['resolved']} | "
                         f"{s['correct']} | {s['keys']} | {s['first_turn_correct']} | {s['latency_p50_s']} | "
                         f"{s['latency_p90_s']} | {s['latency_max_s']} | {s['under_300ms']} |")
    return "\n".join(lines)


__all__ = ["FollowConversation", "FollowTurn", "FollowupError", "followup_documents", "load_followups", "markdown",
           "run_followups", "summarise"]
