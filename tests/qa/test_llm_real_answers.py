"""The real local model (Qwen2.5-Coder-1.5B, in its llama.cpp worker process) answers five
successive questions of one process correctly, with the int8 ONNX reader, the ONNX
cross-encoder and the MiniLM embedder running in the answering process between them.

A native llama.cpp 0.3.16 build turned every answer after the first onnxruntime int8 session
into gibberish; a test that only checks that nothing bad appears would pass that. This one
checks that each answer is the model's own (no fallback to quotes) and names the right person
or number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.llm]

REPO = Path(__file__).resolve().parents[2]
# persons and numbers, each stated once in the seed articles
QUESTIONS = ("single_fact-01", "single_fact-03", "single_fact-04", "single_fact-16", "single_fact-12")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    pytest.importorskip("llama_cpp")
    from index import ingest_paths
    from qa.assistant import Assistant
    from qa.components import build_index
    from qa.settings import Settings
    from ui.service import llm_status

    settings = Settings.load(env={}, data_dir=str(tmp_path_factory.mktemp("qwen") / "data"))
    status = llm_status(settings)  # the default model: the installed Qwen2.5
    if not status.available:
        pytest.skip(status.reason)
    index = build_index(settings)
    assert ingest_paths(index, [REPO / "corpus"]).ok
    a = Assistant.from_settings(settings, index)
    yield a
    a.llm().llm.worker.stop()


def test_successive_answers_name_the_right_person_or_number(assistant):
    from evaluation.metrics import contains_alias
    from index.cross_encoder import shared_cross_encoder
    from qa.evidence.reader import OnnxReader

    gold = {d["id"]: d for d in map(json.loads, (REPO / "eval" / "gold.jsonl").read_text().splitlines())}
    cross, reader = shared_cross_encoder(), OnnxReader()
    wrong = []
    for qid in QUESTIONS:
        item = gold[qid]
        ans = assistant.ask(item["question"], mode="llm")
        # the int8 ONNX sessions and the embedder run in this process between generations
        cross.score(item["question"], [p.text for p in ans.passages[:8]])
        reader.read(item["question"], [p.text for p in ans.passages[:3]])
        assistant.index.embedder.embed_query(item["question"])
        if ans.mode != "llm" or ans.fallback or not contains_alias(ans.text, item["answers"]):
            wrong.append((qid, ans.fallback, ans.text[:200], item["answers"][:2]))
    assert not wrong, wrong
