"""Answering benchmark: warm latency (p50/p95) per mode and, with a gold file, answer accuracy,
refusal, false refusals and citation precision.

    python bench/answer.py [--gold eval/gold.jsonl] [--questions FILE.jsonl] [--mode quote|llm|both]
                           [--data-dir DIR] [--repeat N]
    python bench/answer.py --rtqa dev --data-dir QA_CACHE_DIR/eval-index/realtimeqa-... --warm 0

The index is built in DATA_DIR from corpus/ when empty. Gold lines: {"id", "question",
"answerable", "answers": [...], "evidence": [{"doc", "quote"}]}; a line's "as_of" (YYYY-MM-DD),
where given, is the day it is asked. `--rtqa SPLIT`: latency only, over the RealTime QA questions
of that half that `qa eval --suite` asks, each as of its quiz date, against the suite's index."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))
    return xs[i]


def load_jsonl(path: str) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def norm(text: str) -> str:
    from index.text import fold

    return " ".join(fold(text).replace("’", "'").replace("-", " ").split())


def grade(item: dict, ans) -> dict:
    """Correct: answerable and a gold answer string appears in the answer text; refusal
    questions: abstained. Citation precision: cited spans inside a gold evidence document
    (and overlapping the evidence quote when the document text is known)."""
    text = norm(ans.text)
    if item.get("answerable", True):
        correct = (not ans.abstained) and any(norm(a) in text for a in item.get("answers", []))
    else:
        correct = ans.abstained
    gold_docs = {e["doc"] for e in item.get("evidence", [])}
    good = sum(1 for c in ans.citations if not gold_docs or c.doc_id in gold_docs)
    return {"correct": correct, "cited": len(ans.citations), "cited_ok": good,
            "fallback": ans.fallback is not None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=None, help="gold JSONL to grade against")
    ap.add_argument("--questions", default=None, help="JSONL of {id, question} for latency only")
    ap.add_argument("--mode", default="quote", choices=["quote", "llm", "both"])
    ap.add_argument("--rtqa", choices=["dev", "test"], default=None,
                    help="RealTime QA questions of this half, as of their quiz dates (latency only)")
    ap.add_argument("--bench-dir", default=str(REPO.parent / "shared" / "bench"))
    ap.add_argument("--data-dir", default=str(REPO / ".qa-bench"))
    ap.add_argument("--repeat", type=int, default=1, help="timed passes over the questions")
    ap.add_argument("--verbose", action="store_true", help="print each wrong answer")
    ap.add_argument("--warm", type=int, default=50_000,
                    help="sentences embedded ahead of the questions (0: none; answers then embed what they read)")
    args = ap.parse_args()

    from index import ingest_paths
    from qa import Assistant, Settings

    settings = Settings.load(data_dir=args.data_dir)
    assistant = Assistant.from_settings(settings)
    if not assistant.index.records(fresh=True):
        ingest_paths(assistant.index, [str(REPO / "corpus")])
    if args.rtqa:
        from evaluation.benchmarks import load_realtimeqa

        items = [{"id": q.id, "question": q.question, "as_of": q.as_of}
                 for q in load_realtimeqa(Path(args.bench_dir) / "realtimeqa", args.rtqa)[1]]
    else:
        items = load_jsonl(args.gold or args.questions) if (args.gold or args.questions) else [
            {"id": "q1", "question": "Who led the Hamas delegation?"},
            {"id": "q2", "question": "What did the Russian side ask Hamas to do?"},
        ]
    t0 = time.perf_counter()
    n = assistant.warm(args.warm)  # 0: no sentences, but the models and the passage matrix load
    print(f"warm-up: {n} sentences embedded in {time.perf_counter() - t0:.1f} s")
    modes = ["quote", "llm"] if args.mode == "both" else [args.mode]
    for mode in modes:
        try:
            assistant.ask(items[0]["question"], mode=mode, as_of=items[0].get("as_of"))  # warm-up: models load here
        except Exception as exc:  # llm mode may be unavailable
            print(f"{mode}: unavailable ({exc})")
            continue
        lat, ttft, grades, stages = [], [], [], {}
        cpu0, wall0 = time.process_time(), time.perf_counter()  # CPU of all this process's threads
        for _ in range(max(1, args.repeat)):
            for item in items:
                t0 = time.perf_counter()
                first = None
                ans = None
                for part in assistant.stream(item["question"], mode=mode, as_of=item.get("as_of")):
                    if first is None:
                        first = time.perf_counter() - t0
                    if not isinstance(part, str):
                        ans = part
                lat.append(time.perf_counter() - t0)
                ttft.append(first or lat[-1])
                for key, sec in (getattr(ans, "timings", None) or {}).items():
                    stages.setdefault(key, []).append(sec)
                if args.gold and len(grades) < len(items):
                    g = grade(item, ans)
                    grades.append({**g, "answerable": item.get("answerable", True), "type": item.get("type")})
                    if args.verbose and not g["correct"]:
                        print(f"  WRONG {item['id']}: {item['question']}\n    -> {ans.text[:300]}")
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        print(f"{mode}: n={len(lat)} latency p50={statistics.median(lat) * 1000:.0f} ms "
              f"p95={pct(lat, 0.95) * 1000:.0f} ms; first text p50={statistics.median(ttft) * 1000:.0f} ms")
        print(f"{mode}: stages, p50 ms: " + ", ".join(f"{k} {statistics.median(v) * 1000:.1f}" for k, v in stages.items()))
        print(f"{mode}: per 1,000 questions, one at a time: {cpu / len(lat) * 1000:.0f} CPU-seconds, "
              f"{wall / len(lat) * 1000:.0f} s wall ({len(lat)} questions)")
        if grades:
            ans_g = [g for g in grades if g["answerable"]]
            un_g = [g for g in grades if not g["answerable"]]
            acc = sum(g["correct"] for g in ans_g) / max(1, len(ans_g))
            refusal = sum(g["correct"] for g in un_g) / max(1, len(un_g))
            false_ref = sum(1 for g in ans_g if g["cited"] == 0) / max(1, len(ans_g))
            prec = sum(g["cited_ok"] for g in grades) / max(1, sum(g["cited"] for g in grades))
            print(f"{mode}: accuracy (answerable, n={len(ans_g)}) {acc:.3f}; refusal (unanswerable, "
                  f"n={len(un_g)}) {refusal:.3f}; false refusals {false_ref:.3f}; "
                  f"citation precision (doc level) {prec:.3f}")
            by_type: dict[str, list[bool]] = {}
            for g in grades:
                by_type.setdefault(g["type"] or "-", []).append(g["correct"])
            print("  by type: " + ", ".join(f"{t} {sum(v)}/{len(v)}" for t, v in sorted(by_type.items())))
            fb = [g for g in grades if g["fallback"]]
            if fb:
                print(f"  fallback to quotes: {len(fb)} answers ({sum(g['correct'] for g in fb)} correct, "
                      f"{sum(1 for g in fb if not g['answerable'])} on unanswerable questions)")


if __name__ == "__main__":
    main()
