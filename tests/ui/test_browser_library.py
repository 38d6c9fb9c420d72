"""Library and Evaluation tabs at 1440×900: the upload result is in view, a repeated click
shows a fresh notice, counts are pluralised, ids never wrap mid-id; empty galleries take no
space and the metrics are explained. Headless Chromium against `qa serve` (real MiniLM index)."""

from __future__ import annotations

import re

import pytest

from browser_kit import open_app, save_shot

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHORT = "Quellin ferry note\n\nThe Quellin ferry to Ostmark runs twice a day from 2 May 2025, the port said.\n"


@pytest.fixture
def desk(chromium, ui_server):
    ctx = chromium.new_context(viewport={"width": 1440, "height": 900})
    pg = ctx.new_page()
    open_app(pg, ui_server)
    yield pg
    ctx.close()


def _upload(pg, path):
    pg.set_input_files("#qa-upload input[type=file]", [str(path)])
    pg.locator("#qa-upload", has_text=path.stem).wait_for(timeout=30_000)
    pg.click("#qa-add")


def test_upload_result_is_in_view_fresh_on_each_click_and_pluralised(desk, tmp_path):
    pg = desk
    pg.get_by_role("tab", name="Library").click()
    f = tmp_path / "quellin ferry note.txt"
    f.write_text(SHORT)
    _upload(pg, f)
    notice = pg.locator("#qa-upload-status .qa-notice")
    notice.wait_for(timeout=120_000)
    text = notice.inner_text()
    assert "quellin_ferry_note" in text and re.search(r"\(1 chunk\)", text), text  # not "1 chunks"
    assert pg.evaluate("window.scrollY") == 0
    box = notice.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 900, box  # seen without scrolling
    save_shot(pg, tmp_path, "library-light.png")
    # the same click again: the same file is refused (it exists), and the notice is visibly new
    first = notice.get_attribute("data-at")
    pg.wait_for_timeout(1_100)
    pg.click("#qa-add")
    pg.wait_for_function(f"(() => {{ const n = document.querySelector('#qa-upload-status .qa-notice');"
                         f" return n && n.dataset.at !== '{first}'; }})()", timeout=60_000)
    again = pg.locator("#qa-upload-status .qa-notice")
    assert again.get_attribute("data-at") != first
    assert re.match(r"\d\d:\d\d:\d\d", again.inner_text().strip())  # the time it happened, shown
    assert again.evaluate("n => n.getAnimations().length") >= 1 or again.evaluate(
        "n => getComputedStyle(n).animationName") == "qa-flash"  # redrawn, so its fade-in replays
    # ids in the table: one line each, cut with an ellipsis, whole in the tooltip
    pg.locator("#qa-library", has_text="000_22e84eabdeff59f2").wait_for(timeout=30_000)
    cells = pg.evaluate("""() => [...document.querySelectorAll('#qa-library .virtual-row > :last-child')]
        .filter(c => c.getBoundingClientRect().height > 0).map(c => {
          const t = c.querySelector('.text') || c;
          return {id: c.textContent.trim(), title: c.title, height: t.getBoundingClientRect().height,
                  line: parseFloat(getComputedStyle(t).lineHeight), rects: t.getClientRects().length};
        })""")
    assert len(cells) >= 5, cells
    for c in cells:
        assert c["title"] == c["id"], c
        assert c["height"] <= 1.5 * c["line"], c  # a single line, never wrapped mid-id


def test_evaluation_tab_hides_empty_galleries_and_explains_its_metrics(desk):
    pg = desk
    pg.get_by_role("tab", name="Evaluation").click()
    pg.locator("#qa-eval-run").wait_for(timeout=10_000)
    for gallery in ("#qa-eval-plots", "#qa-suite-plots"):
        assert not pg.locator(gallery).is_visible()  # nothing to show: no empty box
    run = pg.locator("#qa-eval-run").bounding_box()
    assert run["y"] + run["height"] <= 900  # the controls are in view, not pushed down
    legend = pg.locator("#qa-eval-glossary")
    assert legend.is_visible()
    text = legend.inner_text()
    for term in ("recall@k", "MRR", "nDCG@10", "cite P", "95% CI"):
        assert term in text
    title = pg.locator("#qa-eval-glossary abbr", has_text="nDCG@10").first.get_attribute("title")
    assert title and "ranked" in title  # a tooltip too
