"""Retrain the answerability score (qa/evidence/answerability.json) and print its held-out figures.

Rows are answers with their verdict features (`Answer.to_json()["verdict"]["features"]`) and a
label: 1 when the retrieved passages hold the answer, 0 when they cannot (the question has no
answer in the corpus, or its evidence was not retrieved). Two sources, dev halves only:

- an evaluation-suite report run on the dev split (`qa eval --suite --split dev --out DIR`):
  RealTime QA free-form items are 1 when their evidence article is in the top 5 passages, the
  same questions with the evidence removed are 0; MultiHop-RAG items are 1 when at least half
  of their evidence facts are in the top 5, its "insufficient information" queries are 0;
- a SQuAD 2.0 dev-half run (`--squad-rows`, written by `--collect-squad N`): 1 when the
  question has an answer and its paragraph is in the top 5, 0 otherwise.

The model is scikit-learn's LogisticRegression on standardised features, class-balanced.
Held-out figures come from a split by question id (a question and its evidence-removed twin
stay on the same side): log-loss, Brier score, AUC, and accuracy at 0.5, beside the gate alone.

The suite rows must come from a forced-answer run (every question answered, so that each
policy's accuracy can be computed offline), which `bench/forced-answers.toml` configures:

    qa eval --suite --split dev --benchmark realtimeqa --benchmark multihop \\
        --config bench/forced-answers.toml --out DEV
    python bench/train_answerability.py --suite-report DEV/report.json --collect-squad 170 \\
        --squad-rows /tmp/squad_rows.jsonl --write qa/evidence/answerability.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluation.beir import bench_dir  # noqa: E402
from qa.evidence.answerability import DEFAULT_PATH, FEATURES, AnswerabilityModel  # noqa: E402


def suite_rows(report_path: Path) -> list[dict]:
    rep = json.loads(report_path.read_text())
    rows = []
    for bench, by_config in rep["suite"]["benchmarks"].items():
        for rec in next(iter(by_config.values()))["records"]:
            feats, m = rec.get("features") or {}, rec.get("metrics") or {}
            if not feats:
                continue
            if bench == "realtimeqa" and rec["type"] == "free_form":
                label = m.get("ev_recall@5") == 1.0
            elif bench == "realtimeqa" and rec["type"] == "evidence_removed":
                label = False
            elif bench == "multihop":
                label = rec["answerable"] and (m.get("fact_recall@5") or 0.0) >= 0.5
            else:
                continue  # RGB hands the passages in; NOTA reuses the free-form answer
            rows.append({"group": f"{bench}:{rec['id']}", "source": bench, "x": feats, "y": int(bool(label)),
                         "answerable": bool(rec["answerable"]) and rec["type"] != "evidence_removed",
                         "correct": bool(rec["answerable"]) and not rec["abstained"]
                         and (m.get("accuracy") or 0.0) == 1.0})
    return rows


def collect_squad(n: int, out: Path, data_dir: Path) -> None:
    """Ask `n` SQuAD dev-half questions (seeded sample) in quote mode; write rows to `out`."""
    from evaluation.squad import ensure_indexed, load_squad
    from qa.assistant import Assistant
    from qa.components import build_index
    from qa.settings import Settings

    docs, qs = load_squad(bench_dir() / "squad-v2-cs224n-dev" / "dev-v2.0.json", "dev")
    random.Random(7).shuffle(qs)
    settings = Settings.load(data_dir=str(data_dir), collection="squad_dev")
    index = build_index(settings)
    ensure_indexed(index, docs, progress=False)
    assistant = Assistant.from_settings(settings, index)
    with out.open("w") as f:
        for q in qs[:n]:
            ans = assistant.ask(q.question, mode="quote")
            hit = any(p.doc_id == q.doc_id for p in ans.passages[:5])
            f.write(json.dumps({"group": f"squad:{q.id}", "source": "squad", "x": ans.verdict.features,
                                "y": int(hit and not q.is_impossible)}) + "\n")


def heldout(group: str) -> bool:
    return int(hashlib.sha256(group.encode()).hexdigest()[:8], 16) % 100 < 30


def fit(rows: list[dict]):
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    X = np.array([[float(r["x"].get(f, 0.0)) for f in FEATURES] for r in rows])
    y = np.array([r["y"] for r in rows])
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit((X - mean) / scale, y)
    return AnswerabilityModel(FEATURES, tuple(map(float, clf.coef_[0])), float(clf.intercept_[0]),
                              tuple(map(float, mean)), tuple(map(float, scale)))


def figures(model: AnswerabilityModel, rows: list[dict]) -> dict:
    import numpy as np
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    y = np.array([r["y"] for r in rows])
    p = np.array([model.score(r["x"]) for r in rows])
    gate = np.array([r["x"].get("gate", 0.0) for r in rows])
    both = len(set(y.tolist())) == 2
    return {"n": len(rows), "positives": int(y.sum()),
            "log_loss": round(float(log_loss(y, p, labels=[0, 1])), 4),
            "brier": round(float(brier_score_loss(y, p)), 4),
            "auc": round(float(roc_auc_score(y, p)), 4) if both else None,
            "auc_gate_alone": round(float(roc_auc_score(y, gate)), 4) if both else None,
            "accuracy@0.5": round(float(((p >= 0.5) == y).mean()), 4),
            "accuracy_gate_alone": round(float((gate == y).mean()), 4)}


def policies(model: AnswerabilityModel, rows: list[dict], thresholds=(0.3, 0.4, 0.5, 0.6)) -> dict:
    """Answer/refuse trade-offs on rows from a forced-answer run (every question answered, so
    `correct` says whether answering was right): accuracy and false refusal on answerable rows,
    refusal on unanswerable ones, for the gate alone, the score alone, and both."""
    ans = [r for r in rows if r.get("answerable") is not None and r["answerable"]]
    una = [r for r in rows if r.get("answerable") is not None and not r["answerable"]]
    if not ans or not una:
        return {}

    def table(decide) -> dict:
        return {"accuracy": round(sum(decide(r) and r["correct"] for r in ans) / len(ans), 4),
                "false_refusal": round(sum(not decide(r) for r in ans) / len(ans), 4),
                "refusal": round(sum(not decide(r) for r in una) / len(una), 4)}

    out = {"n_answerable": len(ans), "n_unanswerable": len(una),
           "never refuse": table(lambda r: True), "gate": table(lambda r: r["x"].get("gate", 0.0) >= 0.5)}
    for t in thresholds:
        out[f"score>={t}"] = table(lambda r, t=t: model.score(r["x"]) >= t)
        out[f"gate and score>={t}"] = table(lambda r, t=t: r["x"].get("gate", 0.0) >= 0.5 and model.score(r["x"]) >= t)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite-report", type=Path, action="append", default=[],
                    help="report.json of `qa eval --suite --split dev` (repeatable)")
    ap.add_argument("--squad-rows", type=Path, help="SQuAD rows file (read; written first by --collect-squad)")
    ap.add_argument("--collect-squad", type=int, default=0, help="ask this many SQuAD dev-half questions first")
    ap.add_argument("--data-dir", type=Path, default=Path.home() / ".cache" / "news-qa" / "squad-dev")
    ap.add_argument("--thresholds", default="0.3,0.4,0.5,0.6", help="score floors for the policy tables")
    ap.add_argument("--write", type=Path, help=f"write the model here (the shipped one is {DEFAULT_PATH})")
    args = ap.parse_args(argv)
    if args.collect_squad:
        if not args.squad_rows:
            ap.error("--collect-squad needs --squad-rows FILE to write")
        collect_squad(args.collect_squad, args.squad_rows, args.data_dir)
    rows = [r for p in args.suite_report for r in suite_rows(p)]
    if args.squad_rows:
        rows += [json.loads(line) for line in args.squad_rows.read_text().splitlines() if line.strip()]
    if not rows:
        ap.error("no rows: give --suite-report and/or --squad-rows")
    train = [r for r in rows if not heldout(r["group"])]
    test = [r for r in rows if heldout(r["group"])]
    model = fit(train)
    report = {"train": figures(model, train), "heldout": figures(model, test),
              "by_source_heldout": {s: figures(model, [r for r in test if r["source"] == s])
                                    for s in sorted({r["source"] for r in test})},
              "policies_heldout": {s: policies(model, [r for r in test if r["source"] == s],
                                               tuple(float(t) for t in args.thresholds.split(",")))
                                   for s in sorted({r["source"] for r in test if "answerable" in r})}}
    print(json.dumps({"coef": dict(zip(model.features, [round(c, 3) for c in model.coef])), **report}, indent=2))
    if args.write:
        final = fit(rows)  # the shipped model uses every dev row; the figures above are held out
        args.write.write_text(json.dumps({
            "model": final.to_json(),
            "trained_on": {s: sum(r["source"] == s for r in rows) for s in sorted({r["source"] for r in rows})},
            "label": "1 when the top-5 retrieved passages hold the answer (dev halves only)",
            "heldout": report["heldout"], "by_source_heldout": report["by_source_heldout"],
            "command": "python bench/train_answerability.py " + " ".join(argv or sys.argv[1:]),
        }, indent=2) + "\n")
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
