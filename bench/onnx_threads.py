"""How quote mode's two ONNX models use 2 cores: bge-small over 30 sentences, then the
cross-encoder over 10 (question, sentence) pairs, as an answer runs them.

- `before`: one intra-op thread pool of `--threads` per session, threads that spin after a run
  (onnxruntime's default), batches and pairs one after another (the code before the thirteenth round);
- `after`: the product's sessions (index/onnx_runtime.py: threads that sleep) with batches and
  pairs run side by side, one intra-op thread each.

Sentences: the seed articles' (corpus/), 30 drawn per question, 40 questions; prints the p50 of
each model's time and of both, and whether the vectors and logits are equal.

    python bench/onnx_threads.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def spinning_session(path, threads=None):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def models(before: bool, threads: int):
    """(embedder, cross-encoder), as the code before this round made them, or as it is."""
    from index import cross_encoder, onnx_embedder
    from index.bge_embedder import BgeSmallEmbedder

    bge, ce = BgeSmallEmbedder(threads=threads), cross_encoder.OnnxCrossEncoder(threads=threads, memo=0)
    if before:  # one session each on `threads` intra-op threads, spinning; no side-by-side pool
        for mod in (onnx_embedder, cross_encoder):
            mod.cpu_session, saved = spinning_session, mod.cpu_session
            try:
                bge._load(), ce._load()
            finally:
                mod.cpu_session = saved
        bge._batches = ce._pool = None
    return bge, ce


def run(bge, ce, groups) -> tuple[list[float], list[float], np.ndarray, np.ndarray]:
    t_emb, t_ce, vecs, logits = [], [], [], []
    for r, texts in enumerate(groups):
        t = time.perf_counter()
        vecs.append(bge.embed_documents(texts))
        t_emb.append(time.perf_counter() - t)
        t = time.perf_counter()
        logits.append(ce.score(f"What was said about the talks in Moscow? ({r})", texts[:10]))
        t_ce.append(time.perf_counter() - t)
    return t_emb, t_ce, np.concatenate(vecs), np.concatenate(logits)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    from index.sentences import split_sentences

    sents = []
    for path in sorted((REPO / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sents += [text[a:b] for a, b in split_sentences(text) if b - a > 30]
    rng = np.random.default_rng(0)
    groups = [[sents[i] for i in rng.choice(len(sents), 30, replace=False)] for _ in range(40)]
    pairs = {name: models(name == "before", args.threads) for name in ("before", "after")}
    for bge, ce in pairs.values():  # load and warm both
        run(bge, ce, groups[:2])
    results = {}
    for rnd in range(args.rounds):
        for name, (bge, ce) in pairs.items():
            t_emb, t_ce, vecs, logits = run(bge, ce, groups)
            results[name] = (vecs, logits)
            total = [a + b for a, b in zip(t_emb, t_ce)]
            print(f"round {rnd + 1} {name:6s}: bge 30 sentences p50 {statistics.median(t_emb) * 1000:.1f} ms, "
                  f"cross-encoder 10 pairs p50 {statistics.median(t_ce) * 1000:.1f} ms, "
                  f"both p50 {statistics.median(total) * 1000:.1f} ms")
    (v0, l0), (v1, l1) = results["before"], results["after"]
    print(f"vectors equal: {np.array_equal(v0, v1)}; logits equal: {np.array_equal(l0, l1)}")


if __name__ == "__main__":
    main()
