"""Incremental ingest on a real persistent Chroma: no-op re-runs, changes, prune, removal,
and crash-and-rerun consistency (SIGKILL mid-ingest in a subprocess)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from index import SentenceChunker, ingest_paths
from index.articles import article_text

REPO = Path(__file__).resolve().parents[2]


def snapshot(index) -> dict:
    """Check the index is consistent and return its content (for comparisons)."""
    index.invalidate()
    records = index.records(fresh=True)
    chunks = list(index.store.iter_chunks())
    ids = [c.chunk_id for c, _ in chunks]
    assert len(ids) == len(set(ids)), "duplicate chunk ids"
    per_doc: dict[str, int] = {}
    for c, meta in chunks:
        rec = records.get(c.doc_id)
        assert rec is not None, f"orphan chunk {c.chunk_id}: no committed document"
        assert meta["doc_hash"] == rec.content_hash, f"stale chunk {c.chunk_id}"
        per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
    texts = {d: index.get_document(d).text for d in records}
    for c, _ in chunks:
        assert texts[c.doc_id][c.start:c.end] == c.text
    assert per_doc == {d: r.n_chunks for d, r in records.items() if r.n_chunks}
    assert index.bm25().chunk_ids() == set(ids), "BM25 and Chroma disagree"
    articles = dict(index.store.iter_article_meta())
    assert {a: m["doc_hash"] for a, m in articles.items()} == {d: r.content_hash for d, r in records.items()}, \
        "article vectors and committed documents disagree"
    return {
        "records": {d: (r.content_hash, r.n_chunks) for d, r in records.items()},
        "chunks": {c.chunk_id: (c.doc_id, c.start, c.end, c.text) for c, _ in chunks},
    }


def test_second_run_embeds_nothing(make_index, fake_embedder, corpus_copy, tmp_path):
    index = make_index()
    first = ingest_paths(index, [corpus_copy])
    assert first.ok and len(first.added) == 5 and first.chunks_written > 5
    # one embedding per chunk and one per article (title + lead), no more
    assert fake_embedder.texts_embedded == first.chunks_written + len(first.added)
    assert index.store.count_articles() == 5
    snap = snapshot(index)
    second = ingest_paths(index, [corpus_copy])
    assert sorted(second.unchanged) == sorted(first.added) and second.chunks_written == 0
    assert fake_embedder.texts_embedded == first.chunks_written + 5  # zero embeddings on the re-run
    # a new process (new index object over the same data dir) also embeds nothing
    from fakes import FakeEmbedder

    other = FakeEmbedder()
    again = ingest_paths(make_index(embedder=other), [corpus_copy])
    assert len(again.unchanged) == 5 and other.texts_embedded == 0
    assert snapshot(index) == snap


def test_changed_document_replaces_its_chunks(make_index, fake_embedder, corpus_copy):
    index = make_index()
    ingest_paths(index, [corpus_copy])
    before = snapshot(index)
    target = sorted(corpus_copy.glob("*.txt"))[0]
    doc_id = target.stem
    target.write_text("A much shorter story. It has two sentences only.\n", encoding="utf-8")
    n0 = fake_embedder.texts_embedded
    report = ingest_paths(index, [corpus_copy])
    assert report.updated == [doc_id] and len(report.unchanged) == 4
    after = snapshot(index)
    mine = sorted(c for c, v in after["chunks"].items() if v[0] == doc_id)
    expected = SentenceChunker().chunk_text(doc_id, target.read_text(encoding="utf-8"))
    assert mine == [c.chunk_id for c in expected]
    assert fake_embedder.texts_embedded - n0 == len(expected) + 1  # its chunks and its article vector
    old = {c for c, v in before["chunks"].items() if v[0] == doc_id}
    assert not (old - set(mine)) & set(after["chunks"]), "stale chunk ids survived"
    assert after["records"][doc_id][1] == len(expected)
    others = {c: v for c, v in before["chunks"].items() if v[0] != doc_id}
    assert {c: v for c, v in after["chunks"].items() if v[0] != doc_id} == others
    # the BM25 index finds the new text and not the old
    hits = index.bm25().search("much shorter story", 3)
    assert hits and hits[0][0] == expected[0].chunk_id


def test_metadata_change_alone_reindexes(make_index, corpus_copy):
    index = make_index()
    ingest_paths(index, [corpus_copy])
    manifest = json.loads((corpus_copy / "manifest.json").read_text(encoding="utf-8"))
    name = sorted(manifest["documents"])[1]
    manifest["documents"][name]["outlet"] = "Another Outlet"
    (corpus_copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = ingest_paths(index, [corpus_copy])
    assert report.updated == [Path(name).stem]
    assert index.records(fresh=True)[Path(name).stem].outlet == "Another Outlet"
    assert all(m["outlet"] == "Another Outlet" for c, m in index.store.iter_chunks() if c.doc_id == Path(name).stem)
    snapshot(index)


def test_new_chunk_settings_rechunk_unchanged_documents(make_index, fake_embedder, corpus_copy):
    from index import NewsIndex

    index = make_index()
    ingest_paths(index, [corpus_copy])
    index.bm25()
    small = SentenceChunker(max_sentences=2, overlap=0, max_chars=300)
    rechunked = NewsIndex(index.store, fake_embedder, small)
    report = ingest_paths(rechunked, [corpus_copy])
    assert len(report.updated) == 5 and not report.unchanged
    snap = snapshot(rechunked)
    docs = {p.stem: p.read_text(encoding="utf-8") for p in corpus_copy.glob("*.txt")}
    assert sorted(snap["chunks"]) == sorted(c.chunk_id for d, t in docs.items() for c in small.chunk_text(d, t))
    assert all(r.chunker == small.key for r in rechunked.records(fresh=True).values())
    assert ingest_paths(rechunked, [corpus_copy]).chunks_written == 0
    # the first index object (other settings, stale BM25 cache) sees the new chunks too,
    # once its registry cache (registry_ttl_s, for other processes' writes) expires
    index.invalidate()
    assert index.bm25().chunk_ids() == set(snap["chunks"])


def test_prune_removes_documents_whose_files_are_gone(make_index, corpus_copy):
    index = make_index()
    ingest_paths(index, [corpus_copy])
    gone = sorted(corpus_copy.glob("*.txt"))[2]
    gone.unlink()
    kept = ingest_paths(index, [corpus_copy])
    assert kept.removed == [] and gone.stem in index.records(fresh=True)
    pruned = ingest_paths(index, [corpus_copy], prune=True)
    assert pruned.removed == [gone.stem] and len(pruned.unchanged) == 4
    snap = snapshot(index)
    assert gone.stem not in snap["records"] and all(v[0] != gone.stem for v in snap["chunks"].values())


def test_remove_document(make_index, corpus_copy):
    index = make_index()
    ingest_paths(index, [corpus_copy])
    index.bm25()
    victim = sorted(index.records())[0]
    assert index.remove(victim) is True and index.remove(victim) is False
    snap = snapshot(index)
    assert victim not in snap["records"] and len(snap["records"]) == 4


def test_bad_files_do_not_stop_the_others(make_index, corpus_copy):
    (corpus_copy / "empty.txt").write_bytes(b"")
    (corpus_copy / "blob.md").write_bytes(b"\x00\xff" * 50)
    index = make_index()
    report = ingest_paths(index, [corpus_copy])
    assert not report.ok and len(report.added) == 5
    assert sorted(Path(e.path).name for e in report.errors) == ["blob.md", "empty.txt"]
    assert len(snapshot(index)["records"]) == 5


# -- crash and re-run -------------------------------------------------------------------------
HELPER = textwrap.dedent('''
    import importlib.util, os, signal, sys, time
    repo, data_dir, folder, mode = sys.argv[1:5]
    prebuild = sys.argv[5] if len(sys.argv) > 5 else None
    spec = importlib.util.spec_from_file_location("qa_tests_fakes", os.path.join(repo, "tests", "fakes.py"))
    fakes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fakes)
    from index import ChromaStore, NewsIndex, ingest_paths

    class SlowEmbedder(fakes.FakeEmbedder):
        def embed_documents(self, texts):
            time.sleep(0.03)
            return super().embed_documents(texts)

    store = ChromaStore(data_dir, embed_model="fake")
    index = NewsIndex(store, SlowEmbedder() if mode == "slow" else fakes.FakeEmbedder())
    if prebuild:  # a complete ingest first, so the armed run replaces existing documents
        ingest_paths(index, [prebuild])
    if mode.startswith("kill-at-"):
        # SIGKILL ourselves at the N-th Chroma call of a kind: mid-write, the worst moment
        what, n = mode[len("kill-at-"):].rsplit("-", 1)
        target = {"commit": store.registry.commit, "chunks": store.chunks.add}[what]
        real_call, seen = store._call, [0]
        def call(fn, *a, **kw):
            if fn == target:
                seen[0] += 1
                if seen[0] == int(n):
                    os.kill(os.getpid(), signal.SIGKILL)
            return real_call(fn, *a, **kw)
        store._call = call
    def progress(i, total, doc_id):
        print(i, flush=True)
    ingest_paths(index, [folder], progress=progress, batch_chunks=1)  # one commit per document
    print("done", flush=True)
''')


def make_articles(folder: Path, n: int = 30, seed: int = 7) -> None:
    rng = random.Random(seed)
    words = "storm coast power minister talks city council river bridge market election report".split()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        sents = [
            " ".join(rng.choice(words) for _ in range(rng.randint(4, 12))).capitalize() + "."
            for _ in range(rng.randint(3, 14))
        ]
        (folder / f"article-{i:03d}.txt").write_text(f"Headline {i}\n\n" + " ".join(sents) + "\n", encoding="utf-8")


def start_helper(tmp_path: Path, data_dir: Path, folder: Path, mode: str, *extra: Path) -> subprocess.Popen:
    script = tmp_path / "crash_helper.py"
    script.write_text(HELPER, encoding="utf-8")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    return subprocess.Popen(
        [sys.executable, str(script), str(REPO), str(data_dir), str(folder), mode, *map(str, extra)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env,
    )


def test_crash_and_rerun_leaves_no_duplicates_or_orphans(make_index, tmp_path):
    from fakes import FakeEmbedder

    folder = tmp_path / "articles"
    make_articles(folder)
    # two crashes at once (to save wall time): one kills itself after writing a document's
    # chunks but before committing it; one is SIGKILLed from outside at an arbitrary moment
    self_dir, ext_dir = tmp_path / "self-killed", tmp_path / "ext-killed"
    self_proc = start_helper(tmp_path, self_dir, folder, "kill-at-commit-12")
    ext_proc = start_helper(tmp_path, ext_dir, folder, "slow")
    seen = 0
    deadline = time.monotonic() + 120
    while seen < 10 and time.monotonic() < deadline:
        line = ext_proc.stdout.readline()
        if not line:
            break
        seen += line.strip().isdigit()
    time.sleep(random.uniform(0.0, 0.1))
    ext_proc.send_signal(signal.SIGKILL)
    ext_proc.wait(30)
    self_proc.wait(120)
    assert self_proc.returncode == -signal.SIGKILL, self_proc.stderr.read()[-2000:]
    assert ext_proc.returncode == -signal.SIGKILL and seen >= 10, ext_proc.stderr.read()[-2000:]

    clean_embedder = FakeEmbedder()
    clean = make_index(tmp_path / "clean", embedder=clean_embedder)
    ingest_paths(clean, [folder])
    expected = snapshot(clean)
    assert len(expected["records"]) == 30

    for data_dir, must_repair in ((self_dir, True), (ext_dir, False)):
        emb = FakeEmbedder()
        index = make_index(data_dir, embedder=emb)
        committed = index.records(fresh=True)
        assert 0 < len(committed) < 30, "the crash did not interrupt the ingest"
        leftover = index.store.count_chunks() - sum(r.n_chunks for r in committed.values())
        if must_repair:
            assert leftover > 0, "the self-kill should leave uncommitted chunks behind"
        report = ingest_paths(index, [folder])
        assert report.ok and report.repaired_chunks == leftover
        assert sorted(report.unchanged) == sorted(committed)
        # only the documents that were not committed are embedded again, each distinct text
        # once (the re-run is one batch: under 512 chunks)
        redone = [d for d in expected["records"] if d not in committed]
        distinct = {t for d_, _, _, t in expected["chunks"].values() if d_ in redone}
        distinct |= {article_text(clean.get_document(d)) for d in redone}
        assert emb.texts_embedded == len(distinct) <= sum(expected["records"][d][1] for d in redone) + len(redone)
        assert snapshot(index) == expected


def test_crash_during_an_update_then_rerun(make_index, tmp_path):
    """Kill while replacing changed documents (old chunks deleted, new ones half written)."""
    old, new = tmp_path / "old", tmp_path / "new"
    make_articles(old, n=12)
    make_articles(new, n=12, seed=99)  # the same file names, every article changed
    data_dir = tmp_path / "data"
    proc = start_helper(tmp_path, data_dir, new, "kill-at-chunks-6", old)  # the 6th replacement dies
    clean = make_index(tmp_path / "clean")
    ingest_paths(clean, [new])
    expected = snapshot(clean)
    proc.wait(120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()[-2000:]
    index = make_index(data_dir)
    committed = index.records(fresh=True)
    assert len(committed) == 12 - 1 and index.store.count_chunks() > 0
    report = ingest_paths(index, [new])
    assert report.ok and len(report.added) == 1 and len(report.unchanged) == 5 and len(report.updated) == 6
    assert snapshot(index) == expected


def test_a_text_repeated_across_documents_is_embedded_once(make_index, fake_embedder):
    # A syndicated copy repeats its passages and lead: each distinct text is embedded once,
    # and every chunk still gets its vector (the one its text has).
    from corpus import Document

    body = "The council voted on Monday. The plan passed by two votes. Work starts in May."
    docs = [Document(doc_id=d, title="Council backs plan", outlet=o, published="2024-05-01", text=body)
            for d, o in (("a", "Outlet A"), ("b", "Outlet B"))]
    docs.append(Document(doc_id="c", title="Other news", outlet="C", published="2024-05-02",
                         text="Rain is expected. Roads may flood."))
    index = make_index()
    written = index.write_many([(d, index.chunker.chunk(d)) for d in docs])
    distinct = {c.text for d in docs for c in index.chunker.chunk(d)} | {"Council backs plan. " + body}
    assert written == sum(len(index.chunker.chunk(d)) for d in docs)
    assert fake_embedder.texts_embedded == len(distinct) + 1  # + the lead of "c"
    vectors = {cid: v for cid, v, _ in index.store.chunk_vectors(["a", "b", "c"])}
    assert set(vectors) == {c.chunk_id for d in docs for c in index.chunker.chunk(d)}
    for c in index.chunker.chunk(docs[0]):
        assert np.allclose(vectors[c.chunk_id], vectors[c.chunk_id.replace("a#", "b#")])
        assert np.allclose(vectors[c.chunk_id], fake_embedder._vec(c.text))
    snapshot(index)


def test_embed_unique_keeps_order_and_count():
    from index.news_index import embed_unique

    from fakes import FakeEmbedder

    fake = FakeEmbedder()
    texts = ["x y", "z", "x y", "w", "z"]
    vecs = embed_unique(fake, texts)
    assert fake.texts_embedded == 3 and vecs.shape == (5, fake.dim)
    assert np.allclose(vecs, np.stack([fake._vec(t) for t in texts]))
