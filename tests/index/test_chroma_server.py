"""The CLI against a real Chroma server (`chroma run`): same behaviour as the embedded store,
a clear error when the server is down, and recovery after it dies in the middle of an ingest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner


def _load_helper():
    """tests/index/crash_helper.py, loaded by path (tests/ folders are not packages)."""
    import importlib.util

    if "crash_helper" not in sys.modules:
        spec = importlib.util.spec_from_file_location("crash_helper", Path(__file__).with_name("crash_helper.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules["crash_helper"] = module
        spec.loader.exec_module(module)
    return sys.modules["crash_helper"]


_h = _load_helper()
ChromaServer, HashEmbedder, free_port, make_corpus, snapshot = (
    _h.ChromaServer, _h.HashEmbedder, _h.free_port, _h.make_corpus, _h.snapshot,
)

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Who met with Russian officials in Moscow?",
    "What did Hamas say about Russia's efforts?",
    "Which delegation travelled to Moscow?",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "chroma").start()
    yield srv
    srv.kill()


def run(args: list[str], env: dict | None = None):
    from qa.cli import ask as ask_cli  # noqa: F401  (registers `ask`)
    from qa.cli.main import cli

    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


@pytest.fixture
def fake_models(monkeypatch):
    """`--embed-model fake` resolves to a fast hashing embedder (through get_embedder's cache)."""
    import qa.components

    emb = HashEmbedder()
    monkeypatch.setitem(qa.components._embedders, "fake", emb)
    return emb


def _status(args: list[str]) -> dict:
    res = run(args + ["index", "status", "--json"])
    assert res.exit_code == 0, res.output
    status = json.loads(res.stdout)
    status.pop("store")
    assert status.pop("registry").endswith("registry-news_qa.sqlite3")  # local, in each data dir
    for d in status["documents"]:
        d.pop("source")
    return status


def _ask(args: list[str], q: str) -> list[tuple]:
    res = run(args + ["ask", "--json", q])
    assert res.exit_code == 0, res.output
    return [(p["doc_id"], p["start"], p["end"]) for p in json.loads(res.stdout)["passages"]]


def test_server_mode_behaves_like_embedded(server, corpus_copy, tmp_path):
    """Real MiniLM, real server: ingest, status, ask and rm give the same results."""
    embedded = ["--data-dir", str(tmp_path / "embedded")]
    remote = ["--data-dir", str(tmp_path / "remote"), "--chroma-url", server.url]
    for args in (embedded, remote):
        res = run(args + ["ingest", str(corpus_copy), "--json"])
        assert res.exit_code == 0, res.output
        assert len(json.loads(res.stdout)["added"]) == 5
    assert _status(remote) == _status(embedded)
    assert _status(remote)["total_chunks"] > 5
    # A second ingest is free in both modes.
    res = run(remote + ["ingest", str(corpus_copy), "--json"])
    assert json.loads(res.stdout)["unchanged"] and not json.loads(res.stdout)["added"]
    for q in QUESTIONS:
        got = _ask(remote, q)
        assert got and got == _ask(embedded, q)
    victim = _ask(remote, QUESTIONS[0])[0][0]
    for args in (embedded, remote):
        res = run(args + ["index", "rm", victim])
        assert res.exit_code == 0, res.output
    assert _status(remote) == _status(embedded)
    assert victim not in {d["doc_id"] for d in _status(remote)["documents"]}
    for q in QUESTIONS:
        got = _ask(remote, q)
        assert got == _ask(embedded, q) and victim not in {d for d, _, _ in got}
    # The environment variable works like the flag.
    res = run(["--data-dir", str(tmp_path / "remote"), "index", "status", "--json"], env={"QA_CHROMA_URL": server.url})
    assert json.loads(res.stdout)["store"] == server.url


@pytest.mark.parametrize("command", [["ingest"], ["index", "status"], ["ask", "anything"], ["index", "rm", "x"]])
def test_server_down_clear_error_no_state(command, corpus_copy, tmp_path, fake_models):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    data = tmp_path / "data"
    args = ["--data-dir", str(data), "--chroma-url", url]
    if command == ["ingest"]:
        command = ["ingest", str(corpus_copy)]
    res = run(args + command, env={"QA_EMBED_MODEL": "fake"})
    assert res.exit_code != 0
    assert url in res.stderr and "Chroma server" in res.stderr
    assert "Traceback" not in res.output
    assert not data.exists() or not any(data.iterdir()), "nothing may be written when the server is down"
    assert fake_models.texts_embedded == 0


def test_bad_chroma_url_is_named(tmp_path):
    res = run(["--data-dir", str(tmp_path), "--chroma-url", "ftp://nowhere", "index", "status"])
    assert res.exit_code != 0 and "ftp://nowhere" in res.stderr and "http://HOST:PORT" in res.stderr


def _expected_after_clean_build(tmp_path, corpus) -> dict:
    from index import ChromaStore, NewsIndex, ingest_paths

    clean = tmp_path / "clean"
    ingest_paths(NewsIndex(ChromaStore(clean, embed_model="fake"), HashEmbedder()), [corpus])
    return snapshot(clean)


def _assert_consistent(snap: dict) -> None:
    assert snap["orphans"] == [] and snap["duplicates"] == 0 and snap["count_mismatch"] == {}
    assert snap["bm25_ids"] == snap["chunk_ids"]


@pytest.mark.parametrize("where", ["embedding", "between chunks and record"])
def test_server_killed_mid_ingest_then_next_ingest_completes(where, tmp_path, monkeypatch, fake_models):
    """The server dies during the 4th document; the CLI fails clearly; after a restart on the
    same path and port, the next ingest repairs and completes, identical to a clean build."""
    corpus = make_corpus(tmp_path / "corpus", 8)
    srv = ChromaServer(tmp_path / "chroma").start()
    try:
        args = ["--data-dir", str(tmp_path / "data"), "--chroma-url", srv.url]
        # one batch per document; the fake model embeds the passages too, as in the clean build
        env = {"QA_EMBED_MODEL": "fake", "QA_INGEST_BATCH_CHUNKS": "1", "QA_INDEX__PASSAGE_EMBED_MODEL": "same"}
        if where == "embedding":
            fake_models.on_call = lambda n: srv.kill() if n == 4 else None
        else:
            from index import store as store_mod

            real_call, adds = store_mod.ChromaStore._call, []

            def call(self, fn, *a, **kw):
                out = real_call(self, fn, *a, **kw)
                if fn == self.chunks.add:
                    adds.append(1)
                    if len(adds) == 4:  # the 4th document's chunks are in, its record is not
                        srv.kill()
                        real_call(self, self.chunks.count)  # the client notices: StoreError
                return out

            monkeypatch.setattr(store_mod.ChromaStore, "_call", call)
        res = run(args + ["ingest", str(corpus)], env=env)
        assert res.exit_code == 3, res.output
        assert srv.url in res.stderr and "Traceback" not in res.output
        monkeypatch.undo()
        import qa.components

        monkeypatch.setitem(qa.components._embedders, "fake", HashEmbedder())

        srv.start()
        half = snapshot(tmp_path / "data", srv.url)
        assert len(half["docs"]) == 3  # only committed documents are visible
        assert half["count_mismatch"] == {}
        if where != "embedding":
            assert half["orphans"], "the interrupted write should have left chunks without a record"

        res = run(args + ["ingest", str(corpus), "--json"], env=env)
        assert res.exit_code == 0, res.output
        report = json.loads(res.stdout)
        assert len(report["added"]) == 5 and len(report["unchanged"]) == 3
        assert (report["repaired_chunks"] > 0) == (where != "embedding")
        after = snapshot(tmp_path / "data", srv.url)
        _assert_consistent(after)
        expected = _expected_after_clean_build(tmp_path, corpus)
        assert {k: after[k] for k in ("docs", "chunk_ids", "n_chunks")} == {
            k: expected[k] for k in ("docs", "chunk_ids", "n_chunks")
        }
    finally:
        srv.kill()
