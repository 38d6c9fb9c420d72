"""bench/llm_self_check.py: the yes/no probability read from a server's logprobs, the checking
prompt, the AUC against brute force and the refusal table."""

from __future__ import annotations

import itertools
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.llm_self_check import (CHECK_QUESTION, auc, check_messages, main, table,  # noqa: E402
                                  yes_probability)


def _serve(top: list[tuple[str, float]]):
    """A local OpenAI-style /chat/completions that answers with `top` as the first token's
    top_logprobs and records the request bodies."""
    bodies = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            bodies.append((self.path, json.loads(self.rfile.read(int(self.headers["content-length"])))))
            content = [{"token": top[0][0], "logprob": top[0][1],
                        "top_logprobs": [{"token": t, "logprob": lp} for t, lp in top]}]
            data = json.dumps({"choices": [{"message": {"content": top[0][0]}, "logprobs": {"content": content}}]})
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(data.encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/v1", bodies


def test_yes_probability_adds_the_spellings_of_yes_and_no():
    import math

    server, url, bodies = _serve([("Yes", math.log(0.5)), ("yes", math.log(0.1)), ("No", math.log(0.2)),
                                  (" no", math.log(0.1)), ("The", math.log(0.05))])
    try:
        assert yes_probability(url, [{"role": "user", "content": "?"}]) == pytest.approx(0.6 / 0.9)
    finally:
        server.shutdown()
    path, body = bodies[0]
    assert path == "/v1/chat/completions"
    assert body["max_tokens"] == 1 and body["logprobs"] is True and body["temperature"] == 0


def test_yes_probability_is_even_when_the_model_says_neither():
    server, url, _ = _serve([("The", -0.1), ("It", -2.0)])
    try:
        assert yes_probability(url + "/", [{"role": "user", "content": "?"}]) == 0.5
    finally:
        server.shutdown()


def test_the_check_shows_the_sources_as_the_answer_prompt_does():
    from index import Chunk, ScoredPassage
    from qa.check.claims import Source
    from qa.llm.answerer import LLMAnswerer

    text = "The bridge reopened on 3 May."
    src = Source.whole(2, ScoredPassage(Chunk("a:0", "a", 0, len(text), text), 1.0, title="Bridge"))
    system, user = check_messages(LLMAnswerer, " When did the bridge reopen? ", [src])
    assert system["role"] == "system" and "yes or no" in system["content"]
    assert LLMAnswerer.render_source(src) in user["content"]
    assert user["content"].endswith("Question: When did the bridge reopen?\n\n" + CHECK_QUESTION)


def test_auc_matches_counting_every_pair():
    pos, neg = [0.9, 0.5, 0.5, 0.2], [0.5, 0.1, 0.7]
    pairs = list(itertools.product(pos, neg))
    brute = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)
    assert auc(pos, neg) == pytest.approx(brute)
    assert auc([], neg) is None


def _row(answerable, correct, abstained, **scores):
    return {"set": "s", "id": "x", "answerable": answerable, "correct": correct, "abstained": abstained,
            "score": 0.5, "fallback": False, **scores}


def test_the_table_refuses_below_the_threshold_and_keeps_unscored_answers():
    rows = [_row(True, True, False, p_sources=0.9, p_cited=0.9),
            _row(True, True, False, p_sources=0.45),  # no supported sentence: p_cited not scored
            _row(True, False, True),  # the gate refused it
            _row(False, False, False, p_sources=0.3, p_cited=0.3),
            _row(False, True, True)]
    lines = table(rows)
    assert lines[0].startswith("3 answerable asks, 2 unanswerable") and lines[0].endswith("answered 2 and 1")
    assert lines[2] == "AUC of p_sources, answered right vs answered without the evidence: 1.000"
    sources, cited = [line for line in lines if line.startswith("| 0.5 |")]
    assert sources == "| 0.5 | 0.333 | 0.667 | 1.000 |"  # the 0.45 answer is refused too
    assert cited == "| 0.5 | 0.667 | 0.333 | 1.000 |"  # unscored: kept


def test_main_prints_one_table_per_set_and_collecting_needs_rows(tmp_path, capsys):
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({**_row(True, True, False, p_sources=0.8), "set": name}) + "\n"
                            for name in ("b", "a")))
    assert main(["--table", str(rows)]) == 0
    out = capsys.readouterr().out
    assert out.index("## a") < out.index("## b")
    with pytest.raises(SystemExit):
        main(["--collect-rtqa"])


@pytest.mark.slow
@pytest.mark.llm
def test_a_real_llama_server_gives_the_logprobs_it_reads(smollm2_gguf):
    from qa.llm.adapter import local_llm

    llm = local_llm(smollm2_gguf, max_tokens=8, n_ctx=1024)
    p = yes_probability(llm.worker.url, [{"role": "user", "content": "Is the sky blue? Reply yes or no."}])
    assert 0.0 <= p <= 1.0
