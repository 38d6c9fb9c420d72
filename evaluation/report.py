"""Evaluation reports: report.json, report.md and report.html (plots embedded as base64 PNG).

A report is a plain dict, any subset of:
  {"gold": [GoldRun.to_json(), ...], "ablation": {"rows": [...]}, "squad": {...}, "beir": {...},
   "suite": {...} (evaluation/suite.py), "meta": {...}}
`markdown(report)` and `figures(report)` are reusable (the UI's evaluation tab shows the same)."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

from .metrics import RETRIEVAL_KS

SUMMARY_COLUMNS = (
    ("accuracy", "accuracy"), ("answer_accuracy", "answer acc"), ("contains", "contains"),
    ("em", "EM"), ("f1", "F1"), ("refusal_accuracy", "refusal acc"),
    ("false_refusal_rate", "false refusal"), ("citation_precision", "cite P"),
    ("citation_recall", "cite R"), ("fallback_rate", "llm fallback"),
)
RETRIEVAL_COLUMNS = tuple((f"{m}@{k}", f"{m}@{k}") for m in ("hit", "recall") for k in RETRIEVAL_KS) + (
    ("mrr", "MRR"), ("ndcg@10", "nDCG@10"),
)


def fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def table(header: list[str], rows: list[list[Any]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _latency_row(lat: dict) -> list[Any]:
    stages = [s for s in ("retrieve", "answer", "total") if s in lat]
    return [f"{s} p50 {fmt(lat[s]['p50'] * 1000, 0)} ms / p95 {fmt(lat[s]['p95'] * 1000, 0)} ms"
            for s in stages if lat[s]["p50"] is not None]


def gold_markdown(run: dict) -> str:
    s = run["summary"]
    parts = [f"## Gold set, {run['mode']} mode ({s['n']} questions: {s['n_answerable']} answerable, "
             f"{s['n_unanswerable']} unanswerable)"]
    parts.append(table([c[1] for c in SUMMARY_COLUMNS], [[s.get(c[0]) for c in SUMMARY_COLUMNS]]))
    r = s.get("retrieval") or {}
    if r.get("n"):
        parts.append(f"Retrieval ({r['n']} questions with evidence; a passage is relevant when it overlaps "
                     "a gold quote):")
        parts.append(table([c[1] for c in RETRIEVAL_COLUMNS], [[r.get(c[0]) for c in RETRIEVAL_COLUMNS]]))
    lat = s.get("latency") or {}
    if lat:
        parts.append("Latency: " + "; ".join(_latency_row(lat)))
    rows = [[t, b["n"], b.get("accuracy"), b.get("contains"), b.get("f1"), b.get("citation_precision"),
             (b.get("retrieval") or {}).get("recall@5")] for t, b in run["by_type"].items()]
    parts.append("By question type:")
    parts.append(table(["type", "n", "accuracy", "contains", "F1", "cite P", "recall@5"], rows))
    wrong = [d for d in run["details"] if not d["correct"]]
    if wrong:
        parts.append(f"Incorrect ({len(wrong)}):")
        parts.append(table(
            ["id", "type", "abstained", "answer (start)", "gold"],
            [[d["id"], d["type"], d["abstained"], d["answer"].replace("\n", " ").replace("|", "/")[:90],
              "; ".join(d["gold_answers"][:3]).replace("|", "/") or "(unanswerable)"] for d in wrong],
        ))
    return "\n\n".join(parts)


def ablation_markdown(ab: dict) -> str:
    rows_in = ab.get("rows") or []
    cols = ab.get("columns") or ([k for k in rows_in[0] if k not in ("variant", "summary")] if rows_in else [])
    rows = [[r["variant"], *[r.get(c) for c in cols]] for r in rows_in]
    out = "## Ablation\n\n" + table(["variant", *cols], rows)
    for s in ab.get("skipped") or []:
        out += f"\n\nskipped {s['variant']}: {s['reason']}"
    return out


def flat_markdown(title: str, obj: dict) -> str:
    rows = [[k, v] for k, v in obj.items() if not isinstance(v, (dict, list))]
    out = [f"## {title}", table(["metric", "value"], rows)]
    for k, v in obj.items():
        if isinstance(v, dict) and v and all(not isinstance(x, (dict, list)) for x in v.values()):
            out.append(f"{k}:\n\n" + table(["metric", "value"], [[a, b] for a, b in v.items()]))
    return "\n\n".join(out)


def markdown(report: dict) -> str:
    parts = ["# Evaluation report"]
    meta = report.get("meta") or {}
    if meta:
        parts.append("\n".join(f"- {k}: {fmt(v)}" for k, v in meta.items()))
    for run in report.get("gold", []):
        parts.append(gold_markdown(run))
    if report.get("ablation"):
        parts.append(ablation_markdown(report["ablation"]))
    for mode, result in (report.get("squad") or {}).items():
        parts.append(flat_markdown(f"SQuAD 2.0, {mode} mode (EM/F1 in %, official normalisation)", result))
    if report.get("beir"):
        b = report["beir"]
        head = f"## BEIR {b.get('dataset', '')} ({b.get('split', '')}, {b.get('n_queries', '?')} queries)"
        rows = [[name, v.get("ndcg10"), v.get("mrr10"), v.get("recall100"), v.get("seconds")]
                for name, v in (b.get("variants") or {}).items()]
        parts.append(head + "\n\n" + table(["retrieval", "nDCG@10", "MRR@10", "Recall@100", "seconds"], rows))
    if report.get("suite"):
        from .suite_report import suite_markdown

        parts.append(suite_markdown(report["suite"]))
    return "\n\n".join(parts) + "\n"


# -- plots -----------------------------------------------------------------------------------------
def _series(report: dict) -> list[tuple[str, dict]]:
    """(label, summary) for every gold run and every ablation variant that carries a summary."""
    out = [(f"gold/{r['mode']}", r["summary"]) for r in report.get("gold", [])]
    out += [(r["variant"], r["summary"]) for r in (report.get("ablation") or {}).get("rows", []) if r.get("summary")]
    return out


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def figures(report: dict) -> dict[str, bytes]:
    """PNG plots: recall@k curves, per-type accuracy bars, latency histogram (those that have data)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs: dict[str, bytes] = {}
    series = [(lbl, s) for lbl, s in _series(report) if (s.get("retrieval") or {}).get("n")]
    if series:
        fig, ax = plt.subplots(figsize=(6, 4))
        for lbl, s in series:
            ys = [s["retrieval"].get(f"recall@{k}") for k in RETRIEVAL_KS]
            ax.plot(RETRIEVAL_KS, ys, marker="o", label=lbl)
        ax.set(xlabel="k (passages)", ylabel="recall@k", ylim=(0, 1.02), title="Evidence recall@k",
               xticks=list(RETRIEVAL_KS))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        figs["recall_at_k"] = _png(fig)
    runs = report.get("gold", [])
    if runs:
        types = sorted({t for r in runs for t in r["by_type"]})
        fig, ax = plt.subplots(figsize=(7, 4))
        width = 0.8 / len(runs)
        for i, r in enumerate(runs):
            ys = [(r["by_type"].get(t) or {}).get("accuracy") or 0.0 for t in types]
            ax.bar([x + i * width for x in range(len(types))], ys, width, label=r["mode"])
        ax.set_xticks([x + width * (len(runs) - 1) / 2 for x in range(len(types))], types, rotation=30,
                      ha="right")
        ax.set(ylabel="accuracy", ylim=(0, 1.05), title="Accuracy by question type")
        ax.legend(fontsize=8)
        figs["accuracy_by_type"] = _png(fig)
        lat = [(r["mode"], [d["latency"]["total"] * 1000 for d in r["details"]]) for r in runs]
        if any(v for _, v in lat):
            fig, ax = plt.subplots(figsize=(6, 4))
            for mode, vals in lat:
                ax.hist(vals, bins=20, alpha=0.6, label=mode)
            ax.set(xlabel="total latency per question (ms)", ylabel="questions", title="Latency")
            ax.legend(fontsize=8)
            figs["latency_hist"] = _png(fig)
    if report.get("suite"):
        from .suite_report import suite_figures

        figs.update(suite_figures(report["suite"], _png))
    return figs


