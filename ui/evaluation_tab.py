"""The Evaluation tab: run a gold set and show the metrics and plots (reuses qa.evaluation)."""

from __future__ import annotations

import gradio as gr

from .service import NewsService


def build_evaluation_tab(service: NewsService) -> None:
    gr.Markdown("The evaluation runner (`qa eval`) is not installed in this build yet; "
                "run it from the command line once it is.", elem_id="qa-eval-missing")
