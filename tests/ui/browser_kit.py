"""Shared browser helpers for the UI tests: opening the app, asking, screenshots, and a WCAG
contrast audit of every visible element with text (not a chosen list of selectors)."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from live_server import CHROMIUM, CHROMIUM_ARGS


def launch_browser():
    """(playwright, browser) or a pytest failure naming the missing Chromium."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (make browser installs it)")
    from playwright.sync_api import sync_playwright

    p = sync_playwright().start()
    return p, p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_app(pg, base: str) -> None:
    pg.goto(base + "/")
    pg.wait_for_selector("#qa-question textarea", timeout=60_000)


@contextmanager
def app_page(browser, base: str, width: int = 1440, height: int = 900, **ctx_kw):
    """A page of the app at `base` in a fresh browser context (closed afterwards)."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, **ctx_kw)
    try:
        pg = ctx.new_page()
        open_app(pg, base)
        yield pg
    finally:
        ctx.close()


def ask(pg, question: str, timeout: float = 90_000):
    """Ask in the chat and wait for that turn to finish; returns the turn's locator."""
    n = pg.locator("#qa-chat .qa-turn").count()
    pg.fill("#qa-question textarea", question)
    pg.click("#qa-ask")
    turn = pg.locator("#qa-chat .qa-turn").nth(n)
    turn.locator(".qa-a.qa-done, .qa-a.qa-error").wait_for(timeout=timeout)
    return turn


def settle(pg) -> None:
    """No hover, no running transition: colours are measured as they rest."""
    pg.mouse.move(2, 2)
    pg.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')", timeout=10_000)
    pg.wait_for_timeout(250)


def save_shot(pg, tmp_path: Path, name: str, full_page: bool = False) -> Path:
    """A screenshot in the test's tmp dir; copied to $QA_SHOTS_DIR only when that is set."""
    shot = tmp_path / name
    pg.screenshot(path=str(shot), full_page=full_page)
    assert shot.stat().st_size > 5_000
    if os.environ.get("QA_SHOTS_DIR"):
        out = Path(os.environ["QA_SHOTS_DIR"])
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, out / name)
    return shot


# Every element that shows text of its own (a non-blank text node child, a form control's value
# or placeholder) and is rendered (has a box, is not visibility:hidden, opacity above 0). Its
# background is composited through its ancestors' background colours (alpha included) down to
# the first opaque one or the page canvas; gradients count with their worst stop. Text colour
# alpha and ancestor opacity are blended onto that background. Disabled controls are exempt
# (WCAG 1.4.3 excludes inactive components).
AUDIT_JS = r"""() => {
  const parse = (s) => {
    const m = (s || '').match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const v = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  };
  const stops = (img) => (img && img !== 'none') ? (img.match(/rgba?\([^)]+\)/g) || []).map(parse) : [];
  const over = (top, under) => {  // top (rgba) composited over an opaque colour
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a));
  };
  const lum = (c) => { const v = c.map(x => x / 255).map(x => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
                       return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)]; return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const canvas = () => {
    for (const n of [document.body, document.documentElement]) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c[3] > 0) return over(c, [255, 255, 255]);
    }
    return [255, 255, 255];
  };
  const base = canvas();
  // the background under `el`: a list of candidate opaque colours (several for a gradient)
  const backgrounds = (el) => {
    const layers = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const cs = getComputedStyle(n);
      const g = stops(cs.backgroundImage);
      if (g.length) { layers.push(g); if (g.every(c => c[3] >= 1)) break; }
      const c = parse(cs.backgroundColor);
      if (c && c[3] > 0) { layers.push([c]); if (c[3] >= 1) break; }
    }
    let under = [base];
    for (const layer of layers.reverse()) {
      const next = [];
      for (const u of under) for (const c of layer) next.push(over(c, u));
      under = next;
    }
    return under;
  };
  const opacity = (el) => { let o = 1; for (let n = el; n && n.nodeType === 1; n = n.parentElement) o *= Number(getComputedStyle(n).opacity); return o; };
  const ownText = (el) => {
    if (el.matches('input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]):not([type=range]), textarea'))
      return el.value ? ['value', el.value] : (el.placeholder ? ['placeholder', el.placeholder] : null);
    let t = '';
    for (const n of el.childNodes) if (n.nodeType === 3) t += n.textContent;
    return t.trim() ? ['text', t.trim()] : null;
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'OPTION'].includes(el.tagName)) continue;
    const what = ownText(el);
    if (!what) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || !el.getClientRects().length) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility !== 'visible' || cs.display === 'none') continue;
    if (el.closest('[hidden], [aria-hidden=true]')) continue;
    const op = opacity(el);
    if (op < 0.05) continue;
    if (el.closest(':disabled, [aria-disabled=true]')) continue;
    const fgRaw = parse(what[0] === 'placeholder' ? getComputedStyle(el, '::placeholder').color : cs.color);
    if (!fgRaw) continue;
    const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
    const large = size >= 24 || (size >= 18.66 && bold);
    let worst = null;
    for (const bg of backgrounds(el)) {
      const fg = over([fgRaw[0], fgRaw[1], fgRaw[2], fgRaw[3] * op], bg);
      const q = ratio(fg, bg);
      if (!worst || q < worst.ratio) worst = {ratio: q, fg: fg.map(Math.round), bg: bg.map(Math.round)};
    }
    const id = el.id ? '#' + el.id : '';
    const cls = (typeof el.className === 'string' && el.className.trim()) ? '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : '';
    out.push({el: el.tagName.toLowerCase() + id + cls, kind: what[0], text: what[1].slice(0, 40),
              ratio: Math.round(worst.ratio * 100) / 100, need: large ? 3 : 4.5, fg: worst.fg, bg: worst.bg});
  }
  return out;
}"""


def contrast_audit(pg) -> tuple[list[dict], list[dict]]:
    """(every measured element, those under their WCAG AA minimum)."""
    settle(pg)
    rows = pg.evaluate(AUDIT_JS)
    return rows, [r for r in rows if r["ratio"] < r["need"]]