def html_page(report: dict, figs: dict[str, bytes]) -> str:
    md = markdown(report)
    imgs = "\n".join(
        f'<figure><img alt="{name}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        f"<figcaption>{name}</figcaption></figure>" for name, png in figs.items()
    )
    body = _md_to_html(md)
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Evaluation report</title><style>"
            "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
            "font-size:13px}figure{display:inline-block;margin:.5em}</style></head><body>"
            f"<section class='plots'>{imgs}</section>{body}</body></html>")


def _md_to_html(md: str) -> str:
    """The tiny Markdown subset `markdown()` writes: headings, bullets, tables, paragraphs."""
    out, blocks = [], md.split("\n\n")
    for block in blocks:
        lines = block.strip().splitlines()
        if not lines:
            continue
        if lines[0].startswith("#"):
            level = len(lines[0]) - len(lines[0].lstrip("#"))
            out.append(f"<h{level}>{html.escape(lines[0].lstrip('#').strip())}</h{level}>")
        elif lines[0].startswith("|"):
            rows = [ln.strip("|").split(" | ") for ln in lines if not ln.startswith("|---")]
            head = "".join(f"<th>{html.escape(c.strip())}</th>" for c in rows[0])
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in r) + "</tr>"
                           for r in rows[1:])
            out.append(f"<table><tr>{head}</tr>{body}</table>")
        elif lines[0].startswith("- "):
            out.append("<ul>" + "".join(f"<li>{html.escape(ln[2:])}</li>" for ln in lines) + "</ul>")
        else:
            out.append("<p>" + html.escape(" ".join(lines)) + "</p>")
    return "\n".join(out)


def write_report(out_dir: str | Path, report: dict) -> dict[str, Path]:
    """Write report.json, report.md and report.html (with plots) into out_dir; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "md": out / "report.md", "html": out / "report.html"}
    paths["json"].write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    paths["md"].write_text(markdown(report), encoding="utf-8")
    paths["html"].write_text(html_page(report, figures(report)), encoding="utf-8")
    return paths
