"""End to end in headless Chromium against `qa serve` (real MiniLM index over corpus/)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from browser_kit import ask, open_app, save_shot

pytestmark = [pytest.mark.slow, pytest.mark.browser]

Q_MEET = "Who did the Hamas delegation meet in Moscow?"
Q_HOSTAGES = "How many people were taken hostage on October 7th?"
Q_NONE = "What recipe for sourdough bread do the articles give?"
TUNNEL = ("Harbour tunnel reopens\n\nThe Quellin harbour tunnel in Ostmark reopened on 3 March 2025 "
          "after repairs that cost 14 million euros, the city council said. Engineers replaced the "
          "ventilation fans and the lighting.\n")
EVIL = ("Varnholt ferry notice\n\nThe Varnholt ferry office pinned this literal text to its noticeboard: "
        "<script>window.__pwned = 1</script> <img src=x onerror=\"window.__pwned = 2\"> <b>not bold</b> "
        "${window.__pwned = 3} and the ferry timetable changed in April.\n")
EVIL_HTML = ("<html><head><title>Varnholt ferry page</title><script>window.__pwned = 4</script></head>"
             "<body><h1>Varnholt ferry page</h1><p>The Varnholt ferry website shows the code "
             "&lt;script&gt;window.__pwned = 5&lt;/script&gt; beside its timetable.</p></body></html>")


@pytest.fixture(scope="module")
def server(ui_server):
    return ui_server  # `qa serve` over the MiniLM-indexed corpus/, ready (conftest.py)


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    open_app(pg, server)
    yield pg
    ctx.close()


def api_ask(base: str, question: str) -> dict:
    r = httpx.post(f"{base}/api/ask", json={"question": question}, timeout=120)
    r.raise_for_status()
    return r.json()


def upload(pg, paths: list[Path]) -> str:
    pg.get_by_role("tab", name="Library").click()
    pg.set_input_files("#qa-upload input[type=file]", [str(p) for p in paths])
    for p in paths:  # the file widget lists each file once it has reached the server
        pg.locator("#qa-upload", has_text=p.stem).wait_for(timeout=30_000)
    pg.click("#qa-add")
    pg.locator("#qa-upload-status .qa-upload-report").wait_for(timeout=120_000)
    return pg.inner_text("#qa-upload-status")


def test_answer_streams_in_with_sources(page, server, tmp_path):
    page.evaluate("""() => {
        window.__partials = [];
        const root = document.querySelector('#qa-chat');
        new MutationObserver(() => {
            const s = root.querySelector('.qa-a.qa-streaming');
            if (s && !s.querySelector('.qa-thinking')) window.__partials.push(s.textContent);
        }).observe(root, {subtree: true, childList: true, characterData: true});
    }""")
    turn = ask(page, Q_MEET)
    final = turn.locator(".qa-text").text_content()
    partials = [p for p in dict.fromkeys(page.evaluate("window.__partials")) if p.strip()]
    assert len(partials) >= 2, f"the answer did not stream in: {partials!r}"
    assert all(final.startswith(p) for p in partials), (partials, final)
    assert len(partials[0]) < len(final)
    # markers are links, and the sources list shows title, outlet, date, quote and score
    assert turn.locator(".qa-text a.qa-cite").count() >= 1
    src = turn.locator(".qa-sources .qa-source").first
    for cls in (".qa-src-title", ".qa-src-date", ".qa-quote", ".qa-score"):
        assert src.locator(cls).count() == 1, cls
    assert src.locator(".qa-src-outlet").count() <= 1  # shown when the article names its outlet
    assert not any(t.strip().startswith("00") for t in turn.locator(".qa-src-title").all_inner_texts())
    save_shot(page, tmp_path, "ui-chat.png")
    assert not page.errors


def test_citation_opens_article_with_exact_span_highlighted(page, server):
    expected = {c["marker"]: c for c in api_ask(server, Q_MEET)["citations"]}
    turn = ask(page, Q_MEET)
    links = turn.locator(".qa-text a.qa-cite")
    attrs = [links.nth(i).evaluate("a => ({...a.dataset})") for i in range(links.count())]
    target = max(attrs, key=lambda a: int(a["start"]))  # the deepest span: needs scrolling
    cited = expected[int(target["cite"])]
    assert (cited["doc_id"], cited["start"], cited["end"]) == (target["doc"], int(target["start"]), int(target["end"]))
    turn.locator(f'.qa-text a.qa-cite[data-cite="{target["cite"]}"]').first.click()  # the marker also appears in the answer's Published: line
    mark = page.locator("#qa-viewer-body mark.qa-hl")
    mark.wait_for(timeout=15_000)
    assert mark.text_content() == cited["text"]
    assert page.locator("#qa-viewer-body .qa-doc").get_attribute("data-doc") == cited["doc_id"]
    meta = page.inner_text("#qa-viewer-body .qa-doc-meta")
    assert (cited["outlet"] or "unknown outlet") in meta and (cited["published"] or "undated") in meta
    # scrolled into view inside the viewer
    inside = page.evaluate("""() => {
        const m = document.querySelector('#qa-viewer-body mark.qa-hl').getBoundingClientRect();
        const v = document.querySelector('#qa-viewer-body').getBoundingClientRect();
        return m.top >= v.top - 1 && m.top <= v.bottom && m.top >= 0 && m.top <= window.innerHeight;
    }""")
    assert inside


def test_abstention_is_shown_plainly(page):
    turn = ask(page, Q_NONE)
    assert turn.locator(".qa-a.qa-abstained").count() == 1
    assert "The articles don't say" in turn.inner_text()
    assert "No answer in the articles" in turn.inner_text()


def test_upload_then_ask_about_it_then_remove(page, server, tmp_path):
    f = tmp_path / "quellin tunnel.txt"
    f.write_text(TUNNEL)
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01binary" * 50)
    status = upload(page, [f, bad])
    assert "quellin_tunnel" in status and "added" in status
    assert "broken.txt" in status and "binary" in status  # the per-file error, plainly
    assert "quellin_tunnel" in page.inner_text("#qa-library")
    save_shot(page, tmp_path, "library.png")
    page.get_by_role("tab", name="Chat").click()
    turn = ask(page, "How much did the repairs to the Quellin harbour tunnel cost?")
    assert "14 million euros" in turn.locator(".qa-text").inner_text()
    assert turn.locator('.qa-text a.qa-cite[data-doc="quellin_tunnel"]').count() >= 1
    # remove it again from the Library tab; the index forgets it without a restart
    page.get_by_role("tab", name="Library").click()
    page.locator("#qa-remove-pick input").click()
    page.get_by_role("option", name=re.compile("^Harbour tunnel reopens")).click()  # by title, not id
    page.click("#qa-remove")  # asks first; nothing is removed yet
    page.locator("#qa-remove-confirm", has_text="cannot be undone").first.wait_for(timeout=15_000)
    assert httpx.get(f"{server}/api/documents/quellin_tunnel").status_code == 200
    page.click("#qa-remove-yes")
    page.locator("#qa-upload-status", has_text="Removed").wait_for(timeout=30_000)
    assert httpx.get(f"{server}/api/documents/quellin_tunnel").status_code == 404
    assert "quellin_tunnel" not in page.inner_text("#qa-library")


def test_markup_in_an_article_is_shown_literally_and_runs_nothing(page, tmp_path):
    txt = tmp_path / "varnholt_notice.txt"
    txt.write_text(EVIL)
    html = tmp_path / "varnholt_page.html"
    html.write_text(EVIL_HTML)
    status = upload(page, [txt, html])
    assert "varnholt_notice" in status and "varnholt_page" in status
    page.get_by_role("tab", name="Chat").click()
    turn = ask(page, "What did the Varnholt ferry office pin to its noticeboard?")
    link = turn.locator('.qa-text a.qa-cite[data-doc="varnholt_notice"]').first
    link.click()
    page.locator("#qa-viewer-body mark.qa-hl").wait_for(timeout=15_000)
    viewer = page.inner_text("#qa-viewer-body")
    assert '<script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2"> <b>not bold</b>' in viewer
    assert "${window.__pwned = 3}" in viewer
    # the question itself is markup too
    ask(page, '<img src=y onerror="window.__pwned = 6"> Varnholt ferry website code?')
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    for root in ("#qa-viewer-body", "#qa-chat"):
        assert page.locator(f"{root} script, {root} img, {root} b").count() == 0
    assert "<script>window.__pwned = 1</script>" in page.inner_text("#qa-chat")  # the quoted source
    assert not page.errors


def test_two_browser_sessions_keep_separate_conversations(browser, server):
    ctx_a = browser.new_context(viewport={"width": 1200, "height": 900})
    ctx_b = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        a, b = ctx_a.new_page(), ctx_b.new_page()
        open_app(a, server)
        open_app(b, server)
        # both ask at once
        a.fill("#qa-question textarea", Q_MEET)
        b.fill("#qa-question textarea", Q_HOSTAGES)
        a.click("#qa-ask")
        b.click("#qa-ask")
        for pg in (a, b):
            pg.locator("#qa-chat .qa-a.qa-done").first.wait_for(timeout=90_000)
        follow = ask(a, "What did they discuss?")
        assert a.locator("#qa-chat .qa-turn").count() == 2
        assert b.locator("#qa-chat .qa-turn").count() == 1
        chat_a, chat_b = a.inner_text("#qa-chat"), b.inner_text("#qa-chat")
        assert Q_MEET in chat_a and Q_HOSTAGES not in chat_a
        assert Q_HOSTAGES in chat_b and Q_MEET not in chat_b
        # the follow-up was understood from A's own earlier turn
        assert "Understood as:" in follow.inner_text()
        assert "Moscow" in follow.locator(".qa-rewrite").inner_text() or \
            "Hamas" in follow.locator(".qa-rewrite").inner_text()
        # a reload starts a fresh session
        a.reload()
        a.wait_for_selector("#qa-question textarea")
        assert a.locator("#qa-chat .qa-turn").count() == 0
    finally:
        ctx_a.close()
        ctx_b.close()


def test_evaluation_tab_runs_a_gold_set_and_shows_plots(page, tmp_path):
    import json

    gold = tmp_path / "mini_gold.jsonl"
    gold.write_text("\n".join(json.dumps(i) for i in [
        {"id": "b-1", "question": Q_MEET, "answers": ["Mikhail Bogdanov", "Bogdanov"],
         "evidence": [{"doc": "000_22e84eabdeff59f2", "quote": "Russian Deputy Foreign Minister Mikhail Bogdanov"}],
         "type": "single_fact", "answerable": True},
        {"id": "b-2", "question": Q_NONE, "answers": [], "evidence": [], "type": "unanswerable",
         "answerable": False},
    ]) + "\n")
    page.get_by_role("tab", name="Evaluation").click()
    page.set_input_files("#qa-eval-gold input[type=file]", str(gold))
    page.locator("#qa-eval-gold", has_text="mini_gold").wait_for(timeout=30_000)
    page.click("#qa-eval-run")
    page.locator("#qa-eval-report", has_text="Evaluation report").wait_for(timeout=120_000)
    report = page.inner_text("#qa-eval-report")
    assert "quote" in report and "questions: 2" in report
    page.locator("#qa-eval-plots img").first.wait_for(timeout=30_000)
    assert page.locator("#qa-eval-plots img").count() >= 2


# --- the answer page: replacement, speed, previews, contrast, phone --------------------------

def test_upload_with_an_existing_name_is_refused_and_the_original_is_intact(page, server, tmp_path):
    seed = "000_22e84eabdeff59f2"
    before = httpx.get(f"{server}/api/documents/{seed}").json()
    f = tmp_path / f"{seed}.txt"
    f.write_text(TUNNEL)
    status = upload(page, [f])
    assert "would replace the existing document" in status and "Replace" in status
    after = httpx.get(f"{server}/api/documents/{seed}").json()
    assert after == before


def test_quote_follow_up_is_fast(page):
    ask(page, Q_MEET)
    follow = ask(page, "What did they discuss?")
    answer = follow.locator(".qa-a.qa-done")
    assert answer.get_attribute("data-mode") == "quote"
    assert int(answer.get_attribute("data-latency-ms")) < 300  # server time, from the answer JSON
    assert "Understood as:" in follow.inner_text()


def test_chip_hover_previews_the_quote(page):
    turn = ask(page, Q_MEET)
    chip = turn.locator(".qa-text a.qa-chip").first
    quote = chip.get_attribute("data-quote")
    chip.hover()
    preview = page.locator("#qa-preview")
    preview.wait_for(state="visible", timeout=5_000)
    assert quote and quote in preview.inner_text()
    assert "·" in preview.locator(".qa-pv-label").inner_text()  # outlet · date · title
    page.mouse.move(5, 5)
    preview.wait_for(state="hidden", timeout=5_000)


CONTRAST_JS = """(sel) => {
  const lum = (c) => { const v = c.map(x => x / 255).map(x => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
                      return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const rgba = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    if (!el.offsetParent && el.tagName !== 'BODY') continue;
    const fg = rgba(getComputedStyle(el).color);
    let node = el, bg = null;
    while (node && node.nodeType === 1) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) { bg = c; break; }
      node = node.parentElement;
    }
    bg = bg || [255, 255, 255];
    const [a, b] = [lum(fg.slice(0, 3)), lum(bg.slice(0, 3))];
    out.push({sel, text: el.textContent.slice(0, 40), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)});
  }
  return out;
}"""
CHECKED = [".qa-q", ".qa-text", "a.qa-chip", ".qa-src-title", ".qa-card-meta", ".qa-quote", ".qa-meta",
           ".qa-abstain-label", ".qa-h", "mark.qa-hl", ".qa-doc-text", ".qa-doc-meta", ".qa-conflict-value"]


def _contrast_problems(pg) -> tuple[list, int]:
    bad, n = [], 0
    for sel in CHECKED:
        for r in pg.evaluate(CONTRAST_JS, sel):
            n += 1
            if r["ratio"] < 4.5:  # WCAG AA, normal text
                bad.append(r)
    return bad, n


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_theme_contrast_meets_wcag_aa(browser, server, tmp_path, scheme):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme=scheme)
    try:
        pg = ctx.new_page()
        open_app(pg, server)
        assert pg.evaluate("document.body.classList.contains('dark')") == (scheme == "dark")
        ask(pg, Q_NONE)
        turn = ask(pg, Q_HOSTAGES)
        turn.locator(".qa-text a.qa-chip").first.click()
        pg.locator("#qa-viewer-body mark.qa-hl").wait_for(timeout=15_000)
        # measure settled colours: no element mid-transition (Gradio gives links a button transition)
        pg.mouse.move(5, 5)
        pg.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')", timeout=10_000)
        bad, n = _contrast_problems(pg)
        assert n >= 10, "too few elements measured"
        assert not bad, bad
        save_shot(pg, tmp_path, f"answer-{scheme}.png")
    finally:
        ctx.close()


def test_phone_layout_keeps_the_input_in_view_and_the_source_sheet_has_a_way_back(browser, server, tmp_path):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        pg = ctx.new_page()
        open_app(pg, server)
        questions = [Q_MEET, "What did they discuss?", Q_HOSTAGES, Q_NONE, "Who accompanied Marzouq?"]
        for q in questions:
            ask(pg, q)
            for sel in ("#qa-question textarea", "#qa-mode", "#qa-ask"):
                box = pg.locator(sel).bounding_box()
                assert box and 0 <= box["y"] and box["y"] + box["height"] <= 844, (q, sel, box)
                assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (q, sel, box)
        assert pg.locator("#qa-chat .qa-turn").count() == 5
        save_shot(pg, tmp_path, "phone-chat.png")
        chip = pg.locator("#qa-chat .qa-turn").first.locator(".qa-text a.qa-chip").first
        chip.scroll_into_view_if_needed()
        chip.tap()
        pg.locator("#qa-viewer-body mark.qa-hl").wait_for(timeout=15_000)
        back = pg.locator("#qa-sheet-close")
        assert back.is_visible()
        viewer = pg.locator("#qa-viewer-col").bounding_box()
        assert viewer["width"] >= 380 and 800 <= viewer["height"] <= 844  # a full-screen sheet
        mark = pg.locator("#qa-viewer-body mark.qa-hl").bounding_box()
        assert 0 <= mark["y"] and mark["y"] + mark["height"] <= 844  # the cited span is in view
        save_shot(pg, tmp_path, "phone-source.png")
        back.tap()
        pg.wait_for_timeout(300)
        assert not pg.locator("#qa-viewer-col").is_visible()
        box = chip.bounding_box()
        assert box and 0 <= box["y"] <= 844  # back where the reader was
    finally:
        ctx.close()
