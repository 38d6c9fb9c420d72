"""BEIR SciFact (or any BEIR folder) retrieval benchmark: nDCG@10, MRR@10 and Recall@100 for
dense, BM25, hybrid (RRF, the foundation's fusion) and the full pipeline (the product's
retrieval settings: convex fusion; `rerank` adds the optional second stage), side by side.

    nice -n 10 .venv/bin/python bench/retrieval.py --split dev     # tune on this half
    nice -n 10 .venv/bin/python bench/retrieval.py --split test    # report this half
    nice -n 10 .venv/bin/python bench/retrieval.py --split all     # the 300 BEIR test queries

The corpus index is built once per (model, chunker, corpus) under $QA_CACHE_DIR (default
~/.cache/news-qa) and reused; the first run embeds the whole corpus (minutes to an hour on
a busy 2-core machine; `--workers` embeds with several processes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.beir import (  # noqa: E402
    BEIR_CHUNKER, bench_dir, build_variants, evaluate, lexical_variants, load_beir, open_beir_index, warm_cache,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--beir-dir", type=Path, default=None,
                    help="BEIR folder (default: $QA_BENCH_DIR or ../shared/bench, /beir-scifact)")
    ap.add_argument("--split", choices=("dev", "test", "all"), default="dev",
                    help="half of the BEIR test queries (README's dev/test split), or all of them")
    ap.add_argument("--qrels", default="test", help="qrels file under qrels/ (default: test)")
    ap.add_argument("--model", default="minilm", help="first-stage embedding model (default: minilm)")
    ap.add_argument("--chunk", default=",".join(map(str, BEIR_CHUNKER)),
                    help="chunker max_sentences,overlap,max_chars (default: %(default)s)")
    ap.add_argument("--depth", type=int, default=250, help="chunks retrieved per query (default: 250)")
    ap.add_argument("--variants", default="dense,bm25,hybrid-rrf,pipeline",
                    help="comma-separated from dense, bm25, hybrid-rrf (RRF k=60, equal weights), pipeline "
                         "(the product's retrieval settings), rerank (pipeline + second stage; slow on CPU "
                         "the first time) (default: %(default)s)")
    ap.add_argument("--rerank-model", default=None, help="second-stage model for 'rerank' (default: settings)")
    ap.add_argument("--lexical", action="store_true",
                    help="no vector index: BM25, and BM25 with its top 10 re-scored by MiniLM (embeds only those)")
    ap.add_argument("--workers", type=int, default=1, help="processes that embed the corpus on the first run")
    ap.add_argument("--dense-weights", default="",
                    help="also the pipeline with these convex-fusion dense weights (BM25 gets 1 - w), e.g. 0.4,0.5,0.6")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = ap.parse_args(argv)

    folder = args.beir_dir or bench_dir() / "beir-scifact"
    beir = load_beir(folder, args.qrels, args.split)
    from index import SentenceChunker, SentenceTransformerEmbedder

    try:
        chunker = SentenceChunker(*[int(x) for x in args.chunk.split(",")])
    except (TypeError, ValueError) as exc:
        ap.error(f"--chunk {args.chunk!r}: {exc}; expected three integers like 8,0,1000")
    t0 = time.time()
    log = lambda msg: print(f"[{time.time() - t0:6.0f}s] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    if args.lexical:
        variants = lexical_variants(beir.docs, chunker, depth=args.depth)
    else:
        if args.workers > 1:
            warm_cache(beir, args.model, chunker, workers=args.workers, progress=log)
        index = open_beir_index(beir, SentenceTransformerEmbedder(args.model), chunker, progress=log)
        wanted = [v.strip() for v in args.variants.split(",") if v.strip()]
        from qa.settings import Settings

        # the second stage of 'rerank' follows qa.toml / QA_RETRIEVAL__RERANK_* (e.g. _METHOD=cross-encoder)
        variants = build_variants(index, wanted, depth=args.depth, rerank_model=args.rerank_model,
                                  settings=Settings.load())
        for w in [float(x) for x in args.dense_weights.split(",") if x.strip()]:
            tuned = Settings().with_overrides({"retrieval.dense_weight": w, "retrieval.bm25_weight": round(1 - w, 6)})
            variants[f"pipeline w_dense={w}"] = build_variants(index, ["pipeline"], depth=args.depth,
                                                               settings=tuned)["pipeline"]
    result = evaluate(beir, variants)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
        return 0
    print(f"{beir.name} qrels={beir.split} queries={args.split} (n={result.n_queries}) "
          f"model={args.model} chunker={args.chunk} depth={args.depth}")
    print(f"{'variant':<14} {'nDCG@10':>8} {'MRR@10':>8} {'R@100':>8} {'s/query':>8}")
    for v in result.variants:
        print(f"{v.name:<14} {v.ndcg10:8.4f} {v.mrr10:8.4f} {v.recall100:8.4f} {v.seconds / max(v.n_queries, 1):8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
