"""Claim-checker benchmark on RGB en_fact (counterfactual news snippets).

For each record and each `positive` passage that contains the true answer, two claims are
checked against that passage (cited as source [1]):
- faithful: the passage's sentence that holds the answer, rewritten as '<query>: <answer>.' and,
  separately, verbatim;
- planted: the same two with the `fakeanswer` in place of the answer (RGB's counterfactual).
Reported per split (splits.tsv): detection rate (planted claims flagged) and false-flag rate
(faithful claims flagged), for the checker without a judge, with the spaCy attribution judge,
and with attribution + the cross-encoder at each --thresholds value.

    python bench/claims.py ../shared/bench/rgb-en-fact [--split dev|test|both]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def load(folder: Path) -> tuple[list[dict], dict[int, str]]:
    recs = [json.loads(x) for x in (folder / "en_fact.json").read_text(encoding="utf-8").splitlines() if x.strip()]
    split = {}
    for line in (folder / "splits.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        i, s = line.split("\t")
        split[int(i)] = s.strip()
    return recs, split


def cases(rec: dict) -> list[tuple[str, str, str, bool]]:
    """(passage, claim, question, planted) for one record."""
    from index import split_sentences

    answers = rec["answer"] if isinstance(rec["answer"], list) else [rec["answer"]]
    answers = [a for a in answers if isinstance(a, str)]
    fake = rec["fakeanswer"] if isinstance(rec["fakeanswer"], str) else str(rec["fakeanswer"])
    out = []
    for passage in rec["positive"]:
        ans = next((a for a in answers if a and a in passage), None)
        if ans is None or ans == fake or fake in passage:
            continue
        sent = next((passage[s:e] for s, e in split_sentences(passage) if ans in passage[s:e]), None)
        if sent is None:
            continue
        for claim in (f"{rec['query']}: {ans}.", sent):
            out.append((passage, claim, rec["query"], False))
            out.append((passage, claim.replace(ans, fake), rec["query"], True))
    return out


def flagged(checker, passage: str, claim: str, question: str) -> bool:
    from index import Chunk, ScoredPassage
    from qa.verify import Source

    p = ScoredPassage(Chunk("d:0", "d", 0, len(passage), passage), 1.0, title=None, outlet=None, published=None)
    v = checker.verify(claim + " [1]", [Source.whole(1, p)], question)
    return bool(v.unsupported)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--split", default="dev", choices=["dev", "test", "both"])
    ap.add_argument("--thresholds", default="0,2,4")
    args = ap.parse_args(argv)
    from qa.components import get_embedder
    from qa.quote import EmbeddingCache
    from qa.verify import Checker
    from qa.verify_model import Attribution, ClaimJudge, shared_cross_encoder

    recs, split = load(args.folder)
    emb = EmbeddingCache(get_embedder("minilm"))
    attr = Attribution()
    ce = shared_cross_encoder()
    judges = {"lexical+embedding": None, "+attribution": ClaimJudge(None, attr)}
    for t in args.thresholds.split(","):
        judges[f"+attribution+CE>={t}"] = ClaimJudge(ce, attr, float(t))
    for sp in (["dev", "test"] if args.split == "both" else [args.split]):
        cs = [c for r in recs if split.get(r["id"]) == sp for c in cases(r)]
        n_fake = sum(c[3] for c in cs)
        n_true = len(cs) - n_fake
        for name, judge in judges.items():
            checker = Checker(emb, judge=judge)
            det = fal = 0
            for passage, claim, q, planted in cs:
                f = flagged(checker, passage, claim, q)
                det += f and planted
                fal += f and not planted
            print(f"{sp:4} {name:26} detection {det}/{n_fake} = {det / max(n_fake, 1):.3f}  "
                  f"false flags {fal}/{n_true} = {fal / max(n_true, 1):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
