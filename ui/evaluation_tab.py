"""The Evaluation tab: run a gold set through the server's own Assistant and show the metrics
and plots. It reuses evaluation (load_gold, run_gold, report.markdown/figures), so the tab
shows exactly what `qa eval --gold FILE --out DIR` writes."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import gradio as gr

from .service import NewsService

DEFAULT_GOLD = Path("eval") / "gold.jsonl"  # relative to the directory `qa serve` runs in


def run_evaluation(service: NewsService, gold_file: str | None, mode: str, limit: int | None) -> dict:
    """The `qa eval` report dict for one gold set in one mode (raises ValueError with a reason)."""
    from evaluation.gold import GoldError, load_gold
    from evaluation.runner import run_gold

    path = Path(gold_file) if gold_file else DEFAULT_GOLD
    if not path.is_file():
        raise ValueError(f"no gold file at {path}; upload a gold JSONL file "
                         "(one {id, question, answers, evidence, type, answerable} object a line)")
    service.check_question("gold", mode)  # the mode exists and is installed
    try:
        items = load_gold(path, service.index.get_document)
    except GoldError as exc:
        raise ValueError(f"invalid gold file: {exc}") from None
    if limit:
        items = items[: int(limit)]
    run = run_gold(service.assistant, items, mode, progress=True)
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "gold": path.name,
            "questions": len(items), "data_dir": service.settings.data_dir,
            "embed_model": service.settings.index.embed_model, "retrieval_mode": service.settings.retrieval.mode}
    return {"meta": meta, "gold": [run.to_json()]}


def build_evaluation_tab(service: NewsService) -> None:
    llm = service.llm()
    gr.Markdown("Run a gold question set through the assistant and see retrieval, answer, refusal, "
                f"citation and latency metrics. Without an upload, `{DEFAULT_GOLD}` is used. "
                "A full run asks every question (about a second each in quote mode).")
    with gr.Row():
        gold = gr.File(label="Gold set (.jsonl, optional)", file_count="single", elem_id="qa-eval-gold")
        with gr.Column():
            mode = gr.Radio(["quote", "llm"], value="quote", label="Answer mode", interactive=llm.available,
                            info=None if llm.available else f"llm unavailable here — {llm.reason}")
            limit = gr.Number(value=0, precision=0, minimum=0, label="Only the first N questions (0 = all)")
            run = gr.Button("Run evaluation", variant="primary", elem_id="qa-eval-run")
    report_md = gr.Markdown(elem_id="qa-eval-report")
    plots = gr.Gallery(label="Plots", columns=3, height="auto", elem_id="qa-eval-plots")

    def go(gold_file, mode, limit, progress=gr.Progress(track_tqdm=True)):
        from evaluation.report import figures, markdown

        try:
            report = run_evaluation(service, gold_file, mode, limit)
        except (ValueError, RuntimeError) as exc:  # BadRequest/Unavailable and gold errors
            return f"**Evaluation not run:** {exc}", []
        out = Path(tempfile.mkdtemp(prefix="qa-eval-"))
        images = []
        for name, png in figures(report).items():
            (out / f"{name}.png").write_bytes(png)
            images.append((str(out / f"{name}.png"), name.replace("_", " ")))
        return markdown(report), images

    run.click(go, [gold, mode, limit], [report_md, plots], concurrency_limit=1)
