"""The Evaluation tab: run a gold set through the server's own Assistant, or show a benchmark
suite report (`qa eval --suite --out DIR`, or a quick suite run from here) and compare the
configurations it holds. It reuses the evaluation package, so the tab shows exactly what
`qa eval ... --out DIR` writes."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import gradio as gr

from .eval_glossary import caption, glossary_html
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


def load_suite_report(report_dir: str | None) -> dict:
    """A suite report.json from a `qa eval --suite --out DIR` folder (or the file itself)."""
    if not report_dir or not str(report_dir).strip():
        raise ValueError("give the folder a `qa eval --suite --out DIR` run wrote")
    from evaluation.files import read_json

    path = Path(str(report_dir).strip())
    path = path / "report.json" if path.is_dir() else path
    report = read_json(path, "a suite report", "run `qa eval --suite --out DIR` first")
    if not isinstance(report, dict) or not isinstance(report.get("suite"), dict):
        raise ValueError(f"{path} is not a suite report (no 'suite' section); it comes from `qa eval --suite`")
    return report


def run_quick_suite(service: NewsService, quick: int, split: str = "dev") -> dict:
    """A quick suite (`quick` questions per benchmark) under the server's settings."""
    from evaluation.beir import bench_dir, cache_root
    from evaluation.suite import SuiteOptions, run_suite

    opts = SuiteOptions(bench_dir(), split=split, quick=max(1, int(quick or 1)), mode="quote",
                        cache_dir=cache_root() / "eval-index")
    try:
        return run_suite([("current", service.settings)], opts)
    except FileNotFoundError as exc:
        raise ValueError(f"{exc}; set QA_BENCH_DIR to the benchmarks folder") from None


def suite_view(report: dict, configs: list[str] | None) -> tuple[str, list[tuple[str, str]]]:
    """(markdown, [(png path, caption)]) of the report restricted to `configs` (all when empty)."""
    from evaluation.report import figures, markdown
    from evaluation.suite_report import select_configs

    if configs:
        report = select_configs(report, list(configs))
    return markdown(report), gallery(figures(report))


def gallery(figs: dict[str, bytes]) -> list[tuple[str, str]]:
    """The plots as PNG files in a fresh temp dir, with captions, for a gr.Gallery."""
    out = Path(tempfile.mkdtemp(prefix="qa-eval-"))
    images = []
    for name, png in figs.items():
        (out / f"{name}.png").write_bytes(png)
        images.append((str(out / f"{name}.png"), caption(name)))
    return images


def shown_if(images: list):
    """A gallery update: hidden while there is nothing to show, so an empty one takes no space."""
    return gr.update(value=images, visible=bool(images))


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
    plots = gr.Gallery(label="Plots", columns=3, height="auto", elem_id="qa-eval-plots", visible=False)

    def go(gold_file, mode, limit, progress=gr.Progress(track_tqdm=True)):
        from evaluation.report import figures, markdown

        try:
            report = run_evaluation(service, gold_file, mode, limit)
        except (ValueError, RuntimeError) as exc:  # BadRequest/Unavailable and gold errors
            return f"**Evaluation not run:** {exc}", shown_if([])
        return markdown(report), shown_if(gallery(figures(report)))

    run.click(go, [gold, mode, limit], [report_md, plots], concurrency_limit=1)
    _build_suite_section(service)


def _build_suite_section(service: NewsService) -> None:
    gr.Markdown("### Benchmark suite\nShow a `qa eval --suite --out DIR` report (RealTime QA, MultiHop-RAG, "
                "RGB) and pick the configurations to compare, or run a quick suite with this server's settings.")
    state = gr.State(None)
    with gr.Row():
        report_dir = gr.Textbox(label="Report folder", placeholder="e.g. eval-reports/suite", elem_id="qa-suite-dir")
        load = gr.Button("Show report", elem_id="qa-suite-load")
        quick = gr.Number(value=5, precision=0, minimum=1, label="Quick suite: questions per benchmark")
        run_quick = gr.Button("Run quick suite", elem_id="qa-suite-run")
    configs = gr.CheckboxGroup([], label="Configurations to compare (the first is the reference)",
                               elem_id="qa-suite-configs")
    suite_md = gr.Markdown(elem_id="qa-suite-report")
    suite_plots = gr.Gallery(label="Suite plots", columns=3, height="auto", elem_id="qa-suite-plots", visible=False)
    gr.HTML(glossary_html(), elem_id="qa-eval-glossary")

    def shown(report):
        names = report["suite"]["configs"]
        md, images = suite_view(report, names)
        return report, gr.update(choices=names, value=names), md, shown_if(images)

    def on_load(folder):
        try:
            return shown(load_suite_report(folder))
        except ValueError as exc:
            return None, gr.update(choices=[], value=[]), f"**Report not shown:** {exc}", shown_if([])

    def on_quick(n, progress=gr.Progress(track_tqdm=True)):
        try:
            return shown(run_quick_suite(service, n))
        except (ValueError, RuntimeError) as exc:
            return None, gr.update(choices=[], value=[]), f"**Suite not run:** {exc}", shown_if([])

    def on_pick(report, names):
        if not report:
            return "", shown_if([])
        try:
            md, images = suite_view(report, names)
            return md, shown_if(images)
        except ValueError as exc:
            return f"**{exc}**", shown_if([])

    outputs = [state, configs, suite_md, suite_plots]
    load.click(on_load, [report_dir], outputs)
    run_quick.click(on_quick, [quick], outputs, concurrency_limit=1)
    configs.change(on_pick, [state, configs], [suite_md, suite_plots])
