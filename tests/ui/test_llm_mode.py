"""llm mode through the API and the OpenAI route, with the tiny packaged SmolLM2 model."""

from __future__ import annotations

import importlib.util
import json

import pytest
from fastapi.testclient import TestClient

pytestmark = [pytest.mark.slow, pytest.mark.llm]

QUESTION = "Who did the Hamas delegation meet in Moscow?"


@pytest.fixture(scope="module")
def client(shared_fake_assistant):
    from qa.assistant import Assistant
    from ui.server import create_app
    from ui.service import llm_status

    settings, fake = shared_fake_assistant
    settings = type(settings).load(env={}, data_dir=settings.data_dir, index__embed_model="fake",
                                   llm__model_path="smollm2", llm__max_tokens=48)
    status = llm_status(settings)
    if importlib.util.find_spec("llama_cpp") is None or not status.available:
        pytest.skip(f"no local LLM here: {status.reason}")
    assistant = Assistant.from_settings(settings, fake.index, retriever=fake.retriever)
    with TestClient(create_app(settings, assistant=assistant)) as c:
        yield c


def test_llm_mode_answers_with_verified_citations(client):
    r = client.post("/api/ask", json={"question": QUESTION, "mode": "llm"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] == "llm"
    for c in body["citations"]:  # whatever the small model wrote, citations are exact spans
        text = client.get(f"/api/documents/{c['doc_id']}").json()["text"]
        assert text[c["start"]:c["end"]] == c["text"]
    assert body["abstained"] or body["citations"]


def test_llm_mode_streams_over_sse(client):
    with client.stream("POST", "/v1/chat/completions", json={
            "model": "news-qa-llm", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}) as r:
        assert r.status_code == 200
        events = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert "error" not in chunks[-1], chunks[-1]
    assert chunks[-1]["news_qa"]["mode"] == "llm"
