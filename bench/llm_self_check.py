"""Can the model itself say whether its sources answer the question? A measurement; the check
was not adopted (docs/measurements.md, twelfth round).

The issue suggests asking the llm mode's model a yes/no question about its sources. Here, for
each question that reaches the model (the refusal gate let it through), the same model is asked
once more, with greedy decoding, for one token, and the probability of "yes" among its "yes"/"no"
tokens (`logprobs`, llama.cpp's OpenAI-compatible server) is the check's score:
- `p_sources`: every source the answer prompt gave it, then "Do the sources state the answer to
  this question? Reply yes or no." under a checking system prompt;
- `p_cited`: the same over only the sources its supported sentences cite (none: not scored).

`--collect-rtqa` asks each RealTime QA question of the split in llm mode as of its quiz date,
once over the whole suite index and once with the evidence documents removed (as `qa eval
--suite` does), and writes one JSON line per ask. `--collect-gold FILE` asks a gold file's
questions (eval/*.jsonl) over the seed articles. `--table` prints, per score, the AUC for
"answered correctly" against "answered with the evidence removed" (or "answered an unanswerable
question"), the gate's own score beside it, and what "refuse when the score < t" would do.

    QA_CACHE_DIR=DIR python bench/llm_self_check.py --collect-rtqa --split dev --rows R.jsonl
    python bench/llm_self_check.py --collect-gold eval/gold.jsonl --data-dir DIR --rows G.jsonl
    python bench/llm_self_check.py --table R.jsonl G.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHECK_PROMPT = "You check whether news sources answer a question. Reply yes or no."
CHECK_QUESTION = "Do the sources state the answer to this question? Reply yes or no."
SCORES = ("p_sources", "p_cited")
THRESHOLDS = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8)


def yes_probability(url: str, messages: list[dict]) -> float:
    """P("yes") / (P("yes") + P("no")) over the first generated token's top 10 (any case);
    0.5 when neither is among them."""
    body = {"messages": messages, "max_tokens": 1, "temperature": 0, "logprobs": True, "top_logprobs": 10}
    req = urllib.request.Request(url.rstrip("/") + "/chat/completions", data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=120) as resp:
        top = json.loads(resp.read())["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
    yes = sum(math.exp(t["logprob"]) for t in top if t["token"].strip().lower() == "yes")
    no = sum(math.exp(t["logprob"]) for t in top if t["token"].strip().lower() == "no")
    return yes / (yes + no) if yes + no > 0 else 0.5


def check_messages(answerer, question: str, sources) -> list[dict]:
    body = "\n\n".join(answerer.render_source(s) for s in sources)
    return [{"role": "system", "content": CHECK_PROMPT},
            {"role": "user", "content": f"Sources:\n{body}\n\nQuestion: {question.strip()}\n\n{CHECK_QUESTION}"}]


class Recorder:
    """Wraps LLMAnswerer.finish, while in use, to keep (answerer, question, sources, generated,
    Answer) of each answer the model writes in `seen`."""

    def __init__(self):
        from qa.llm.answerer import LLMAnswerer

        self.cls, self.seen = LLMAnswerer, []
        self.finish = LLMAnswerer.finish

    def __enter__(self):
        finish, seen = self.finish, self.seen

        def recording(answerer, question, passages, sources, generated, timings, t0):
            ans = finish(answerer, question, passages, sources, generated, timings, t0)
            seen.append((answerer, question, sources, generated, ans))
            return ans

        self.cls.finish = recording
        return self

    def __exit__(self, *exc):
        self.cls.finish = self.finish


def check_scores(url: str, seen: list) -> dict:
    """The check's scores for the last answer in `seen` (a Recorder's; {} when the model wrote
    none: the gate refused)."""
    if not seen:
        return {}
    answerer, question, sources, generated, ans = seen[-1]
    cited = {m for s in ans.sentences if s.status == "supported" for m in s.markers}
    out = {"generated": generated[:300],
           "p_sources": yes_probability(url, check_messages(answerer, question, sources))}
    if cited:
        out["p_cited"] = yes_probability(url, check_messages(
            answerer, question, [s for s in sources if s.marker in cited]))
    return out


def llm_url(settings) -> str:
    from qa.llm.adapter import get_llm

    llm = get_llm(settings.llm)
    return llm.worker.url if llm.worker is not None else llm.server_url


def collect_rtqa(args) -> None:
    from evaluation import metrics as M
    from evaluation.answers import view
    from evaluation.beir import bench_dir, cache_root
    from evaluation.suite import realtimeqa_assistant
    from index import Filters
    from qa import Settings

    assistant, docs, questions = realtimeqa_assistant(
        Settings.load(), args.split, Path(args.bench_dir or bench_dir()), Path(args.cache_dir or cache_root()),
        say=lambda m: print(m, file=sys.stderr))
    url = llm_url(assistant.settings)
    ids = [d.doc_id for d in docs]
    with Recorder() as rec, open(args.rows, "w") as out:
        for q in questions[:args.limit] if args.limit else questions:
            bad = {q.evidence_doc, *q.answer_docs}
            for cond, filters in (("full", None), ("removed", Filters(doc_ids=tuple(d for d in ids if d not in bad)))):
                rec.seen.clear()
                v = view(assistant.ask(q.question, mode="llm", as_of=q.as_of, filters=filters), 0.0)
                answerable = cond == "full"
                out.write(json.dumps({
                    "set": f"realtimeqa-{args.split}", "id": q.id, "answerable": answerable,
                    "abstained": v["abstained"], "score": v["score"], "fallback": bool(v.get("fallback")),
                    "correct": (not v["abstained"] and M.contains_alias(v["pred"], [q.answer_text])) if answerable
                    else v["abstained"], **check_scores(url, rec.seen)}) + "\n")
                out.flush()


def collect_gold(args) -> None:
    from bench.answer import grade, load_jsonl
    from index import ingest_paths
    from qa import Assistant, Settings

    settings = Settings.load(data_dir=args.data_dir)
    assistant = Assistant.from_settings(settings)
    if not assistant.index.records(fresh=True):
        ingest_paths(assistant.index, [str(ROOT / "corpus")])
    url = llm_url(settings)
    with Recorder() as rec, open(args.rows, "w") as out:
        items = load_jsonl(args.collect_gold)
        for item in items[:args.limit] if args.limit else items:
            rec.seen.clear()
            ans = assistant.ask(item["question"], mode="llm")
            out.write(json.dumps({
                "set": Path(args.collect_gold).stem, "id": item["id"], "answerable": item.get("answerable", True),
                "abstained": ans.abstained, "score": ans.verdict.score if ans.verdict else None,
                "fallback": ans.fallback is not None, "correct": grade(item, ans)["correct"],
                **check_scores(url, rec.seen)}) + "\n")
            out.flush()


def auc(pos: list[float], neg: list[float]) -> float | None:
    """P(a positive scores above a negative), ties counted half (scikit-learn's ROC AUC); None
    without both."""
    from sklearn.metrics import roc_auc_score

    if not pos or not neg:
        return None
    return float(roc_auc_score([1] * len(pos) + [0] * len(neg), list(pos) + list(neg)))


def table(rows: list[dict]) -> list[str]:
    """Per score: AUC over answered questions (correct answerable vs unanswerable or evidence
    removed), then accuracy / false refusal / refusal if the check refused below each t."""
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    lines = [f"{len(ans)} answerable asks, {len(una)} unanswerable (or evidence removed); the gate "
             f"answered {sum(not r['abstained'] for r in ans)} and {sum(not r['abstained'] for r in una)}"]
    pos = [r for r in ans if r["correct"] and not r["abstained"]]
    neg = [r for r in una if not r["abstained"]]
    for key in ("score", *SCORES):
        a = auc([r[key] for r in pos if r.get(key) is not None], [r[key] for r in neg if r.get(key) is not None])
        lines.append(f"AUC of {key}, answered right vs answered without the evidence: "
                     + ("n/a" if a is None else f"{a:.3f}"))
    for key in SCORES:
        lines += [f"", f"| refuse when {key} < t | accuracy | false refusal | refusal |", "|---|---|---|---|"]
        for t in THRESHOLDS:
            def refused(r):
                return r["abstained"] or r.get(key, 1.0) < t

            lines.append(f"| {t:g} | {sum(r['correct'] and not refused(r) for r in ans) / max(1, len(ans)):.3f} | "
                         f"{sum(refused(r) for r in ans) / max(1, len(ans)):.3f} | "
                         f"{sum(refused(r) for r in una) / max(1, len(una)):.3f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--collect-rtqa", action="store_true", help="ask a RealTime QA split in llm mode")
    what.add_argument("--collect-gold", metavar="FILE", help="ask a gold file's questions over the seed articles")
    what.add_argument("--table", nargs="+", type=Path, metavar="ROWS", help="print the tables of collected rows")
    ap.add_argument("--rows", type=Path, help="where --collect-* writes its JSON lines")
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--data-dir", default=str(ROOT / ".qa-bench"), help="--collect-gold's index of the seed articles")
    ap.add_argument("--bench-dir", default=None, help="default: $QA_BENCH_DIR, else ../shared/bench")
    ap.add_argument("--cache-dir", default=None, help="default: $QA_CACHE_DIR, else ~/.cache/news-qa")
    args = ap.parse_args(argv)
    if args.table:
        rows = [json.loads(line) for p in args.table for line in p.read_text().splitlines() if line.strip()]
        for name in sorted({r["set"] for r in rows}):
            print(f"\n## {name}")
            print("\n".join(table([r for r in rows if r["set"] == name])))
        return 0
    if args.rows is None:
        ap.error("--collect-rtqa and --collect-gold need --rows")
    collect_rtqa(args) if args.collect_rtqa else collect_gold(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
