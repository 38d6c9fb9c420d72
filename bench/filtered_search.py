"""A filtered passage search: Chroma's `where` query against the in-memory passage matrix
(`PassageMatrix.nearest`), over the suite's RealTime QA index (evaluation.suite.realtimeqa_assistant:
built on first use, cached in $QA_CACHE_DIR/eval-index), and how many RealTime QA questions
carry a date window when asked as of their quiz date.

    QA_CACHE_DIR=DIR python bench/filtered_search.py [--split dev]

For three windows (from the median date on, the newest 5% of dates, up to the median date), and
for every article but one (the suite's evidence-removed re-ask names the articles it keeps), it
times the passage vectors of the half's first 20 questions each way and prints the p50, and how
many of the top 50 the two share (Chroma's filtered search is approximate; the matrix is exact).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=["dev", "test"])
    ap.add_argument("--bench-dir", default=None, help="default: ../shared/bench")
    ap.add_argument("--cache-dir", default=None, help="default: $QA_CACHE_DIR, else ~/.cache/news-qa")
    args = ap.parse_args()
    from evaluation.beir import bench_dir, cache_root
    from evaluation.suite import realtimeqa_assistant
    from index import Filters
    from index.article_retrieval import query_vectors
    from qa import Settings
    from qa.question.analysis import analyse

    assistant, _, questions = realtimeqa_assistant(
        Settings.load(), args.split, Path(args.bench_dir or bench_dir()), Path(args.cache_dir or cache_root()),
        say=lambda m: print(m, file=sys.stderr))
    windows = sum(1 for q in questions if (a := analyse(q.question, q.as_of)).date_from or a.date_to)
    print(f"RealTime QA {args.split}: {windows} of {len(questions)} questions carry a date window as of their quiz date")
    index = assistant.index
    matrix = assistant.retriever.articles.passages
    assert matrix.wait(600), "the passage matrix did not load"
    dim = matrix.blocks([next(iter(index.records()))])[0].vectors.shape[1]
    days = sorted(r.published for r in index.records().values() if r.published)
    print(f"{len(matrix)} passages, {len(index.records())} articles ({len(days)} dated), {dim} dimensions")
    vecs = [query_vectors(index, q.question)[1] for q in questions[:20]]
    t = time.perf_counter()
    for v in vecs:
        index.store.query(v, 50, None)
    print(f"unfiltered, Chroma: {(time.perf_counter() - t) / len(vecs) * 1000:.1f} ms a query (mean)")
    for name, f in (("from the median date", Filters(date_from=days[len(days) // 2])),
                    ("the newest 5% of dates", Filters(date_from=days[-max(1, len(days) // 20)])),
                    ("up to the median date", Filters(date_to=days[len(days) // 2])),
                    ("every article but one", Filters(doc_ids=tuple(sorted(index.records())[1:])))):
        allowed_t, chroma_t, mem_t, agree = [], [], [], []
        for v in vecs:
            t0 = time.perf_counter()
            want = index.store.query(v, 50, f.where())
            t1 = time.perf_counter()
            allowed = f.documents(index.store.registry, undated=False)
            t2 = time.perf_counter()
            got = matrix.nearest(v, 50, allowed)
            t3 = time.perf_counter()
            chroma_t.append(t1 - t0)
            allowed_t.append(t2 - t1)
            mem_t.append(t3 - t2)
            agree.append(len({c.chunk_id for c, _, _ in want} & {cid for cid, _, _ in got}))
        print(f"{name:24s}: Chroma p50 {statistics.median(chroma_t) * 1000:5.1f} ms; in memory p50 "
              f"{statistics.median(mem_t) * 1000:5.1f} ms + registry {statistics.median(allowed_t) * 1000:4.1f} ms; "
              f"top 50 shared: min {min(agree)}, median {statistics.median(agree)}")


if __name__ == "__main__":
    main()
