"""A 390×844 touch phone: the article sheet is a history entry (Back returns to the chat), no
tooltip is left over the answer after closing it, and the wording speaks of tapping.
Headless Chromium against `qa serve` (real MiniLM index over corpus/)."""

from __future__ import annotations

import pytest

from browser_kit import ask, contrast_audit, open_app, save_shot

pytestmark = [pytest.mark.slow, pytest.mark.browser]

Q_MEET = "Who did the Hamas delegation meet in Moscow?"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def phone(chromium):
    ctx = chromium.new_context(**PHONE)
    yield ctx.new_page()
    ctx.close()


def _open_source(pg):
    chip = pg.locator("#qa-chat .qa-turn").first.locator(".qa-text a.qa-chip").first
    chip.scroll_into_view_if_needed()
    chip.tap()
    pg.locator("#qa-viewer-body mark.qa-hl").wait_for(timeout=15_000)
    assert pg.locator("#qa-viewer-col").is_visible()
    return chip


def test_browser_back_closes_the_article_and_keeps_the_chat(phone, ui_server, tmp_path):
    pg = phone
    pg.goto("about:blank")  # a page before the app: Back must not go there
    open_app(pg, ui_server)
    ask(pg, Q_MEET)
    ask(pg, "What did they discuss?")
    save_shot(pg, tmp_path, "phone-answer.png")
    assert not contrast_audit(pg)[1]  # the phone layout (counter tab, wrapped bar) keeps AA too
    _open_source(pg)
    save_shot(pg, tmp_path, "phone-article.png")
    assert not contrast_audit(pg)[1]
    pg.go_back()
    pg.wait_for_timeout(500)
    assert pg.url.startswith(ui_server), pg.url  # still in the app
    assert not pg.locator("#qa-viewer-col").is_visible()
    assert pg.locator("#qa-chat .qa-turn").count() == 2  # the chat is intact
    assert pg.evaluate("document.body.style.overflow") == ""  # the page scrolls again
    # open again and close with the sheet's own button: one history entry per opening
    _open_source(pg)
    pg.locator("#qa-sheet-close").tap()
    pg.wait_for_timeout(500)
    assert not pg.locator("#qa-viewer-col").is_visible()
    pg.go_back()  # now Back leaves the app (nothing of ours left on the stack)
    pg.wait_for_timeout(500)
    assert pg.url == "about:blank"


def test_no_tooltip_stays_after_closing_the_article(phone, ui_server):
    pg = phone
    open_app(pg, ui_server)
    ask(pg, Q_MEET)
    chip = _open_source(pg)
    pg.locator("#qa-sheet-close").tap()
    pg.wait_for_timeout(600)
    assert not pg.locator("#qa-viewer-col").is_visible()
    assert pg.evaluate("document.activeElement && document.activeElement.dataset.cite") == chip.get_attribute(
        "data-cite")  # focus is back on the chip (keyboard users keep their place)
    assert not pg.locator("#qa-preview").is_visible()
    # and after the browser's Back too
    _open_source(pg)
    pg.go_back()
    pg.wait_for_timeout(600)
    assert not pg.locator("#qa-preview").is_visible()


def test_touch_devices_are_told_to_tap_not_hover(phone, ui_server, chromium):
    pg = phone
    open_app(pg, ui_server)
    assert pg.evaluate("matchMedia('(hover: none)').matches || matchMedia('(pointer: coarse)').matches")
    text = pg.inner_text("#qa-chat")
    assert "Hover" not in text and "Tap a numbered chip" in text
    desk = chromium.new_context(viewport={"width": 1440, "height": 900})
    try:
        d = desk.new_page()
        open_app(d, ui_server)
        text = d.inner_text("#qa-chat")
        assert "Hover a numbered chip" in text and "Tap a numbered chip" not in text
    finally:
        desk.close()


def test_no_screen_is_wider_than_the_phone(phone, ui_server, tmp_path):
    import json

    pg = phone
    open_app(pg, ui_server)
    ask(pg, Q_MEET)
    width = "document.documentElement.scrollWidth"
    assert pg.evaluate(width) <= 390
    pg.get_by_role("tab", name="Library").click()
    pg.locator("#qa-library", has_text="000_22e84eabdeff59f2").wait_for(timeout=30_000)
    assert pg.evaluate(width) <= 390  # the table scrolls inside its own box
    gold = tmp_path / "phone_gold.jsonl"
    gold.write_text(json.dumps({"id": "p-1", "question": Q_MEET, "answers": ["Bogdanov"], "evidence": [
        {"doc": "000_22e84eabdeff59f2", "quote": "Russian Deputy Foreign Minister Mikhail Bogdanov"}],
        "type": "single_fact", "answerable": True}) + "\n")
    pg.get_by_role("tab", name="Evaluation").click()
    pg.set_input_files("#qa-eval-gold input[type=file]", str(gold))
    pg.locator("#qa-eval-gold", has_text="phone_gold").wait_for(timeout=30_000)
    pg.locator("#qa-eval-run").tap()
    pg.locator("#qa-eval-plots img").first.wait_for(timeout=120_000)
    assert pg.evaluate(width) <= 390  # wide report tables scroll, the page does not
    save_shot(pg, tmp_path, "phone-evaluation.png")
