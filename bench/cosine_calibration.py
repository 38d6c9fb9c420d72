"""Carry a cosine threshold from one embedder to another at the same risk: on RGB en_fact
(../shared/bench/rgb-en-fact, a split of splits.tsv), each faithful claim of bench/claims.py
(the answer's sentence, and '<query>: <answer>.') is paired with the sentences of its record's
negative passages (on topic, the answer absent: support they must not get from a cosine), and
each model's best sentence cosine is taken as the claim checker takes it. Printed: the share of
these hard negatives at or above each threshold per model, and the threshold of --to that lets
the same share through as --threshold does under --from (qa/calibration.py's verify.min_cosine).

    python bench/cosine_calibration.py [--split dev] [--from minilm --threshold 0.55 --to bge-small-int8]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from claims import cases, load  # noqa: E402


def hard_negatives(folder: Path, split: str, per_claim: int = 3) -> list[tuple[str, list[str]]]:
    from index import split_sentences

    recs, splits = load(folder)
    pairs = []
    for r in recs:
        if splits.get(r["id"]) != split:
            continue
        answers = [a for a in (r["answer"] if isinstance(r["answer"], list) else [r["answer"]]) if isinstance(a, str)]
        negs = [p for p in r["negative"] if not any(a and a in p for a in answers)]
        for claim in (c for _, c, _, planted in cases(r) if not planted):
            pairs += [(claim, [p[s:e] for s, e in split_sentences(p)]) for p in negs[:per_claim]]
    return pairs


def best_cosines(model: str, pairs: list[tuple[str, list[str]]]) -> np.ndarray:
    from qa.components import get_embedder

    texts = sorted({c for c, _ in pairs} | {s for _, ss in pairs for s in ss})
    v = np.asarray(get_embedder(model).embed_documents(texts), dtype=np.float32)
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
    at = {t: i for i, t in enumerate(texts)}
    return np.array([max(float(v[at[c]] @ v[at[s]]) for s in ss) for c, ss in pairs])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folder", type=Path, default=REPO.parent / "shared" / "bench" / "rgb-en-fact")
    ap.add_argument("--split", default="dev", choices=["dev", "test"])
    ap.add_argument("--from", dest="source", default="minilm")
    ap.add_argument("--threshold", type=float, default=0.55)
    ap.add_argument("--to", dest="target", default="bge-small-int8")
    args = ap.parse_args(argv)
    pairs = hard_negatives(args.folder, args.split)
    print(f"{len(pairs)} (faithful claim, negative passage) pairs, {args.split} split", flush=True)
    grid = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
    cos = {m: best_cosines(m, pairs) for m in (args.source, args.target)}
    for m, c in cos.items():
        print(f"{m:16} share >= t: " + "  ".join(f"{t:.2f} {float((c >= t).mean()):.3f}" for t in grid))
    share = float((cos[args.source] >= args.threshold).mean())
    matched = float(np.quantile(cos[args.target], 1 - share))
    print(f"{args.source} at {args.threshold} lets {share:.3f} through; {args.target} does the same at {matched:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
