"""Where a question's time goes, on a store bench/scale.py built: latency per retrieval mode
and quote mode, and a cProfile of any of them (cumulative time per function, summed over the
questions).

bench/scale.py deletes its store after use only when its scratch folder goes; run it with
`--work DIR` and then, over the same folder and size:

    nice -n 10 .venv/bin/python bench/profile_latency.py --work DIR --size 100000 \
        --queries 30 --profile articles,quote

The store is opened as it is (nothing is ingested); queries are embedded apart, as in
bench/scale.py, so retrieval figures are the index's own cost.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from scale import (bench_dir, bench_index, default_embedder, dev_questions, embed_queries_apart,  # noqa: E402
                   make_embedder, percentile)


def open_index(work: Path, size: int, embedder: str):
    from qa.settings import Settings

    data = work / f"data-{size}"
    if not data.is_dir():
        sys.exit(f"error: no store at {data}; build it with bench/scale.py --sizes {size} --work {work}")
    table = dict(np.load(work / "vectors.npz", allow_pickle=True)["table"].item())
    settings = Settings.load(data_dir=str(data))  # "auto": the passage model the store was built with
    index, inner = bench_index(settings, embedder, table)
    return settings, index, inner


def timed(fn, questions: list[str], profile: bool, top: int) -> tuple[list[float], str, dict[str, list[float]]]:
    """(wall ms per question, the profile's text, ms per stage of the answers' `timings`)."""
    prof = cProfile.Profile() if profile else None
    lat, stages = [], {}
    for q in questions:
        t = time.perf_counter()
        if prof:
            prof.enable()
        out = fn(q)
        if prof:
            prof.disable()
        lat.append((time.perf_counter() - t) * 1000)
        for k, v in (getattr(out, "timings", None) or {}).items():
            stages.setdefault(k, []).append(v * 1000)
    if not prof:
        return lat, "", stages
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    return lat, out.getvalue(), stages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, required=True, help="bench/scale.py's --work folder")
    ap.add_argument("--size", type=int, required=True, help="the size whose store (WORK/data-SIZE) is read")
    ap.add_argument("--embedder", default=None, help="the question and sentence model (default: the settings')")
    ap.add_argument("--bench-dir", help="folder holding realtimeqa/ (as bench/scale.py)")
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--modes", default="articles,hybrid,dense,quote")
    ap.add_argument("--profile", default="", help="modes to profile, comma-separated")
    ap.add_argument("--top", type=int, default=35, help="functions shown per profile")
    ap.add_argument("--repeat", action="store_true",
                    help="ask every question once before timing: quote mode then shows its cost without "
                         "embedding new sentences (they are cached)")
    args = ap.parse_args()

    from qa.components import build_retriever

    settings, index, inner = open_index(args.work, args.size, default_embedder(args.embedder))
    retriever = build_retriever(settings, index)
    passages = getattr(retriever.articles, "passages", None)  # index.passage_matrix, where present
    if passages is not None:  # read before timing (a server's warm-up does it; else the background)
        t = time.perf_counter()
        passages.wait()
        print(f"passage matrix read in {time.perf_counter() - t:.1f} s")
    questions = dev_questions(bench_dir(args.bench_dir), args.queries)
    embed_p50 = embed_queries_apart(index, inner, questions)
    profiled = set(filter(None, args.profile.split(",")))
    print(f"store {args.work}/data-{args.size}: {index.store.count_chunks()} passages, "
          f"{index.store.count_articles()} articles; {len(questions)} questions; query embedding p50 {embed_p50} ms")
    for mode in args.modes.split(","):
        if mode == "quote":
            from qa.assistant import Assistant

            assistant = Assistant.from_settings(settings, index, retriever=retriever)
            fn = lambda q: assistant.ask(q, mode="quote")  # noqa: E731
        else:
            fn = lambda q, m=mode: retriever.retrieve(q, 5, m)  # noqa: E731
        t = time.perf_counter()
        for q in questions if args.repeat else questions[:1]:  # the first loads what is loaded lazily
            fn(q)
        print(f"{mode:9s} {'every question once' if args.repeat else 'first question'}: "
              f"{(time.perf_counter() - t) * 1000:.0f} ms")
        lat, prof, stages = timed(fn, questions, mode in profiled, args.top)
        print(f"{mode:9s} p50 {percentile(lat, 50):7.1f} ms  p95 {percentile(lat, 95):7.1f} ms", flush=True)
        if stages:
            print(f"{mode:9s} stages, p50 ms: " + ", ".join(f"{k} {percentile(v, 50):.1f}" for k, v in stages.items()))
        if prof:
            print(prof)
    if passages is not None:
        print(f"passage matrix: {len(passages)} passages, {passages.nbytes / 2**20:.0f} MB of vectors")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
