"""Quote mode's sentence choice, first stage against the cross-encoder second stage
(qa.answer.sentence_rerank), on RealTime QA questions asked as of their quiz date.

For each question the product's retrieval and first-stage sentence ranking run as configured
(the second stage off); the ms-marco cross-encoder then scores the first stage's best `depth`
sentences. Printed per depth: how often the best sentence holds the gold answer (RealTime QA's
grader: a gold alias on token boundaries), and the upper bound (the answer in any candidate
sentence). Whole answers (selection, refusals) are measured by the suite:

    qa eval --suite --split dev --benchmark realtimeqa --config bench/no-sentence-rerank.toml \\
        --config bench/articles.toml --out DIR

    QA_CACHE_DIR=DIR python bench/sentence_rerank.py --split dev --depths 0,3,5,10,20
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--depths", default="0,3,5,10,20", help="comma-separated; 0 = the first stage alone")
    ap.add_argument("--bench-dir", default=None, help="default: $QA_BENCH_DIR, else ../shared/bench")
    ap.add_argument("--cache-dir", default=None, help="default: $QA_CACHE_DIR, else ~/.cache/news-qa")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args(argv)
    depths = sorted({int(d) for d in args.depths.split(",")})

    from evaluation import metrics as M
    from evaluation.beir import bench_dir, cache_root
    from evaluation.benchmarks import load_realtimeqa
    from evaluation.suite import open_bench_index
    from index.cross_encoder import shared_cross_encoder
    from qa import Assistant, Settings

    settings = Settings.load().with_overrides({"scoring": {"rerank_depth": 0}})
    docs, questions = load_realtimeqa(Path(args.bench_dir or bench_dir()) / "realtimeqa", args.split)
    questions = questions[:args.limit] if args.limit else questions
    index, isettings = open_bench_index(settings, "realtimeqa", docs, Path(args.cache_dir or cache_root()) / "eval-index",
                                        say=lambda m: print(m, file=sys.stderr))
    assistant = Assistant.from_settings(isettings, index=index)
    ce = shared_cross_encoder(isettings.retrieval.rerank_max_length)
    ce.score("warm up", ["warm up"])
    hits = {d: 0 for d in depths}
    bound, times = 0, {d: [] for d in depths if d}
    for q in questions:
        p = assistant.prepare(q.question, mode="quote", as_of=q.as_of)
        gold = [M.contains_alias(s.text, [q.answer_text]) for s in p.ranked]
        bound += any(gold)
        for d in depths:
            if d == 0 or len(p.ranked) < 2:
                hits[d] += bool(gold) and gold[0]
                continue
            t = time.perf_counter()
            logits = ce.score(p.standalone, [s.text for s in p.ranked[:d]])
            times[d].append(time.perf_counter() - t)
            hits[d] += gold[int(logits.argmax())]
    n = len(questions)
    print(f"RealTime QA {args.split}: {n} questions, asked as of their quiz date")
    print(f"answer in any candidate sentence (upper bound): {bound / n:.3f}")
    print("| depth | best sentence holds the answer | cross-encoder p50 ms |")
    print("|---|---|---|")
    for d in depths:
        ms = f"{1000 * statistics.median(times[d]):.0f}" if d and times[d] else "-"
        print(f"| {d or 'first stage'} | {hits[d] / n:.3f} | {ms} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
