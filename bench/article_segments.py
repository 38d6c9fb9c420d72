"""More than one vector per article: does embedding later parts of long articles find the
article more often? A measurement; not adopted (docs/measurements.md, twelfth round).

The issue allows "one or more vectors per article (title and lead; optionally a few more for
long articles)". Today an article has one vector (title + first 200 words, bge-small) and its
passages' static vectors count through `passage_weight`. Here each article also gets up to
`--segments` vectors of its title + the next 200-word windows (a window needs at least 20 words),
embedded by the index's article model (`index.article_embedder`), and the article's cosine in the product's
scoring (bench/article_first.py's features and grid_eval, the settings' weights) becomes:
- `max`: the best of the lead's and the segments' cosines;
- `lead+0.5seg`: the lead's, plus half of what the best segment adds above it;
- `mean`: the mean of the lead's and the best segment's (the lead's alone without segments).

    QA_CACHE_DIR=DIR python bench/article_segments.py --split dev --only realtimeqa,multihop
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.article_first import article_weights, features, grid_eval, load_sets  # noqa: E402

_WORD = re.compile(r"\S+")
COMBINE = {
    "max": lambda lead, seg: np.maximum(lead, seg),
    "lead+0.5seg": lambda lead, seg: lead + 0.5 * np.maximum(0.0, seg - lead),
    "mean": lambda lead, seg: np.where(seg > -1.0, (lead + seg) / 2, lead),
}


def windows(text: str, start: int = 200, size: int = 200, n: int = 2, min_words: int = 20) -> list[str]:
    """Up to `n` exact slices of `text` of `size` words each, from word `start` on; a window of
    fewer than `min_words` words is left out, and so are the ones after it."""
    spans = [m.span() for m in _WORD.finditer(text)]
    out = []
    for k in range(n):
        a = start + k * size
        b = min(a + size, len(spans))
        if b - a < min_words:
            break
        out.append(text[spans[a][0]:spans[b - 1][1]])
    return out


def segment_texts(index, doc_ids: list[str], n: int) -> tuple[list[str], np.ndarray]:
    """('Title. ' + window) texts of every article, and the row of each one's article."""
    texts, owner = [], []
    for i, doc_id in enumerate(doc_ids):
        doc = index.get_document(doc_id)
        title = (doc.title or "").strip() if doc is not None else ""
        for seg in windows(doc.text, n=n) if doc is not None else []:
            texts.append(f"{title}. {seg}" if title else seg)
            owner.append(i)
    return texts, np.asarray(owner, dtype=int)


def main(argv: list[str] | None = None) -> int:
    from index.article_retrieval import query_vectors
    from qa.components import build_retriever
    from qa.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--only", default="realtimeqa,multihop")
    ap.add_argument("--segments", type=int, default=2, help="vectors per article after the lead")
    args = ap.parse_args(argv)
    settings = Settings.load()
    w = article_weights(None, settings)
    for name, (index, items) in load_sets(args.split, args.only.split(","), settings).items():
        m, feats = features(name, build_retriever(settings, index), items)
        out = {"today": grid_eval(name, m, feats, w)}
        t0 = time.perf_counter()
        emb = index.article_embedder  # the model of the index's article vectors, as questions use it
        texts, owner = segment_texts(index, m.doc_ids, args.segments)
        vecs = np.asarray(emb.embed_documents(texts), dtype=np.float32) if texts else np.zeros((0, m.vectors.shape[1]))
        out.update(articles=len(m), segments=len(texts), embed_s=round(time.perf_counter() - t0, 1))
        qvecs = [query_vectors(index, it[0])[0] for it in items]
        for label, combine in COMBINE.items():
            scored = []
            for f, qv in zip(feats, qvecs):
                seg = np.full(len(m), -1.0, dtype=np.float32)
                if len(vecs):
                    np.maximum.at(seg, owner, vecs @ qv)
                scored.append((combine(f[0], seg), *f[1:]))
            out[label] = grid_eval(name, m, scored, w)
        print(json.dumps({name: out}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
