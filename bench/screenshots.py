"""Screenshots of the app as a reader sees it: light and dark at 1440x900 and a 390x844 touch
phone, each showing an answer (quote mode, with its chips), the article opened from a chip with
its highlight, the Library tab and the Evaluation tab after a short gold run.

  PYTHONPATH=$PWD python bench/screenshots.py --out /work/scratch/shots \
      [--screens light dark phone] [--shots answer article library evaluation]

The seed articles (corpus/) are indexed with the default settings into a temp dir, the real app
(ui.server.create_app, what `qa serve` runs) is served on a free loopback port once /readyz
answers, and Debian's Chromium is driven by Playwright. Quote mode only: no LLM is loaded. One
PNG per (screen, shot) is written as OUT/<screen>-<shot>.png, and one line per file is printed
with its size. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTION = "Who led the Hamas delegation in Moscow?"
GOLD = REPO / "eval" / "gold.jsonl"
GOLD_QUESTIONS = 6  # a short run: enough for the report's tables and plots to have content
SCREENS = {
    "light": {"viewport": {"width": 1440, "height": 900}, "color_scheme": "light"},
    "dark": {"viewport": {"width": 1440, "height": 900}, "color_scheme": "dark"},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "color_scheme": "light"},
}
SHOTS = ["answer", "article", "library", "evaluation"]


# --- the server ---------------------------------------------------------------------------

def index_corpus(data_dir: Path):
    """Settings (quote mode, defaults otherwise) over `data_dir`, with corpus/ indexed into it."""
    from index import ingest_paths
    from qa.components import build_index
    from qa.settings import Settings

    settings = Settings.load(env={}, data_dir=str(data_dir), answer_mode="quote")
    report = ingest_paths(build_index(settings), [REPO / "corpus"])
    if not report.ok or not report.added:
        raise RuntimeError(f"indexing corpus/ failed: {report.to_json()}")
    return settings


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy


def wait_ready(base: str, timeout: float = 300.0) -> None:
    """Until GET base/readyz answers 200 (the default mode's models are loaded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with _DIRECT.open(base + "/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{base}/readyz did not answer 200 within {timeout:.0f}s")


@contextmanager
def serve(settings):
    """The app `qa serve` runs, on a free loopback port in a background thread; yields its base
    URL once ready, and stops it afterwards."""
    import uvicorn

    from ui.server import create_app

    app = create_app(settings, ready_now=False)
    service = app.state.service
    service.start_warming()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        yield base
    finally:
        server.should_exit = True
        thread.join(20)
        service.close()


# --- the browser ----------------------------------------------------------------------------

def settle(pg) -> None:
    """No hover, no running animation: the page as it rests."""
    pg.mouse.move(2, 2)
    pg.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')", timeout=10_000)
    pg.wait_for_timeout(300)


def press(pg, locator, touch: bool) -> None:
    locator.scroll_into_view_if_needed()
    locator.tap() if touch else locator.click()


def open_app(pg, base: str) -> None:
    pg.goto(base + "/")
    pg.wait_for_selector("#qa-question textarea", timeout=60_000)
    if not pg.locator("#qa-mode input[value=quote]").is_checked():
        raise RuntimeError("the app did not open in quote mode")


def show_answer(pg, touch: bool) -> None:
    pg.fill("#qa-question textarea", QUESTION)
    press(pg, pg.locator("#qa-ask"), touch)
    turn = pg.locator("#qa-chat .qa-turn").first
    turn.locator(".qa-a.qa-done, .qa-a.qa-error").wait_for(timeout=90_000)
    if turn.locator(".qa-a.qa-error").count():
        raise RuntimeError(f"the question was not answered: {turn.inner_text()[:300]}")
    if not turn.locator(".qa-text a.qa-chip").count():
        raise RuntimeError(f"the answer has no chips: {turn.inner_text()[:300]}")
    pg.evaluate("window.scrollTo(0, 0)")


def show_article(pg, touch: bool) -> None:
    if not pg.locator("#qa-chat .qa-turn").count():
        show_answer(pg, touch)
    press(pg, pg.locator("#qa-chat .qa-turn").first.locator(".qa-text a.qa-chip").first, touch)
    pg.locator("#qa-viewer-body mark.qa-hl").first.wait_for(timeout=15_000)
    pg.locator("#qa-viewer-body mark.qa-hl").first.scroll_into_view_if_needed()


def _close_sheet(pg) -> None:
    """On a phone the article is a full-screen sheet over the tabs: close it first."""
    close = pg.locator("#qa-sheet-close")
    if close.is_visible():
        close.tap()
        pg.wait_for_timeout(400)


def show_library(pg, touch: bool) -> None:
    _close_sheet(pg)
    pg.evaluate("window.scrollTo(0, 0)")
    press(pg, pg.get_by_role("tab", name="Library"), touch)
    pg.locator("#qa-library", has_text="000_22e84eabdeff59f2").wait_for(timeout=30_000)
    pg.evaluate("window.scrollTo(0, 0)")


def show_evaluation(pg, touch: bool) -> None:
    _close_sheet(pg)
    pg.evaluate("window.scrollTo(0, 0)")
    press(pg, pg.get_by_role("tab", name="Evaluation"), touch)
    pg.set_input_files("#qa-eval-gold input[type=file]", str(GOLD))
    pg.locator("#qa-eval-gold", has_text=GOLD.name).wait_for(timeout=30_000)
    pg.get_by_label("Only the first N questions (0 = all)").fill(str(GOLD_QUESTIONS))
    press(pg, pg.locator("#qa-eval-run"), touch)
    pg.locator("#qa-eval-report", has_text="Evaluation report").wait_for(timeout=180_000)
    pg.locator("#qa-eval-plots img").first.wait_for(timeout=60_000)
    pg.locator("#qa-eval-report").scroll_into_view_if_needed()


SHOW = {"answer": show_answer, "article": show_article, "library": show_library, "evaluation": show_evaluation}


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    return struct.unpack(">II", head[16:24])


def take(browser, base: str, screen: str, shots: list[str], out: Path) -> list[Path]:
    """The shots of one screen, in order, on one page (each builds on the last where it can)."""
    ctx = browser.new_context(**SCREENS[screen])
    written = []
    try:
        pg = ctx.new_page()
        open_app(pg, base)
        touch = bool(SCREENS[screen].get("has_touch"))
        for shot in shots:
            SHOW[shot](pg, touch)
            settle(pg)
            path = out / f"{screen}-{shot}.png"
            pg.screenshot(path=str(path))
            w, h = png_size(path)
            print(f"{path}  {path.stat().st_size:,} bytes  {w}x{h}", flush=True)
            written.append(path)
    finally:
        ctx.close()
    return written


def main(argv: list[str] | None = None) -> list[Path]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path, help="folder for the PNG files (created)")
    ap.add_argument("--screens", nargs="+", choices=list(SCREENS), default=list(SCREENS))
    ap.add_argument("--shots", nargs="+", choices=SHOTS, default=SHOTS)
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        sys.exit(f"error: {CHROMIUM} is missing; apt-get install -y chromium")
    for var, value in (("GRADIO_ANALYTICS_ENABLED", "False"), ("HF_HUB_OFFLINE", "1"),
                       ("TRANSFORMERS_OFFLINE", "1"), ("ANONYMIZED_TELEMETRY", "False")):
        os.environ.setdefault(var, value)
    args.out.mkdir(parents=True, exist_ok=True)
    shots = [s for s in SHOTS if s in args.shots]  # in the order they build on each other
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="qa-shots-") as tmp:
        settings = index_corpus(Path(tmp) / "data")
        with serve(settings) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for screen in args.screens:
                    written += take(browser, base, screen, shots, args.out)
            finally:
                browser.close()
    return written


if __name__ == "__main__":
    main()
