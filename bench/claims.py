"""Claim-checker benchmark on RGB en_fact (counterfactual news snippets).

For each record and each `positive` passage that contains the true answer, two claims are
checked against that passage (cited as source [1]):
- faithful: the passage's sentence that holds the answer, rewritten as '<query>: <answer>.' and,
  separately, verbatim;
- planted: the same two with the `fakeanswer` in place of the answer (RGB's counterfactual).
With --swap, the claims test misattribution instead: for each sentence of a `positive` or
`negative` passage where spaCy finds '<speaker> said/told/... that <clause>' (a PERSON/ORG/NORP/
GPE speaker), faithful = 'According to <speaker>, <clause>.' and planted = the same with
another entity of the same passage as the speaker (so every word is in the passage).
Reported per split (splits.tsv): detection rate (planted claims flagged) and false-flag rate
(faithful claims flagged), for the checker without a judge, with the spaCy attribution judge,
and with attribution + the cross-encoder at each --thresholds value.

    python bench/claims.py ../shared/bench/rgb-en-fact [--split dev|test|both]
    python bench/claims.py ../shared/bench/multihop-rag-subset500 --swap [--split ...]
    python bench/claims.py ../shared/bench/realtimeqa --swap [--split ...]   (40 articles/split)

`--embed-model SPEC` checks with another embedder (default: the settings' embed_model);
`--min-cosine 0.5,0.55,...` adds the checker without a judge at each `verify.min_cosine`, to
re-choose that threshold for an embedder whose cosines run on another scale.
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


_SPEAKERS = ("PERSON", "ORG", "NORP", "GPE")


def facts(folder: Path) -> tuple[list[dict], dict[str, str]]:
    """MultiHop-RAG evidence sentences as records (query '', passages = the fact), split by
    the README's rule applied to the fact id."""
    import hashlib

    recs, split = [], {}
    for line in (folder / "evidence_facts.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            f = json.loads(line)
            h = int(hashlib.sha256(f"multihop-rag-subset500:{f['fact_id']}".encode()).hexdigest()[:8], 16)
            recs.append({"id": f["fact_id"], "query": "", "positive": [f["fact"]], "negative": []})
            split[f["fact_id"]] = "dev" if h % 100 < 50 else "test"
    return recs, split


def news(folder: Path, per_split: int = 40) -> tuple[list[dict], dict[str, str]]:
    """RealTimeQA news articles (split of the question each was retrieved for), as records
    whose passages are 3-sentence windows; the first `per_split` articles of each split."""
    from index import split_sentences

    split = {}
    for line in (folder / "splits.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        i, sp = line.split("\t")
        split[i] = sp.strip()
    recs, n = [], {"dev": 0, "test": 0}
    with open(folder / "corpus_subset.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            sp = split.get(d.get("retrieved_for", ""))
            if sp not in n or n[sp] >= per_split:
                continue
            n[sp] += 1
            sents = [d["text"][a:b] for a, b in split_sentences(d["text"][:6000])]
            windows = [" ".join(sents[i:i + 3]) for i in range(0, len(sents), 3)]
            recs.append({"id": d["doc_id"], "query": "", "positive": windows, "negative": []})
            split[d["doc_id"]] = sp
    return recs, split


def swap_cases(rec: dict, nlp) -> list[tuple[str, str, str, bool]]:
    out = []
    for passage in rec["positive"] + rec["negative"]:
        doc = nlp(passage)
        ents = [e for e in doc.ents if e.label_ in _SPEAKERS]
        for tok in doc:
            comp = [c for c in tok.children if c.dep_ == "ccomp"]
            subj = [c for c in tok.children if c.dep_ == "nsubj"]
            if tok.pos_ not in ("VERB", "AUX") or not comp or not subj:
                continue
            lo, hi = subj[0].left_edge.i, subj[0].right_edge.i + 1
            speaker = next((e for e in ents if e.start >= lo and e.end <= hi), None)
            c = comp[0]
            clause = doc[c.left_edge.i:c.right_edge.i + 1]
            if speaker is None or len(clause) < 4:
                continue
            text = clause.text
            if clause[0].lower_ == "that":
                text = doc[clause.start + 1:clause.end].text
            other = next((e for e in ents if e.label_ == speaker.label_ and e.text.lower() not in
                          (speaker.text.lower(), doc[lo:hi].text.lower()) and e.text not in text
                          and speaker.text not in e.text), None)
            if other is None:
                continue
            text = text.rstrip(" .…")
            out.append((passage, f"According to {speaker.text}, {text}.", rec["query"], False))
            out.append((passage, f"According to {other.text}, {text}.", rec["query"], True))
    return out


def flagged(checker, passage: str, claim: str, question: str) -> bool:
    from index import Chunk, ScoredPassage
    from qa.check.claims import Source

    p = ScoredPassage(Chunk("d:0", "d", 0, len(passage), passage), 1.0, title=None, outlet=None, published=None)
    v = checker.verify(claim + " [1]", [Source.whole(1, p)], question or None)
    return bool(v.unsupported)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--split", default="dev", choices=["dev", "test", "both"])
    ap.add_argument("--thresholds", default="0,2,4")
    ap.add_argument("--swap", action="store_true", help="speaker-swap claims (misattribution)")
    ap.add_argument("--embed-model", default=None, help="embedder spec (default: the settings' embed_model)")
    ap.add_argument("--min-cosine", default="", help="comma-separated verify.min_cosine values to grid")
    args = ap.parse_args(argv)
    from qa.components import get_embedder
    from qa.answer.quote import EmbeddingCache
    from qa.check.claims import Checker
    from qa.check.claim_judges import Attribution, ClaimJudge, shared_cross_encoder
    from qa.settings import Settings

    if (args.folder / "evidence_facts.jsonl").is_file():
        recs, split = facts(args.folder)
    elif (args.folder / "corpus_subset.jsonl").is_file():
        recs, split = news(args.folder)
    else:
        recs, split = load(args.folder)
    settings = Settings()
    spec = args.embed_model or settings.index.embed_model
    print(f"embedder {spec}, verify.min_cosine {settings.verify.min_cosine}", flush=True)
    emb = EmbeddingCache(get_embedder(spec))
    attr = Attribution()
    ce = shared_cross_encoder()
    judges = {"lexical+embedding": (None, settings.verify), "+attribution": (ClaimJudge(None, attr), settings.verify)}
    for t in args.thresholds.split(","):
        judges[f"+attribution+CE>={t}"] = (ClaimJudge(ce, attr, float(t)), settings.verify)
    for c in filter(None, args.min_cosine.split(",")):
        judges[f"lexical+embedding cos>={c}"] = (None, settings.verify.model_copy(update={"min_cosine": float(c)}))
    for sp in (["dev", "test"] if args.split == "both" else [args.split]):
        make = (lambda r: swap_cases(r, attr.nlp)) if args.swap else cases
        cs = [c for r in recs if split.get(r["id"]) == sp for c in make(r)]
        n_fake = sum(c[3] for c in cs)
        n_true = len(cs) - n_fake
        for name, (judge, verify) in judges.items():
            checker = Checker(emb, verify, judge=judge)
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
