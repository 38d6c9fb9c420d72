"""The Gradio app: Chat (answer page with the source viewer), Library and Evaluation tabs.

Per-browser-session state lives in `gr.State` (a `ChatSession`: the rendered turns and the
follow-up history); nothing conversational is shared between sessions. The chat is an HTML
component whose content comes only from ui/render.py, which escapes everything. (Why HTML and
not gr.Chatbot: see README, "The answer page".)
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from qa.labels import UNDATED, display_date
from qa.question.memory import ChatMemory
from qa.types import Answer

from .assets import CHAT_JS, VIEWER_PLACEHOLDER
from .render import Turn, chat_html, esc
from .service import MAX_QUESTION_CHARS, BadRequest, Conflict, NewsService, Unavailable
from .uploads import BULK_SUFFIXES, UPLOAD_SUFFIXES

MAX_TURNS = 10  # follow-up history kept per session (as qa.question.memory.Conversation does)
REVEAL_WORDS = 6  # a whole-at-once answer (quote mode) is shown a few words at a time ...
REVEAL_DELAY_S = 0.04  # ... so it reads like the streamed llm answers
LIBRARY_HEADERS = ["Title", "Outlet", "Date", "Chunks", "Duplicates", "ID"]
LIBRARY_WIDTHS = ["36%", "15%", "11%", "7%", "10%", "21%"]  # the ID column fits a seed id whole
SORTS = ["Newest first", "Oldest first", "Title A–Z", "Outlet A–Z"]
FILE_TYPES = list(UPLOAD_SUFFIXES) + [s for s in BULK_SUFFIXES if s != ".warc.gz"] + [".gz"]


@dataclass
class ChatSession:
    turns: list[Turn] = field(default_factory=list)  # as rendered in the chat log
    memory: ChatMemory = field(default_factory=lambda: ChatMemory(MAX_TURNS))  # for follow-ups

    def remember(self, question: str, ans: Answer) -> None:
        self.memory.remember(question, ans)  # its citations too: follow-ups keep the thread


def _pieces(delta: str):
    """Split a long delta into runs of a few words (keeping the whitespace), for display only."""
    words = re.findall(r"\S+\s*|\s+", delta)
    for i in range(0, len(words), REVEAL_WORDS):
        yield "".join(words[i:i + REVEAL_WORDS])


def library_rows(docs: list[dict], query: str = "", sort: str = SORTS[0]) -> list[list]:
    """Rows of the Library table: filtered by `query` (title, outlet, id, date), then sorted."""
    q = (query or "").strip().lower()
    if q:
        docs = [d for d in docs if q in " ".join(str(d.get(k) or "") for k in
                                                  ("headline", "title", "outlet", "doc_id", "published")).lower()]
    if sort in SORTS[:2]:  # undated last either way
        dated = sorted((d for d in docs if d.get("published")), key=lambda d: d["published"],
                       reverse=sort == SORTS[0])
        docs = dated + [d for d in docs if not d.get("published")]
    elif sort == SORTS[2]:
        docs = sorted(docs, key=lambda d: (d.get("headline") or d["doc_id"]).lower())
    elif sort == SORTS[3]:
        docs = sorted(docs, key=lambda d: ((d.get("outlet") or "\uffff").lower(), d["doc_id"]))
    return [[d.get("headline") or d.get("title") or d["doc_id"], d.get("outlet") or "—",
             display_date(d.get("published")) or "undated", d["chunks"],
             ", ".join(d.get("duplicates") or []) or "—", d["doc_id"]] for d in docs]


def remove_choices(docs: list[dict]) -> list[tuple[str, str]]:
    """(what the Remove list shows, doc_id): the title, outlet and date a reader knows the
    article by, never its id; a name shared by two articles is numbered."""
    named = [(" · ".join([d.get("headline") or d.get("title") or "untitled", *([d["outlet"]] if d.get("outlet") else []),
                          display_date(d.get("published")) or UNDATED]), d["doc_id"]) for d in docs]
    seen: dict[str, int] = {}
    out = []
    for name, doc_id in sorted(named, key=lambda c: c[0].lower()):
        seen[name] = seen.get(name, 0) + 1
        out.append((name if seen[name] == 1 else f"{name} ({seen[name]})", doc_id))
    return out


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def status_html(body: str, ok: bool = True) -> str:
    """A Library notice stamped with the time: a second identical click shows a fresh one (the
    stamp changes and the notice is redrawn, which replays its fade-in)."""
    stamp = time.strftime("%H:%M:%S")
    cls = "qa-upload-ok" if ok else "qa-upload-err"
    return (f'<div class="qa-notice {cls}" role="status" data-at="{stamp}">'
            f'<span class="qa-notice-time">{stamp}</span> {body}</div>')


def _report_html(result) -> str:
    lines = []
    for r in result.files:
        if r.ok:
            lines.append(f'<li class="qa-upload-ok">{esc(r.filename)}: {esc(r.status)} as '
                         f'<code>{esc(r.doc_id)}</code> ({plural(r.chunks, "chunk")})</li>')
        else:
            lines.append(f'<li class="qa-upload-err">{esc(r.error)}</li>')
    ok = all(r.ok for r in result.files)
    return status_html(f'<ul class="qa-upload-report">{"".join(lines)}</ul>', ok)


def _chat_tab(service: NewsService, llm, default_mode: str):
    session = gr.State(None)  # a ChatSession per browser session, created on first question

    def respond(question: str, mode: str, session: ChatSession | None):
        session = session or ChatSession()
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question first.")
            yield chat_html(session.turns), session, question
            return
        if len(question) > MAX_QUESTION_CHARS:  # the box stops typing at the limit; a paste via script may not
            session.turns.append(Turn(question, error=f"This question is {len(question):,} characters long; "
                                      f"shorten it to {MAX_QUESTION_CHARS:,} or fewer and ask again."))
            yield chat_html(session.turns), session, question[:MAX_QUESTION_CHARS]
            return
        turn = Turn(question)
        session.turns.append(turn)
        yield chat_html(session.turns), session, ""
        try:
            for item in service.stream(question, mode=mode, history=session.memory.turns()):
                if isinstance(item, Answer):
                    turn.headlines = {c.doc_id: service.full_title(c.doc_id, c.title) for c in item.citations}
                    turn.answer = item
                    session.remember(question, item)
                    break
                for piece in _pieces(item):
                    turn.partial += piece
                    yield chat_html(session.turns), session, ""
                    time.sleep(REVEAL_DELAY_S)
        except (BadRequest, Conflict, Unavailable) as exc:
            turn.error = str(exc)
        except Exception as exc:  # shown in the chat; the session stays usable
            turn.error = f"Answering failed: {exc}. Try again, or check the server log."
        yield chat_html(session.turns), session, ""

    def new_conversation():
        return chat_html([]), ChatSession(), VIEWER_PLACEHOLDER

    with gr.Row(elem_id="qa-main"):
        with gr.Column(scale=3, elem_id="qa-chat-col"):
            chat = gr.HTML(chat_html([]), elem_id="qa-chat", js_on_load=CHAT_JS)
        with gr.Column(scale=2, elem_id="qa-viewer-col"):
            viewer = gr.HTML(VIEWER_PLACEHOLDER, elem_id="qa-viewer", js_on_load=None)
    with gr.Row(elem_id="qa-composer", equal_height=True):
        question = gr.Textbox(placeholder="Ask about the articles…", show_label=False, container=False,
                              elem_id="qa-question", scale=6, lines=1, max_lines=4, autofocus=True,
                              max_length=MAX_QUESTION_CHARS)
        gr.HTML(f'<div id="qa-count" aria-live="polite">0 / {MAX_QUESTION_CHARS:,}</div>', elem_id="qa-count-wrap",
                container=False, min_width=0, padding=False)
        ask = gr.Button("Ask", variant="primary", elem_id="qa-ask", scale=0, min_width=72)
        mode = gr.Radio(["quote", "llm"], value=default_mode, show_label=False, container=False,
                        interactive=llm.available, elem_id="qa-mode", scale=0, min_width=200)
        reset = gr.Button("New chat", elem_id="qa-reset", scale=0, min_width=90, size="sm")
    for trigger in (question.submit, ask.click):
        trigger(respond, [question, mode, session], [chat, session, question], concurrency_limit=8)
    reset.click(new_conversation, None, [chat, session, viewer])


def _library_tab(service: NewsService):
    def refresh(query="", sort=SORTS[0]):
        docs = service.documents()
        return library_rows(docs, query, sort), gr.update(choices=remove_choices(docs), value=None)

    def upload(files, replace, query, sort, progress=gr.Progress()):
        if not files:
            return status_html("Choose one or more files first.", ok=False), *refresh(query, sort)
        payload = []
        for f in files:
            path = Path(f if isinstance(f, str) else f.name)
            payload.append((path.name, path.read_bytes()))

        def report(done, total, label):
            progress((done, total), desc=label, unit="files")

        try:
            result = service.upload(payload, progress=report, replace=bool(replace))
        except BadRequest as exc:
            return status_html(esc(exc), ok=False), *refresh(query, sort)
        return _report_html(result), *refresh(query, sort)

    def name_of(doc_id) -> str:
        return {v: k for k, v in remove_choices(service.documents())}.get(doc_id, doc_id)

    def ask_remove(doc_id):
        if not doc_id:
            return status_html("Choose an article to remove first.", ok=False), gr.update(visible=False), ""
        name = name_of(doc_id)
        return ("", gr.update(visible=True),
                f'<div class="qa-confirm-text" title="{esc(doc_id)}">Remove <b>{esc(name)}</b> '
                "and its chunks from the library? This cannot be undone.</div>")

    def remove(doc_id, query, sort):
        try:
            name = name_of(doc_id)
            service.delete(doc_id)
            msg = status_html(f"Removed <b>{esc(name)}</b>.")
        except LookupError as exc:
            msg = status_html(esc(exc.args[0] if exc.args else exc), ok=False)
        return msg, gr.update(visible=False), *refresh(query, sort)

    # upload and remove first, their result right under them: visible without scrolling
    with gr.Row():
        with gr.Column(scale=3):
            files = gr.File(label="Add articles: .txt .md .html, or bulk .jsonl .csv .tsv .warc(.gz)",
                            file_count="multiple", file_types=FILE_TYPES, elem_id="qa-upload", height=150)
            replace = gr.Checkbox(False, label="Replace documents with the same name (keeps their title, "
                                  "outlet and date)", elem_id="qa-replace")
            add = gr.Button("Add to library", variant="primary", elem_id="qa-add")
        with gr.Column(scale=2):
            doc_pick = gr.Dropdown(label="Remove an article", choices=[], value=None, elem_id="qa-remove-pick")
            rm = gr.Button("Remove…", variant="stop", elem_id="qa-remove")
            with gr.Group(visible=False, elem_id="qa-remove-confirm") as confirm:
                confirm_text = gr.HTML("")
                with gr.Row():
                    yes = gr.Button("Yes, remove", variant="stop", elem_id="qa-remove-yes", size="sm")
                    no = gr.Button("Cancel", elem_id="qa-remove-cancel", size="sm")
    status = gr.HTML("", elem_id="qa-upload-status", js_on_load=None)
    with gr.Row():
        search = gr.Textbox(placeholder="Search titles, outlets, ids…", show_label=False, container=False,
                            elem_id="qa-lib-search", scale=3)
        sort = gr.Dropdown(SORTS, value=SORTS[0], show_label=False, container=False, elem_id="qa-lib-sort", scale=1)
    table = gr.Dataframe(headers=LIBRARY_HEADERS, interactive=False, elem_id="qa-library", wrap=True,
                         column_widths=LIBRARY_WIDTHS, max_height=520)
    for event in (search.change, sort.change):
        event(refresh, [search, sort], [table, doc_pick])
    add.click(upload, [files, replace, search, sort], [status, table, doc_pick], concurrency_limit=1)
    rm.click(ask_remove, [doc_pick], [status, confirm, confirm_text])
    no.click(lambda: gr.update(visible=False), None, [confirm])
    yes.click(remove, [doc_pick, search, sort], [status, confirm, table, doc_pick], concurrency_limit=1)
    return refresh, [table, doc_pick]


def build_app(service: NewsService) -> gr.Blocks:
    llm = service.llm()
    with gr.Blocks(title="news-qa", analytics_enabled=False) as demo:
        note = "" if llm.available else f" · llm mode unavailable here: {esc(llm.reason)}"
        gr.HTML(f'<div id="qa-brand"><h1>news-qa</h1><p>Answers from your articles, every claim cited{note}</p>'
                '<div id="qa-loading" role="status"' + ("" if not service.ready else " hidden") + '>Loading the '
                'models… the first answer can take a few seconds until this notice goes away.</div></div>')
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                _chat_tab(service, llm, service.default_mode())
            with gr.Tab("Library", id="library"):
                refresh, outputs = _library_tab(service)
            with gr.Tab("Evaluation", id="evaluation"):
                from .evaluation_tab import build_evaluation_tab

                build_evaluation_tab(service)
        demo.load(refresh, None, outputs)
    demo.queue(default_concurrency_limit=4)
    return demo
