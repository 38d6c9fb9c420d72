"""The HTTP API on the real app (Gradio mounted) over a temp index (fake embedder: fast)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

QUESTION = "Who did the Hamas delegation meet in Moscow?"


@pytest.fixture(scope="module")
def client(shared_fake_assistant):
    """One app for the read-only tests of this module."""
    from ui.server import create_app

    settings, assistant = shared_fake_assistant
    with TestClient(create_app(settings, assistant=assistant)) as c:
        yield c


@pytest.fixture
def fresh_client(fake_assistant_factory):
    """An app over its own temp data dir, for tests that write."""
    from ui.server import create_app

    settings, assistant = fake_assistant_factory(index__max_file_bytes=4000)
    with TestClient(create_app(settings, assistant=assistant)) as c:
        yield c


def test_healthz_and_ui_page(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    page = client.get("/")
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_ask_returns_the_ask_json_contract(client):
    r = client.post("/api/ask", json={"question": QUESTION, "mode": "quote", "k": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"question", "answer", "abstained", "mode", "citations", "passages", "conflicts",
            "unsupported", "latency_s"} <= set(body)
    assert body["mode"] == "quote" and body["question"] == QUESTION
    assert len(body["passages"]) <= 3
    for c in body["citations"]:  # every citation is an exact span of its document
        doc = client.get(f"/api/documents/{c['doc_id']}").json()
        assert doc["text"][c["start"]:c["end"]] == c["text"]
        assert f"[{c['marker']}]" in body["answer"]


def test_ask_with_filters_and_history(client):
    docs = client.get("/api/documents").json()["documents"]
    only = docs[0]["doc_id"]
    r = client.post("/api/ask", json={"question": QUESTION, "filters": {"doc_ids": [only]}})
    assert r.status_code == 200
    assert {p["doc_id"] for p in r.json()["passages"]} <= {only}
    r = client.post("/api/ask", json={"question": "What did they discuss?",
                                      "history": [{"role": "user", "content": QUESTION},
                                                  {"role": "assistant", "content": "Mikhail Bogdanov."}]})
    assert r.status_code == 200


@pytest.mark.parametrize("body, status, words", [
    ({"question": ""}, 400, "empty"),
    ({"question": "   "}, 400, "empty"),
    ({}, 422, "question is missing"),
    ({"question": 42}, 422, "question must be a string, got int"),
    ({"question": None}, 422, "question is missing"),
    ({"question": ["a"]}, 422, "question must be a string, got list"),
    ({"question": "x", "mode": "poetry"}, 422, "unknown mode"),
    ({"question": "x", "k": 0}, 422, "k must be"),
    ({"question": "x", "k": "5"}, 422, "k must be"),
    ({"question": "x", "filters": {"colour": "red"}}, 422, "unknown filter 'colour'"),
    ({"question": "x", "filters": {"date_from": "yesterday"}}, 400, "date_from"),
    ({"question": "x", "history": "nope"}, 422, "history"),
    ({"question": "x", "temperature": 1}, 422, "unknown field 'temperature'"),
    ({"question": "x", "as_of": "last week"}, 422, "as_of"),
    ([1, 2], 422, "JSON object"),
])
def test_ask_bad_input(client, body, status, words):
    r = client.post("/api/ask", json=body)
    assert r.status_code == status, r.text
    assert words in r.json()["error"]


def test_ask_malformed_json(client):
    for raw in ["{not json", "", "\xff\xfe"]:
        r = client.post("/api/ask", content=raw.encode("latin-1"), headers={"content-type": "application/json"})
        assert r.status_code in (400, 422), r.text
        assert "JSON" in r.json()["error"] or "empty" in r.json()["error"]


@pytest.mark.parametrize("method, path, status, words", [
    ("GET", "/api/nope", 404, "no route /api/nope"),
    ("POST", "/v1/embeddings", 404, "no route /v1/embeddings"),
    ("GET", "/api/ask", 405, "GET is not allowed on /api/ask; use POST"),
    ("PUT", "/api/documents", 405, "not allowed"),
    ("POST", "/v1/models", 405, "use GET"),
    ("GET", "/no/such/page", 404, "Not Found"),
])
def test_every_error_has_the_documented_shape(client, method, path, status, words):
    r = client.request(method, path)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and words in body["error"], body
    if status == 405:
        assert "Allow" in r.headers


def test_openapi_shows_the_real_schemas(client):
    spec = client.get("/api/openapi.json").json()
    ask = spec["paths"]["/api/ask"]["post"]
    ref = ask["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    props = spec["components"]["schemas"][ref]["properties"]
    assert {"question", "mode", "k", "filters", "history", "as_of"} <= set(props)
    out = ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"answer", "citations", "answer_span", "verdict"} <= set(spec["components"]["schemas"][out]["properties"])
    assert "multipart/form-data" in spec["paths"]["/api/documents"]["post"]["requestBody"]["content"]


def test_citations_carry_a_readable_label(client):
    body = client.post("/api/ask", json={"question": QUESTION}).json()
    assert body["citations"]
    for c in body["citations"]:
        label = c["label"]
        assert c["doc_id"] not in label  # never the hash id when there is text to name it by
        assert " · " in label and (c["outlet"] is None or label.startswith(c["outlet"]))


def test_as_of_without_assistant_support_is_a_clear_error(client, monkeypatch):
    import inspect

    svc = client.app.state.service
    r = client.post("/api/ask", json={"question": QUESTION, "as_of": "2024-06-30"})
    if "as_of" in inspect.signature(svc.assistant.ask).parameters:
        assert r.status_code == 200, r.text
    else:
        assert r.status_code == 503 and "as_of is not supported" in r.json()["error"]


def test_llm_mode_without_model_is_explained(client, monkeypatch):
    from ui.service import LLMStatus

    svc = client.app.state.service
    monkeypatch.setattr(svc, "_llm", LLMStatus(False, "llm mode is unavailable: no model; run make llm"))
    r = client.post("/api/ask", json={"question": QUESTION, "mode": "llm"})
    assert r.status_code == 503 and "make llm" in r.json()["error"]


def test_documents_list_and_get(client):
    docs = client.get("/api/documents").json()
    assert docs["count"] == 5
    d = docs["documents"][0]
    assert {"doc_id", "title", "outlet", "published", "chunks"} <= set(d) and d["chunks"] > 0
    full = client.get(f"/api/documents/{d['doc_id']}").json()
    assert full["doc_id"] == d["doc_id"] and len(full["text"]) > 100
    missing = client.get("/api/documents/no-such-doc")
    assert missing.status_code == 404 and "no document 'no-such-doc'" in missing.json()["error"]


def test_document_view_is_escaped_and_validates_span(client):
    doc_id = client.get("/api/documents").json()["documents"][0]["doc_id"]
    text = client.get(f"/api/documents/{doc_id}").json()["text"]
    r = client.get(f"/api/documents/{doc_id}/view", params={"start": 0, "end": 20})
    assert r.status_code == 200 and '<mark class="qa-hl"' in r.text
    assert client.get(f"/api/documents/{doc_id}/view", params={"start": 5, "end": len(text) + 9}).status_code == 400
    assert client.get(f"/api/documents/{doc_id}/view", params={"start": 5}).status_code == 400
    assert client.get(f"/api/documents/{doc_id}/view", params={"start": "a", "end": 3}).status_code == 422
    assert client.get("/api/documents/nope/view").status_code == 404


def _files(*items):
    return [("files", (name, data, "application/octet-stream")) for name, data in items]


ARTICLE = (b"Harbour tunnel reopens\n\nThe Quellin harbour tunnel in Ostmark reopened on 3 March 2025 "
           b"after repairs that cost 14 million euros, the city council said.")


def test_upload_ask_and_delete(fresh_client, tmp_path):
    client = fresh_client
    r = client.post("/api/documents", files=_files(("../../Quellin tunnel.txt", ARTICLE)))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] and body["added"] == ["Quellin_tunnel"]
    saved = list((tmp_path / "data" / "uploads").iterdir())
    assert [p.name for p in saved] == ["Quellin_tunnel.txt"]  # inside DATA_DIR/uploads, sanitised
    assert "Quellin_tunnel" in {d["doc_id"] for d in client.get("/api/documents").json()["documents"]}
    ans = client.post("/api/ask", json={"question": "How much did the Quellin harbour tunnel repairs cost?"}).json()
    assert any(c["doc_id"] == "Quellin_tunnel" for c in ans["citations"]), ans
    assert "14 million" in ans["answer"]
    r = client.delete("/api/documents/Quellin_tunnel")
    assert r.status_code == 200 and r.json()["upload_file_removed"] is True
    assert not saved[0].exists()
    assert client.get("/api/documents/Quellin_tunnel").status_code == 404
    assert client.delete("/api/documents/Quellin_tunnel").status_code == 404


def test_upload_with_an_existing_name_is_refused_and_replace_keeps_metadata(fresh_client, tmp_path):
    client = fresh_client
    seed = "000_22e84eabdeff59f2"
    before = client.get(f"/api/documents/{seed}").json()
    assert before["title"] and before["outlet"] == "Palestine Chronicle"
    r = client.post("/api/documents", files=_files((f"{seed}.txt", ARTICLE)))
    assert r.status_code == 409, r.text
    err = r.json()
    assert "would replace the existing document" in err["error"] and "replace=true" in err["error"]
    assert err["files"][0]["conflict"] is True
    assert client.get(f"/api/documents/{seed}").json() == before  # untouched
    assert not (tmp_path / "data" / "uploads" / f"{seed}.txt").exists()
    # the original text back, explicitly replacing: the manifest metadata stays
    r = client.post("/api/documents?replace=true", files=_files((f"{seed}.txt", before["text"].encode())))
    assert r.status_code == 200, r.text
    after = client.get(f"/api/documents/{seed}").json()
    assert {k: after[k] for k in ("title", "outlet", "published", "text")} == \
        {k: before[k] for k in ("title", "outlet", "published", "text")}
    # new metadata given with the replacement wins
    r = client.post("/api/documents", data={"replace": "true", "outlet": "PC"},
                    files=_files((f"{seed}.txt", before["text"].encode())))
    assert r.status_code == 200, r.text
    after = client.get(f"/api/documents/{seed}").json()
    assert after["outlet"] == "PC" and after["title"] == before["title"]


def test_bulk_formats_go_to_the_corpus_loader(fresh_client):
    from corpus import SUPPORTED_SUFFIXES

    r = fresh_client.post("/api/documents", files=_files(("feed.jsonl", b'{"id": "a1", "text": "Some text."}\n')))
    if ".jsonl" in SUPPORTED_SUFFIXES:
        assert r.status_code in (200, 207), r.text
    else:
        assert r.status_code == 400 and "cannot load yet" in r.json()["error"]


def test_upload_bad_files(fresh_client):
    client = fresh_client
    big = client.post("/api/documents", files=_files(("big.txt", b"word " * 2000)))
    assert big.status_code == 413 and "too large" in big.json()["error"]
    binary = client.post("/api/documents", files=_files(("img.txt", bytes(range(256)) * 4)))
    assert binary.status_code == 400 and "binary" in binary.json()["error"]
    exe = client.post("/api/documents", files=_files(("tool.exe", b"MZ...")))
    assert exe.status_code == 400 and "unsupported file type" in exe.json()["error"]
    mixed = client.post("/api/documents", files=_files(("ok.md", b"# Fine\n\nA fine article about tunnels."),
                                                       ("bad.html", b"\x00\x00")))
    assert mixed.status_code == 207
    files = {f["filename"]: f for f in mixed.json()["files"]}
    assert files["ok.md"]["ok"] and not files["bad.html"]["ok"]
    none = client.post("/api/documents", files={})
    assert none.status_code == 400
    not_multipart = client.post("/api/documents", json={"file": "x"})
    assert not_multipart.status_code == 400 and "multipart" in not_multipart.json()["error"]


def test_chat_completions_route(client):
    r = client.post("/v1/chat/completions", json={"model": "news-qa", "messages": [
        {"role": "system", "content": "be brief"}, {"role": "user", "content": QUESTION}]})
    assert r.status_code == 200, r.text
    body = r.json()
    content = body["choices"][0]["message"]["content"]
    assert body["object"] == "chat.completion" and content.startswith(body["news_qa"]["answer"])
    assert body["citations"] == body["news_qa"]["citations"]
    bad = client.post("/v1/chat/completions", content=b"{oops", headers={"content-type": "application/json"})
    assert bad.status_code == 400 and "JSON" in bad.json()["error"]["message"]
    empty = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": " "}]})
    assert empty.status_code == 400 and "empty" in empty.json()["error"]["message"]
    no_user = client.post("/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "hi"}]})
    assert no_user.status_code == 400
    typed = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": 42}]})
    assert typed.status_code == 400 and "must be a string" in typed.json()["error"]["message"]
    assert "usage" not in body or body["usage"]["total_tokens"] > 0  # real counts or none, never zeros


def test_unknown_model_is_model_not_found(client):
    r = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}]})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "model_not_found" and "gpt-4o" in r.json()["error"]["message"]
    served = [m["id"] for m in client.get("/v1/models").json()["data"]]
    assert "news-qa" in served
    for model in served:
        ok = client.post("/v1/chat/completions", json={"model": model, "mode": "quote",
                                                       "messages": [{"role": "user", "content": QUESTION}]})
        assert ok.status_code == 200, (model, ok.text)


def test_chat_completions_stream_sse(client):
    with client.stream("POST", "/v1/chat/completions", json={
            "stream": True, "messages": [{"role": "user", "content": QUESTION}]}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    final = chunks[-1]["news_qa"]
    assert text.startswith(final["answer"]) and chunks[-1]["citations"] == final["citations"]


def test_asking_an_empty_library_says_so(tmp_path):
    """Not "The articles don't say." (that claims the articles were searched): a 409 that says
    what to do, on both APIs."""
    from fastapi.testclient import TestClient

    from fakes import FakeEmbedder
    from index import ChromaStore, NewsIndex
    from qa.assistant import Assistant
    from qa.settings import Settings
    from ui.server import create_app

    data = tmp_path / "empty"
    settings = Settings.load(env={}, data_dir=str(data), index__embed_model="fake")
    index = NewsIndex(ChromaStore(data, embed_model="fake"), FakeEmbedder())
    with TestClient(create_app(settings, Assistant.from_settings(settings, index))) as c:
        r = c.post("/api/ask", json={"question": QUESTION})
        assert r.status_code == 409 and "library is empty" in r.json()["error"]
        r = c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]})
        assert r.status_code == 409 and "library is empty" in r.json()["error"]["message"]
