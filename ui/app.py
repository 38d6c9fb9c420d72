"""The Gradio app: Chat (with the source viewer), Library and Evaluation tabs.

Per-browser-session state lives in `gr.State` (a `ChatSession`: the rendered turns and the
follow-up history); nothing conversational is shared between sessions. The chat is an HTML
component whose content comes only from ui/render.py, which escapes everything.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from qa.types import Answer

from .assets import CHAT_JS, VIEWER_PLACEHOLDER
from .render import Turn, chat_html, esc
from .service import BadRequest, NewsService, Unavailable

MAX_TURNS = 10  # follow-up history kept per session (as qa.followup.Conversation does)
REVEAL_WORDS = 6  # a whole-at-once answer (quote mode) is shown a few words at a time ...
REVEAL_DELAY_S = 0.04  # ... so it reads like the streamed llm answers
LIBRARY_HEADERS = ["doc_id", "title", "outlet", "published", "chunks"]


@dataclass
class ChatSession:
    turns: list[Turn] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)  # {"question", "answer", "standalone"}

    def remember(self, question: str, ans: Answer) -> None:
        self.history.append({"question": question, "answer": ans.text,
                             "standalone": ans.standalone_question or question})
        del self.history[:-MAX_TURNS]


def _pieces(delta: str):
    """Split a long delta into runs of a few words (keeping the whitespace), for display only."""
    words = re.findall(r"\S+\s*|\s+", delta)
    for i in range(0, len(words), REVEAL_WORDS):
        yield "".join(words[i:i + REVEAL_WORDS])


def _library_rows(service: NewsService) -> list[list]:
    return [[d["doc_id"], d["title"] or "", d["outlet"] or "", d["published"] or "", d["chunks"]]
            for d in service.documents()]


def build_app(service: NewsService) -> gr.Blocks:
    llm = service.llm()
    default_mode = service.default_mode()

    def respond(question: str, mode: str, session: ChatSession | None):
        session = session or ChatSession()
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question first.")
            yield chat_html(session.turns), session, question
            return
        turn = Turn(question)
        session.turns.append(turn)
        yield chat_html(session.turns), session, ""
        try:
            items = service.stream(question, mode=mode, history=list(session.history))
            for item in items:
                if isinstance(item, Answer):
                    turn.answer = item
                    session.remember(question, item)
                    break
                for piece in _pieces(item):
                    turn.partial += piece
                    yield chat_html(session.turns), session, ""
                    time.sleep(REVEAL_DELAY_S)
        except (BadRequest, Unavailable) as exc:
            turn.error = str(exc)
        except Exception as exc:  # shown in the chat; the session stays usable
            turn.error = f"Answering failed: {exc}. Try again, or check the server log."
        yield chat_html(session.turns), session, ""

    def new_conversation():
        return chat_html([]), ChatSession(), VIEWER_PLACEHOLDER

    def refresh_library():
        rows = _library_rows(service)
        return rows, gr.update(choices=[r[0] for r in rows], value=None)

    def upload(files, progress=gr.Progress()):
        if not files:
            return '<div class="qa-upload-err">Choose one or more .txt, .md or .html files first.</div>', \
                *refresh_library()
        payload = []
        for f in files:
            path = Path(f if isinstance(f, str) else f.name)
            payload.append((path.name, path.read_bytes()))

        def report(done, total, label):
            progress((done, total), desc=label, unit="files")

        try:
            result = service.upload(payload, progress=report)
        except BadRequest as exc:
            return f'<div class="qa-upload-err">{esc(exc)}</div>', *refresh_library()
        lines = []
        for r in result.files:
            if r.ok:
                lines.append(f'<li class="qa-upload-ok">{esc(r.filename)}: {esc(r.status)} as '
                             f'<code>{esc(r.doc_id)}</code> ({r.chunks} chunks)</li>')
            else:
                lines.append(f'<li class="qa-upload-err">{esc(r.error)}</li>')
        return f'<ul class="qa-upload-report">{"".join(lines)}</ul>', *refresh_library()

    def remove(doc_id):
        if not doc_id:
            return '<div class="qa-upload-err">Pick a document to remove.</div>', *refresh_library()
        try:
            service.delete(doc_id)
            msg = f'<div class="qa-upload-ok">Removed <code>{esc(doc_id)}</code>.</div>'
        except LookupError as exc:
            msg = f'<div class="qa-upload-err">{esc(exc.args[0] if exc.args else exc)}</div>'
        return msg, *refresh_library()

    with gr.Blocks(title="news-qa", analytics_enabled=False) as demo:
        session = gr.State(None)  # a ChatSession per browser session, created on first question
        gr.Markdown("## news-qa — answers from the articles, every claim cited")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.HTML(chat_html([]), elem_id="qa-chat", js_on_load=CHAT_JS,
                                       min_height=200, max_height=640, autoscroll=True)
                        with gr.Row():
                            question = gr.Textbox(placeholder="Ask about the articles…", show_label=False,
                                                  elem_id="qa-question", scale=5, lines=1, max_lines=4)
                            ask = gr.Button("Ask", variant="primary", elem_id="qa-ask", scale=1)
                        with gr.Row():
                            mode = gr.Radio(
                                ["quote", "llm"], value=default_mode, label="Answer mode",
                                interactive=llm.available, elem_id="qa-mode",
                                info=("quote: verbatim sentences from the articles; llm: "
                                      + ("a local model writes the answer, checked against the passages"
                                         if llm.available else f"unavailable here — {llm.reason}")),
                            )
                            reset = gr.Button("New conversation", elem_id="qa-reset", scale=0)
                    with gr.Column(scale=2):
                        gr.Markdown("### Source")
                        viewer = gr.HTML(VIEWER_PLACEHOLDER, elem_id="qa-viewer", js_on_load=None)
                for trigger in (question.submit, ask.click):
                    trigger(respond, [question, mode, session], [chat, session, question],
                            concurrency_limit=8)
                reset.click(new_conversation, None, [chat, session, viewer])

            with gr.Tab("Library", id="library"):
                table = gr.Dataframe(headers=LIBRARY_HEADERS, interactive=False, elem_id="qa-library",
                                     wrap=True)
                with gr.Row():
                    files = gr.File(label="Add articles (.txt, .md, .html)", file_count="multiple",
                                    elem_id="qa-upload", scale=3)
                    with gr.Column(scale=2):
                        add = gr.Button("Add to library", variant="primary", elem_id="qa-add")
                        doc_pick = gr.Dropdown(label="Remove a document", choices=[], elem_id="qa-remove-pick")
                        rm = gr.Button("Remove", variant="stop", elem_id="qa-remove")
                        refresh = gr.Button("Refresh", elem_id="qa-refresh")
                status = gr.HTML("", elem_id="qa-upload-status", js_on_load=None)
                add.click(upload, [files], [status, table, doc_pick], concurrency_limit=1)
                rm.click(remove, [doc_pick], [status, table, doc_pick], concurrency_limit=1)
                refresh.click(refresh_library, None, [table, doc_pick])

            with gr.Tab("Evaluation", id="evaluation"):
                from .evaluation_tab import build_evaluation_tab

                build_evaluation_tab(service)

        demo.load(refresh_library, None, [table, doc_pick])
    demo.queue(default_concurrency_limit=4)
    return demo
