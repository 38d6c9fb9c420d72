"""How an ONNX embedder's batch size changes its speed and its vectors, on real RealTime QA text:
groups of 30 sentences (quote mode embeds 25-35 candidate sentences of mixed length per
question) and article leads (title and first 200 words, near 256 word pieces each).

The sizes run alternately in each round, so load changes touch them all alike. Printed per
batch size: p50 ms per group of 30 sentences, ms per lead, and the largest difference of a
vector component from the first size's vectors (the int8 model takes its activation scale over
the whole padded batch, so a text's vector depends slightly on its batch).

    python bench/embed_batches.py --model bge-small-int8 --sizes 8,32,4,2,1 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="bge-small-int8", help="an ONNX embedder spec: bge-small-int8, minilm-onnx-int8")
    ap.add_argument("--sizes", default="8,32,4,2,1", help="batch sizes, comma-separated; the first is the reference")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--groups", type=int, default=15, help="groups of 30 sentences per round")
    ap.add_argument("--leads", type=int, default=96, help="article leads per round")
    ap.add_argument("--bench-dir", default=None, help="folder holding realtimeqa/ (default: $QA_BENCH_DIR, else "
                                                      "../shared/bench)")
    args = ap.parse_args(argv)

    from corpus.document import Document
    from evaluation.beir import bench_dir
    from index.articles import article_text
    from index.embedders import make_embedder
    from index.sentences import split_sentences

    folder = Path(args.bench_dir or bench_dir()) / "realtimeqa"
    records = [json.loads(line) for line in open(folder / "corpus_subset.jsonl")]
    records = [r for r in records if len(r.get("text", "").split()) > 300][:max(args.leads, 80)]
    sentences = [r["text"][a:b] for r in records[:80] for a, b in split_sentences(r["text"])[:8]]
    groups = [sentences[i:i + 30] for i in range(0, len(sentences) - 30, 30)][:args.groups]
    leads = [article_text(Document(str(i), r.get("title"), None, None, r["text"])) for i, r in enumerate(records)]
    leads = leads[:args.leads]
    sizes = [int(s) for s in args.sizes.split(",")]
    embedders = {}
    for b in sizes:
        e = make_embedder(args.model)
        if not hasattr(e, "batch_size"):
            sys.exit(f"error: {args.model} has no batch size")
        e.batch_size = b
        e.embed_documents(["warm up"])
        embedders[b] = e
    group_ms = {b: [] for b in sizes}
    lead_ms = {b: [] for b in sizes}
    for _ in range(args.rounds):
        for g in groups:
            for b, e in embedders.items():
                t = time.perf_counter()
                e.embed_documents(g)
                group_ms[b].append(1000 * (time.perf_counter() - t))
        for b, e in embedders.items():
            t = time.perf_counter()
            e.embed_documents(leads)
            lead_ms[b].append(1000 * (time.perf_counter() - t) / len(leads))
    ref = embedders[sizes[0]].embed_documents(groups[0])
    print(f"{args.model}: {len(groups)} groups of 30 sentences and {len(leads)} leads, {args.rounds} rounds")
    print("| batch size | sentences: p50 ms per 30 | leads: ms per lead, per round | max |vector - batch "
          f"{sizes[0]}'s| |")
    print("|---|---|---|---|")
    for b, e in embedders.items():
        diff = float(np.abs(e.embed_documents(groups[0]) - ref).max())
        rounds = ", ".join(f"{x:.1f}" for x in lead_ms[b])
        print(f"| {b} | {statistics.median(group_ms[b]):.1f} | {rounds} | {diff:.4f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
