"""Snapshot the JSON answers (quote mode) to a fixed set of questions, timings stripped, so two
commits can be compared line by line: a refactoring must leave every answer as it was.

    python bench/answers_snapshot.py --out answers.jsonl [--rtqa 40] [--work DIR]
    diff <(jq -S . before.jsonl) <(jq -S . after.jsonl)      # or: python bench/answers_snapshot.py --diff A B

Questions: every line of eval/gold.jsonl, eval/heldout.jsonl and eval/test.jsonl over the seed
articles (corpus/), and the first `--rtqa` RealTime QA dev questions of the corpus subset (by id),
asked as of their quiz date over those questions' own articles (../shared/bench/realtimeqa).
Each index is built fresh under `--work` with the code being measured. Only public entry points
are used (Settings, Assistant.from_settings, ingest), so the script runs unchanged on older
commits: copy it there and run it with that checkout first on PYTHONPATH.

`--diff A B` compares two snapshots and prints the differing ids; `--ignore-verdict-reason`
compares everything but the verdict's wording (for a change that rewords reasons by design).
`--grade A` scores a snapshot as bench/answer.py does (answer accuracy: a gold alias in the
text; refusal on unanswerable questions; false refusals; document-level citation precision),
and RealTime QA by the answer string occurring in the answer."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO.parent / "shared" / "bench"
SEED_SETS = ("gold", "heldout", "test")
STRIP = ("latency_s", "timings")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _clean(answer) -> dict:
    out = answer.to_json()
    for key in STRIP:
        out.pop(key, None)
    return out


def _seed(work: Path, out) -> None:
    from index import ingest_paths
    from qa import Assistant, Settings

    assistant = Assistant.from_settings(Settings.load(data_dir=str(work / "seed")))
    ingest_paths(assistant.index, [str(REPO / "corpus")])
    for name in SEED_SETS:
        for item in _jsonl(REPO / "eval" / f"{name}.jsonl"):
            ans = assistant.ask(item["question"], mode="quote")
            out.write(json.dumps({"set": name, "id": item["id"], "answer": _clean(ans)}, sort_keys=True) + "\n")
            out.flush()


def _rtqa(work: Path, n: int, folder: Path, out) -> None:
    from evaluation.benchmarks import load_realtimeqa
    from evaluation.suite import _rtqa_docs_of, open_bench_index
    from qa import Assistant, Settings

    if not (folder / "questions.jsonl").is_file():
        raise SystemExit(f"RealTime QA not found in {folder}; pass --rtqa-dir (the bench folder's realtimeqa/)")
    docs, questions = load_realtimeqa(folder, "dev")
    questions = sorted(questions, key=lambda q: q.id)[:n]
    index, isettings = open_bench_index(Settings.load(), "realtimeqa", _rtqa_docs_of(docs, questions),
                                        work / "rtqa")
    assistant = Assistant.from_settings(isettings, index=index)
    for q in questions:
        ans = assistant.ask(q.question, mode="quote", as_of=q.as_of)
        out.write(json.dumps({"set": "realtimeqa-dev", "id": q.id, "answer": _clean(ans)}, sort_keys=True) + "\n")
        out.flush()


def diff(a: Path, b: Path, ignore_reason: bool = False) -> int:
    def load(p):
        rows = {}
        for r in _jsonl(p):
            if ignore_reason and r["answer"].get("verdict"):
                r["answer"]["verdict"] = {k: v for k, v in r["answer"]["verdict"].items()
                                          if k not in ("reason", "kind")}
            rows[(r["set"], r["id"])] = r["answer"]
        return rows

    ra, rb = load(a), load(b)
    bad = sorted(k for k in ra.keys() | rb.keys() if ra.get(k) != rb.get(k))
    for k in bad:
        fields = sorted(f for f in (ra.get(k) or {}).keys() | (rb.get(k) or {}).keys()
                        if (ra.get(k) or {}).get(f) != (rb.get(k) or {}).get(f))
        print(f"differs: {k[0]} {k[1]}: {', '.join(fields)}")
    print(f"{len(ra)} vs {len(rb)} answers; {len(bad)} differ")
    return 1 if bad else 0


def _norm(text: str) -> str:
    from index.text import fold

    return " ".join(fold(text).replace("’", "'").replace("-", " ").split())


def grade(path: Path, rtqa_dir: Path) -> int:
    gold = {(name, item["id"]): item for name in SEED_SETS for item in _jsonl(REPO / "eval" / f"{name}.jsonl")}
    rtqa = {q["id"]: q for q in _jsonl(rtqa_dir / "questions.jsonl")} if (rtqa_dir / "questions.jsonl").is_file() else {}
    by_set: dict[str, list[dict]] = {}
    for r in _jsonl(path):
        a, key = r["answer"], (r["set"], r["id"])
        text, abstained = _norm(a["answer"]), a["abstained"]
        cited = [c["doc_id"] for c in a["citations"]]
        if key in gold:
            item = gold[key]
            answerable = item.get("answerable", True)
            docs = {e["doc"] for e in item.get("evidence", [])}
            correct = (not abstained and any(_norm(x) in text for x in item.get("answers", []))) if answerable \
                else abstained
            good = sum(1 for d in cited if not docs or d in docs)
        else:
            answerable, good = True, 0
            correct = not abstained and _norm(rtqa[r["id"]]["answer_text"]) in text
        by_set.setdefault(r["set"], []).append({"answerable": answerable, "correct": correct,
                                                "refused": abstained, "cited": len(cited), "good": good})
    for name, rows in by_set.items():
        ans = [x for x in rows if x["answerable"]]
        un = [x for x in rows if not x["answerable"]]
        acc = sum(x["correct"] for x in ans) / max(1, len(ans))
        line = f"{name}: n={len(rows)}; accuracy {acc:.3f} ({sum(x['correct'] for x in ans)}/{len(ans)})"
        if un:
            line += f"; refusal {sum(x['correct'] for x in un) / len(un):.3f} ({len(un)} unanswerable)"
        line += f"; false refusal {sum(x['refused'] for x in ans) / max(1, len(ans)):.3f}"
        if name in SEED_SETS:
            line += f"; citation precision (doc) {sum(x['good'] for x in rows) / max(1, sum(x['cited'] for x in rows)):.3f}"
        print(line)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--rtqa", type=int, default=40, help="RealTime QA dev questions (0: none)")
    ap.add_argument("--rtqa-dir", type=Path, default=BENCH / "realtimeqa")
    ap.add_argument("--work", type=Path, help="where the indexes are built (default: a temp dir)")
    ap.add_argument("--diff", nargs=2, type=Path, metavar=("A", "B"))
    ap.add_argument("--ignore-verdict-reason", action="store_true")
    ap.add_argument("--grade", type=Path, metavar="A", help="score a snapshot against the gold answers")
    args = ap.parse_args()
    if args.grade:
        return grade(args.grade, args.rtqa_dir)
    if args.diff:
        return diff(*args.diff, ignore_reason=args.ignore_verdict_reason)
    if not args.out:
        ap.error("--out is required (or --diff A B)")
    with tempfile.TemporaryDirectory(prefix="answers-snapshot-") as tmp:
        work = args.work or Path(tmp)
        with args.out.open("w", encoding="utf-8") as out:
            _seed(work, out)
            if args.rtqa > 0:
                _rtqa(work, args.rtqa, args.rtqa_dir, out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
