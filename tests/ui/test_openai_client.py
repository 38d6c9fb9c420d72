"""The official `openai` client against a live local server (loopback), real MiniLM index."""

from __future__ import annotations

import pytest

from live_server import ThreadServer, copy_data_dir

pytestmark = pytest.mark.slow

QUESTION = "Who did the Hamas delegation meet in Moscow?"


@pytest.fixture(scope="module")
def live(minilm_corpus_dir, tmp_path_factory):
    from qa.settings import Settings
    from ui.server import create_app

    data = copy_data_dir(minilm_corpus_dir, tmp_path_factory.mktemp("oai"))
    with ThreadServer(create_app(Settings.load(env={}, data_dir=str(data)))) as server:
        yield server


@pytest.fixture(scope="module")
def client(live):
    from openai import OpenAI

    return OpenAI(base_url=f"{live.base}/v1", api_key="not-needed", max_retries=0, timeout=120)


def test_completion_carries_answer_and_citations(client, live):
    import httpx

    resp = client.chat.completions.create(model="news-qa", messages=[{"role": "user", "content": QUESTION}])
    content = resp.choices[0].message.content
    extra = resp.model_extra
    assert extra["citations"], "an answerable question should be cited"
    assert content.startswith(extra["news_qa"]["answer"]) and "Sources:" in content
    for c in extra["citations"]:  # exact spans of the stored documents
        doc = httpx.get(f"{live.base}/api/documents/{c['doc_id']}").json()
        assert doc["text"][c["start"]:c["end"]] == c["text"]
    assert any("Bogdanov" in c["text"] for c in extra["citations"])


def test_streaming_completion(client):
    stream = client.chat.completions.create(model="news-qa", stream=True,
                                            messages=[{"role": "user", "content": QUESTION}])
    chunks = list(stream)
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["citations"] and text.startswith(last.model_extra["news_qa"]["answer"])


def test_follow_up_uses_previous_messages(client):
    first = client.chat.completions.create(model="news-qa", messages=[{"role": "user", "content": QUESTION}])
    follow = client.chat.completions.create(model="news-qa", messages=[
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "What did they discuss?"},
    ])
    news = follow.model_extra["news_qa"]
    # the follow-up was rewritten with the earlier turn's subject before retrieval
    assert news["standalone_question"] and news["standalone_question"] != "What did they discuss?"
    assert not news["abstained"]


def test_errors_reach_the_client_as_api_errors(client):
    import openai

    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="news-qa", messages=[{"role": "user", "content": "  "}])
    assert "empty" in str(err.value)


def test_unknown_model_is_a_404_model_not_found(client):
    import openai

    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    assert err.value.status_code == 404 and err.value.code == "model_not_found"
    served = {m.id for m in client.models.list()}
    assert "news-qa" in served and "gpt-4o" not in served
    resp = client.chat.completions.create(model="news-qa-quote", messages=[{"role": "user", "content": QUESTION}])
    assert resp.usage is None or resp.usage.total_tokens > 0  # quote mode counts nothing: no zeros
