"""Would a relevance test on cited sources catch llm mode's wrong answers? A measurement; the
test was not adopted (docs/measurements.md, eleventh round).

The claim checker (qa.check.claims) excuses the words a claim repeats from the question: they
are context, not claims. So "Delta Air Lines hit the headlines after charging an elderly couple
£110" passes against a Delta source that says nothing of the couple: only "Delta Air Lines" has
to be found there. Two signals could catch it, for each claim of a generated answer:
- `echo`: the share of the claim's question words (content stems) that its cited sources hold;
- `qce`: the cross-encoder's logit for (question, the cited sources' shown text), the
  ms-marco relevance the quote mode's second stage uses.

`--collect` asks each RealTime QA question of the split in llm mode (as of its quiz date, the
suite's index) and writes one JSON line per question: whether the generated text holds the gold
answer, whether it fell back to quotes, and per claim its two signals and whether the claim
itself holds the gold answer. `--table` then prints, for rules "reject a claim when echo < e and
qce < q": the answers that would lose every claim (and so fall back to quotes), how many of
those the model had right, and how many rejected claims hold the gold answer.

    QA_CACHE_DIR=DIR python bench/llm_claim_relevance.py --collect --split dev --rows R.jsonl
    python bench/llm_claim_relevance.py --table --rows R.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ECHO = (0.34, 0.5, 0.67, 1.01)
QCE = (-2.0, 0.0, 2.0, float("inf"))


def content(text: str) -> set[str]:
    from index.text import STOPWORDS, stem, words

    return {stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1}


def claim_rows(question: str, sources, generated: str, golds: list[str], scorer) -> list[dict]:
    """One row per claim of `generated` (qa.check.claims.claim_units, refusals and remarks
    about the sources left out): `echo`, `qce` (see the module doc) and `gold` (the claim holds
    a gold answer). A claim without a valid marker is read against every source, as the
    checker reads it."""
    from evaluation import metrics as M
    from qa.check.claims import claim_units
    from qa.llm.answerer import is_meta, is_refusal

    by = {s.marker: s for s in sources}
    asked = content(question)
    rows = []
    for u in claim_units(generated):
        if is_refusal(generated[u.start:u.end]) or is_meta(u.claim) or not by:
            continue
        cited = [by[m] for m in u.markers if m in by] or list(by.values())
        held = content(" ".join(s.header + " " + s.text for s in cited))
        echo = content(u.claim) & asked
        rows.append({"echo": len(echo & held) / len(echo) if echo else 1.0,
                     "qce": float(max(scorer.score(question, [s.text for s in cited]))),
                     "gold": bool(M.contains_alias(u.claim, golds))})
    return rows


def rule_table(questions: list[dict], echos=ECHO, qces=QCE) -> list[str]:
    """Markdown rows, one per rule (see the module doc), over `questions` (collected lines)."""
    lines = ["| reject a claim when | answers losing every claim | of them, the model right | "
             "claims rejected | of them, holding the gold answer |", "|---|---|---|---|---|"]
    for e in echos:
        for q in qces:
            def rejected(c):
                return c["echo"] < e and c["qce"] < q

            lost = [x for x in questions if not x["fallback"] and x["claims"]
                    and all(rejected(c) for c in x["claims"])]
            claims = [c for x in questions for c in x["claims"] if rejected(c)]
            lines.append(f"| echo < {e:g} and qce < {q:g} | {len(lost)} | {sum(x['correct'] for x in lost)} | "
                         f"{len(claims)} | {sum(c['gold'] for c in claims)} |")
    return lines


def collect(args) -> None:
    from bench.llm_self_check import Recorder
    from evaluation import metrics as M
    from evaluation.beir import bench_dir, cache_root
    from evaluation.suite import realtimeqa_assistant
    from index.cross_encoder import shared_cross_encoder
    from qa import Settings

    settings = Settings.load()
    assistant, _, questions = realtimeqa_assistant(
        settings, args.split, Path(args.bench_dir or bench_dir()), Path(args.cache_dir or cache_root()),
        say=lambda m: print(m, file=sys.stderr))
    scorer = shared_cross_encoder(settings.retrieval.rerank_max_length)
    with Recorder() as rec, open(args.rows, "w") as out:
        for q in questions[:args.limit] if args.limit else questions:
            rec.seen.clear()
            ans = assistant.ask(q.question, mode="llm", as_of=q.as_of)
            if ans.abstained or not rec.seen:
                continue
            _, question, sources, generated, _ = rec.seen[0]
            out.write(json.dumps({"id": q.id, "correct": bool(M.contains_alias(generated, [q.answer_text])),
                                  "fallback": ans.fallback is not None,
                                  "claims": claim_rows(question, sources, generated, [q.answer_text], scorer)})
                      + "\n")
            out.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--collect", action="store_true", help="answer the split in llm mode and write the rows")
    what.add_argument("--table", action="store_true", help="print the rule table of collected rows")
    ap.add_argument("--rows", type=Path, required=True, help="JSON lines, one per answered question")
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--bench-dir", default=None, help="default: $QA_BENCH_DIR, else ../shared/bench")
    ap.add_argument("--cache-dir", default=None, help="default: $QA_CACHE_DIR, else ~/.cache/news-qa")
    args = ap.parse_args(argv)
    if args.collect:
        collect(args)
    else:
        rows = [json.loads(line) for line in args.rows.read_text().splitlines() if line.strip()]
        print(f"{len(rows)} answered questions, {sum(len(r['claims']) for r in rows)} claims, "
              f"{sum(r['correct'] for r in rows)} with the gold answer in the model's text")
        print("\n".join(rule_table(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
