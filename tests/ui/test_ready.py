"""Ready means ready: `qa serve` answers /healthz at once but /readyz only after the default
mode's models are loaded; the first question after that is fast; the page says it is loading."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from browser_kit import open_app
from live_server import ThreadServer, copy_data_dir, start_cli_server, stop

pytestmark = [pytest.mark.slow]

Q_MEET = "Who did the Hamas delegation meet in Moscow?"


def test_readyz_waits_for_the_models_and_the_first_question_is_fast(minilm_corpus_dir, tmp_path):
    data = copy_data_dir(minilm_corpus_dir, tmp_path)
    log = tmp_path / "server.log"
    proc, base = start_cli_server(data, log, wait="/healthz")  # alive, models still loading
    try:
        statuses = []
        while True:
            early = log.read_text()  # read first: an address printed now means ready already
            ready = httpx.get(f"{base}/readyz", timeout=5)
            statuses.append(ready.status_code)
            if ready.status_code == 200:
                break
            assert ready.status_code == 503 and ready.json()["status"] == "loading"
            assert "news-qa ready" not in early and base.split("//")[1] not in early  # no URL before ready
            assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200  # liveness meanwhile
            assert len(statuses) < 600, "not ready within ~5 minutes"
            time.sleep(0.5)
        assert statuses[0] == 503, statuses  # the models load after the process is up
        time.sleep(0.5)
        assert "news-qa ready" in log.read_text() and base.split("//")[1] in log.read_text()
        t0 = time.perf_counter()
        first = httpx.post(f"{base}/api/ask", json={"question": Q_MEET}, timeout=60).json()
        wall = time.perf_counter() - t0
        print(f"first question after /readyz: {first['latency_s']:.3f} s server, {wall:.3f} s wall")
        assert first["citations"] and not first["abstained"]
        assert first["latency_s"] < 1.0, first["timings"]  # server time, from the answer JSON
        later = [httpx.post(f"{base}/api/ask", json={"question": q}, timeout=60).json()["latency_s"]
                 for q in ("How many people were taken hostage on October 7th?", "Who led the delegation?",
                           "What did Russia say about Gaza?")]
        print(f"later questions: {later}")
    finally:
        stop(proc)


class _SlowToWarm:
    """An Assistant whose warm-up waits for a gate: the server stays 'loading' until the test
    opens it."""

    def __init__(self, inner, gate: threading.Event):
        self._inner, self._gate = inner, gate

    def warm(self):
        assert self._gate.wait(60)
        return self._inner.warm()

    def __getattr__(self, name):
        return getattr(self._inner, name)


@pytest.mark.browser
def test_the_page_says_the_models_are_loading_until_ready(shared_fake_assistant, chromium):
    from ui.server import create_app

    settings, assistant = shared_fake_assistant
    gate = threading.Event()
    app = create_app(settings, assistant=_SlowToWarm(assistant, gate), ready_now=False)
    app.state.service.start_warming()
    with ThreadServer(app) as server:
        assert httpx.get(f"{server.base}/readyz").status_code == 503
        ctx = chromium.new_context(viewport={"width": 1200, "height": 900})
        try:
            pg = ctx.new_page()
            open_app(pg, server.base)
            banner = pg.locator("#qa-loading")
            banner.wait_for(state="visible", timeout=10_000)
            assert "Loading the models" in banner.inner_text()
            gate.set()
            banner.wait_for(state="hidden", timeout=30_000)
            assert httpx.get(f"{server.base}/readyz").status_code == 200
        finally:
            ctx.close()
