"""`qa serve`: one process serving the Gradio app at / and the JSON API beside it."""

from __future__ import annotations

import os
import sys

import click

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline; no telemetry
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def create_app(settings, assistant=None):
    """The FastAPI app with the API routes and the Gradio UI mounted at '/'."""
    import gradio as gr

    from .api import DetailToError, create_api
    from .app import build_app
    from .assets import CSS
    from .service import NewsService

    service = NewsService(settings, assistant=assistant)
    app = create_api(service)
    demo = build_app(service)
    app = gr.mount_gradio_app(app, demo, path="/", css=CSS, footer_links=[], run_history=False,
                              ssr_mode=False, mcp_server=False, show_error=True)
    app.add_middleware(DetailToError)  # unknown non-API paths too answer {"error": ...}
    return app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0 exposes it to your network; there is never a public share link).")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535))
@click.pass_obj
def serve(obj, host: str, port: int) -> None:
    """Start the chat UI and the HTTP API (http://HOST:PORT/, API under /api and /v1)."""
    import uvicorn

    from index import ModelNotInstalled, StoreError

    try:
        app = create_app(obj.settings)
        app.state.service.index.records(fresh=True)  # open the store now: fail fast on a bad data dir
    except (StoreError, ModelNotInstalled, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(3)
    service = app.state.service
    service.start_llm()  # the local model loads in its worker process meanwhile
    click.echo(f"news-qa serving http://{host}:{port}/  (API: /api/ask, /api/documents, /v1/chat/completions)")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        service.close()  # no orphan worker process
