"""The verdict in the chat: a plain reason (subtle for an answer, plain for a refusal), never
"Why: supported", numbers only behind a closed "Details" toggle, everything escaped.
Headless Chromium: the real backend (today's verdict, without `kind`), and the issue-24
contract ({answerable, kind, reason, score, features}) served through a fake assistant."""

from __future__ import annotations

import dataclasses

import pytest

from browser_kit import app_page, ask, open_app
from live_server import ThreadServer

pytestmark = [pytest.mark.slow, pytest.mark.browser]


class _Contract:
    """A verdict object whose JSON is the issue-24 contract."""

    def __init__(self, **fields):
        self.fields = fields

    def to_json(self) -> dict:
        return dict(self.fields)


class _WithVerdicts:
    """The real (fake-embedder) Assistant, its final answers carrying the contract verdict
    chosen by a word of the question."""

    def __init__(self, inner, verdicts: dict[str, dict]):
        self._inner, self._verdicts = inner, verdicts

    def stream(self, question, **kw):
        for item in self._inner.stream(question, **kw):
            if hasattr(item, "citations"):
                key = next(k for k in self._verdicts if k in question)
                item = dataclasses.replace(item, verdict=_Contract(**self._verdicts[key]))
            yield item

    def __getattr__(self, name):
        return getattr(self._inner, name)


VERDICTS = {
    "Bogdanov": {"answerable": True, "kind": "answered", "reason": "answered from 2 articles", "score": 0.91,
                 "features": {"best_sem": 0.8123, "retrieval": 0.95}},
    "ceasefire": {"answerable": False, "kind": "not_stated", "score": 0.2, "features": {"cosine": 0.36},
                  "reason": "the articles discuss the <b>ceasefire</b> but never say when it ends"},
    "volcano": {"answerable": False, "kind": "off_topic", "reason": "no article about this", "score": None,
                "features": {}},
}


def _numbers_outside_details(turn) -> str:
    return turn.locator(".qa-a").evaluate(
        "a => { const c = a.cloneNode(true); c.querySelectorAll('details, .qa-sources, .qa-timeline, .qa-meta')"
        ".forEach(n => n.remove()); return c.innerText; }")


def test_contract_verdicts_read_as_plain_words(shared_fake_assistant, chromium):
    from ui.server import create_app

    settings, assistant = shared_fake_assistant
    with ThreadServer(create_app(settings, assistant=_WithVerdicts(assistant, VERDICTS))) as server:
        ctx = chromium.new_context(viewport={"width": 1440, "height": 900})
        try:
            pg = ctx.new_page()
            open_app(pg, server.base)
            answered = ask(pg, "Did the delegation meet Bogdanov in Moscow?")
            why = answered.locator(".qa-why")
            assert why.get_attribute("data-kind") == "answered"
            assert answered.locator(".qa-verdict-answered").inner_text() == "answered from 2 articles"
            details = answered.locator("details.qa-details")
            assert details.get_attribute("open") is None  # closed until asked for
            assert "0.812" not in _numbers_outside_details(answered) and "0.91" not in _numbers_outside_details(answered)
            details.locator("summary").click()
            assert "0.812" in details.inner_text() and "0.91" in details.inner_text()

            refused = ask(pg, "When does the ceasefire end?")
            line = refused.locator(".qa-verdict-not_stated")
            assert line.inner_text() == "the articles discuss the <b>ceasefire</b> but never say when it ends"
            assert refused.locator(".qa-verdict b").count() == 0  # escaped, shown literally
            assert "0.36" not in _numbers_outside_details(refused)

            off = ask(pg, "What did the volcano do?")
            assert off.locator(".qa-verdict-off_topic").inner_text() == "no article about this"
            assert off.locator("details.qa-details").count() == 0  # nothing numeric to hide
            assert "Why:" not in pg.inner_text("#qa-chat")
        finally:
            ctx.close()


def test_todays_backend_never_says_why_supported(ui_server, chromium):
    with app_page(chromium, ui_server, 1440, 900) as pg:
        turn = ask(pg, "Who did the Hamas delegation meet in Moscow?")
        text = turn.inner_text()
        assert "Why:" not in text and "supported" not in _numbers_outside_details(turn)
        assert turn.locator(".qa-verdict-answered").inner_text().startswith("answered from ")
        details = turn.locator("details.qa-details")
        assert details.count() == 1 and details.get_attribute("open") is None
