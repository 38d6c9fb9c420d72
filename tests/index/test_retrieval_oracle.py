"""Oracle for the fast article-first path: the passages of the candidate articles come from an
in-memory matrix (index.passage_matrix), BM25 is one FTS5 pass ranked in Python
(SqliteBM25.matches + top) and copy collapsing remembers the cluster heads' chunks. The old
path read Chroma and SQLite for each question; it is kept here, verbatim, as the oracle: every
candidate's features and every ranked passage must be bit for bit the same, on the seed
articles plus syndicated copies, with the fake embedder and with the real MiniLM, also after
documents are added, re-written and removed once the matrix is loaded."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from corpus import Document, load_paths
from index import ChromaStore, Filters, NewsIndex, ingest_documents
from index.article_retrieval import ArticleWeights, Candidates
from index.chunking import chunk_id_for
from index.syndication import containment

REPO = Path(__file__).resolve().parents[2]
QUESTIONS = [json.loads(line)["question"] for line in (REPO / "eval" / "gold.jsonl").open()][:8] + [
    "Marzouk Bogdanov Moscow", "What did the minister say?", "ceasefire", "zzzz unknown words"]


# -- the old path, verbatim but for names ------------------------------------------------------
def old_search(fn, vec, n: int, filters: Filters) -> list:
    hits = fn(vec, n, filters.where())
    if filters.undated and filters.dated:  # Chroma cannot match a missing key: ask again for the undated
        hits += [h for h in fn(vec, n, filters.without_dates().where()) if not h[2].get("published")]
    return hits


def old_candidates(af, query, filters, as_of=None, about=None) -> Candidates:
    store, w = af.index.store, af.weights
    vec = np.asarray((af.query_embedder or af.index.embedder).embed_query(query), dtype=np.float32)
    m, art_cos, prior, allowed = af.article_scores(vec, filters, as_of, about)
    r = w.recency if as_of else w.recency_no_as_of
    score = np.where(allowed, w.article * art_cos + r * prior, -np.inf)
    top = np.argsort(-score, kind="stable")[: min(w.articles, int(allowed.sum()))]
    docs = {m.doc_ids[i] for i in top}
    if w.passage > 0:
        docs.update(c.doc_id for c, _, meta in old_search(store.query, vec, w.candidates, filters)
                    if af._visible(meta, filters))
    rarity = af.index.bm25().rarity(query) if w.bm25 > 0 else 0.0
    if w.bm25 > 0:
        ok = None if allowed.all() else {m.doc_ids[i] for i in np.flatnonzero(allowed)}
        docs.update(cid.rsplit("#", 1)[0] for cid, _ in af.index.bm25().search(query, w.candidates, allowed_docs=ok))
    if as_of:
        docs = {d for d in docs if d in m.row and allowed[m.row[d]]}
    rows = [row for row in store.chunk_vectors(sorted(docs)) if af._visible(row[2], filters)]
    if not rows:
        return Candidates([], [], *(np.zeros(0, dtype=np.float32) for _ in range(4)), anchored=bool(as_of),
                          rarity=rarity)
    ids = [cid for cid, _, _ in rows]
    doc_of = [meta["doc_id"] for _, _, meta in rows]
    cos = np.stack([v for _, v, _ in rows]) @ vec
    bm25 = np.zeros(len(ids), dtype=np.float32)
    if w.bm25 > 0:
        bm = dict(af.index.bm25().search(query, len(rows), allowed_docs=set(doc_of)))
        bm25 = np.array([bm.get(c, 0.0) for c in ids], dtype=np.float32)
        if bm25.max(initial=0.0) > 0:
            bm25 = bm25 / bm25.max()
    best_passage: dict[str, float] = {}
    for d, c in zip(doc_of, cos.tolist()):
        best_passage[d] = max(best_passage.get(d, -1.0), c)
    article = np.array([art_cos[m.row[d]] if d in m.row else best_passage[d] for d in doc_of], dtype=np.float32)
    mean_prior = float(prior[allowed].mean()) if allowed.any() else 0.0
    recency = np.array([prior[m.row[d]] if d in m.row else mean_prior for d in doc_of], dtype=np.float32)
    return Candidates(ids, doc_of, cos.astype(np.float32), bm25, article, recency, anchored=bool(as_of),
                      rarity=rarity)


def old_collapse(cc, passages, filters=None):
    from index.types import ScoredPassage

    records = cc.index.records()
    if not any(getattr(records.get(p.doc_id), "dup_of", None) for p in passages):
        return passages
    out, seen, cache = [], set(), {}
    for p in passages:
        rec = records.get(p.doc_id)
        head = rec.dup_of if rec is not None else None
        head_rec = records.get(head) if head else None
        if cc.replace and head_rec is not None and (filters is None or filters.allows(head_rec.to_meta())):
            if head not in cache:
                found = cc.index.store.get_chunks([chunk_id_for(head, i) for i in range(head_rec.n_chunks)])
                cache[head] = sorted(((c, m) for c, m in found.values() if cc.index.is_visible(m)),
                                     key=lambda cm: cm[0].start)
            scored = [(containment(p.text, c.text), c, m) for c, m in cache[head]]
            best = max(scored, key=lambda x: x[0], default=None)
            if best is not None and best[0] >= cc.min_containment:
                _, chunk, meta = best
                p = ScoredPassage(chunk, p.score, meta.get("title"), meta.get("outlet"),
                                  meta.get("published"), dict(p.scores))
        if head and p.doc_id != head:
            p.dup_of = head
        if p.chunk.chunk_id not in seen:
            seen.add(p.chunk.chunk_id)
            out.append(p)
    return out


# -- the comparison ------------------------------------------------------------------------
def _features(c: Candidates) -> dict:
    return {cid: (d, float(a), float(b), float(e), float(f))
            for cid, d, a, b, e, f in zip(c.chunk_ids, c.doc_ids, c.cos, c.bm25, c.article, c.recency)}


def _listing(passages) -> list:
    return [(p.chunk.chunk_id, p.start, p.end, p.text, p.score, p.title, p.outlet, p.published, p.dup_of,
             sorted(p.scores.items())) for p in passages]


def _same(new, old, question: str, filters: Filters, as_of: str | None) -> None:
    got = new.articles.candidates(question, filters, as_of)
    want = old_candidates(old.articles, question, filters, as_of)
    assert _features(got) == _features(want), question  # every candidate, every feature, bit for bit
    assert got.rarity == want.rarity
    w = new.articles.weights
    assert got.ranked_docs(w) == want.ranked_docs(w)
    assert [got.chunk_ids[i] for i in got.ranked_passages(w)] == [want.chunk_ids[i] for i in want.ranked_passages(w)]
    for k in (1, 8):
        assert _listing(new.retrieve(question, k, "articles", filters, as_of=as_of)) == \
            _listing(old.retrieve(question, k, "articles", filters, as_of=as_of)), question


def _seed_with_copies() -> list[Document]:
    docs = load_paths([REPO / "corpus"]).documents
    copies = [replace(d, doc_id=f"{d.doc_id}-copy", outlet="Wire Copy", published="2025-03-01",
                      text=d.text + "\n\nThis story was first published elsewhere.") for d in docs[:3]]
    return docs + copies


def _check(index, settings_weights: ArticleWeights) -> None:
    from fakes import plain_retriever

    for w in (settings_weights, replace(settings_weights, bm25=0.5, bm25_slope=0.0, articles=3, candidates=5)):
        new = plain_retriever(index, article_weights=w, max_per_doc=2)
        old = plain_retriever(index, article_weights=w, max_per_doc=2)
        old.articles.candidates = lambda *a, af=old.articles: old_candidates(af, *a)
        old.copies.collapse = lambda passages, filters=None, cc=old.copies: old_collapse(cc, passages, filters)
        # the first questions read Chroma (the second starts reading the matrix in the background)
        assert new.articles.passages.blocks([]) is None
        _same(new, old, QUESTIONS[0], Filters(), None)
        assert new.articles.passages.wait(120) and new.articles.passages.blocks([]) == []
        scopes = [(Filters(), None), (Filters(), "2025-02-20"), (Filters(outlets=("Wire Copy",)), None),
                  (Filters(date_from="2025-01-01", date_to="2025-02-28", undated=True), "2025-03-05")]
        for question in QUESTIONS:
            for filters, as_of in scopes:
                _same(new, old, question, filters, as_of)
        # the matrix is loaded now: a new document, a re-written one, a removed one
        docs = _seed_with_copies()
        ingest_documents(index, [replace(docs[1], doc_id="late", published="2025-03-02"),
                                 replace(docs[0], text=docs[0].text + " An added closing line.")])
        index.remove(docs[4].doc_id)
        for question in QUESTIONS[:4]:
            _same(new, old, question, Filters(), None)
        assert "late" in new.articles.passages._blocks and docs[4].doc_id not in new.articles.passages._blocks
        index.remove("late")
        ingest_documents(index, [docs[0], docs[4]])


def _weights() -> ArticleWeights:
    from qa.settings import Settings

    r = Settings().retrieval
    return ArticleWeights(article=r.article_weight, passage=r.passage_weight, bm25=r.article_bm25_weight,
                          recency=r.recency_weight, recency_days=r.recency_days, recency_flat=r.recency_flat_days,
                          recency_no_as_of=r.recency_weight_no_as_of, recency_undated=r.recency_undated,
                          candidates=r.candidates, articles=r.articles_read, bm25_slope=r.article_bm25_slope,
                          bm25_center=r.article_bm25_center)


def test_fast_article_path_equals_the_old_one_fake_embedder(make_index, monkeypatch):
    from fakes import plain_retriever
    from index import passage_matrix

    index = make_index()
    ingest_documents(index, _seed_with_copies())
    assert any(r.dup_of for r in index.records().values())  # the copies are clustered: collapse runs
    _check(index, _weights())
    # many articles changed at once: read again whole, in the background, Chroma meanwhile
    r = plain_retriever(index, article_weights=_weights())
    assert r.articles.passages.wait(120)
    monkeypatch.setattr(passage_matrix, "FULL", 1)
    docs = _seed_with_copies()
    ingest_documents(index, [replace(d, doc_id=f"new{i}", published="2025-03-03") for i, d in enumerate(docs[:2])])
    assert r.articles.passages.blocks(["new0"]) is None
    assert r.articles.passages.wait(120) and [b.ids[0] for b in r.articles.passages.blocks(["new1", "new0"])] == \
        ["new0#0000", "new1#0000"]  # in the order written


@pytest.mark.slow
def test_fast_article_path_equals_the_old_one_real_minilm(tmp_path):
    from qa.components import get_embedder
    from qa.query_memo import QueryMemo

    # each question embedded once (the memo the Assistant uses), however many times it is asked
    index = NewsIndex(ChromaStore(tmp_path / "data", embed_model="minilm"), QueryMemo(get_embedder("minilm")))
    ingest_documents(index, _seed_with_copies())
    _check(index, _weights())


def test_bm25_search_in_gives_fts5s_own_scores_bit_for_bit(make_index, monkeypatch):
    index = make_index()
    docs = _seed_with_copies()
    odd = Document("odd", "Café", None, None, "Le café naïve Zürich: the ceasefire talks in Moscow. Ça va.")
    ingest_documents(index, docs + [odd])
    bm = index.bm25()
    ids = sorted(index.records())
    for question in QUESTIONS + ["café Zürich ceasefire", "don't stop the 4.2 million", "the said year"]:
        for k, allowed in ((5, set(ids[:3])), (1000, set(ids)), (2, {ids[4], "odd"}), (3, set()), (0, set(ids))):
            assert bm.search_in(question, allowed, k) == bm.search(question, k, allowed_docs=allowed), question
    # bm25_exact itself, not FTS5, answers ASCII questions over ASCII rows
    monkeypatch.setattr(bm, "search", lambda *a, **kw: pytest.fail("fell back to FTS5"))
    assert bm.search_in("ceasefire Moscow delegation", set(ids[:5]), 50)


def test_bm25_top_k_by_rowid_equals_the_whole_query(make_index, monkeypatch):
    from index import bm25_sqlite
    from index.text import tokenize

    index = make_index()
    ingest_documents(index, _seed_with_copies())  # copies: many chunks tie on their score
    bm = index.bm25()

    def whole(question, k):  # the query `search` ran for every unfiltered search before
        match = " OR ".join(f'"{t}"' for t in sorted(set(tokenize(question))))
        return [(c, float(s)) for c, s in index.store.registry._query(
            "SELECT chunk_id, -bm25(chunk_fts) AS s FROM chunk_fts WHERE chunk_fts MATCH ? "
            "ORDER BY s DESC, chunk_id LIMIT ?", (match, k))]

    fell = []
    full = bm._top
    monkeypatch.setattr(bm, "_top", lambda m, k: fell.append(k) if (r := full(m, k)) is None else r)
    for extra in (50, 1, 0):  # 0: ties at the k-th always send it to the whole query
        monkeypatch.setattr(bm25_sqlite, "EXTRA", extra)
        for question in QUESTIONS + ["the said year"]:
            for k in (1, 3, 5, 50, 1000):
                assert bm.search(question, k) == whole(question, k), (question, k, extra)
    assert fell and len(fell) < 3 * len(QUESTIONS) * 5  # both paths taken


def test_filtered_nearest_passages_in_memory_equal_chromas_filtered_search(make_index):
    """A filtered passage search reads the in-memory vectors of the articles the registry says
    match (Chroma's `where` search is slow); on a corpus this small Chroma's filtered search is
    exhaustive, so both must give the same cosines, best first, and the same passages but for
    the order of exact ties (a syndicated copy's passage and its original's)."""
    from fakes import plain_retriever

    index = make_index()
    ingest_documents(index, _seed_with_copies())
    matrix = plain_retriever(index, article_weights=_weights()).articles.passages
    assert matrix.nearest(np.ones(8), 5, set(index.records())) is None  # not read yet: the caller asks Chroma
    assert matrix.wait(120)
    scopes = [Filters(outlets=("Wire Copy",)), Filters(date_from="2025-01-01", date_to="2025-02-28"),
              Filters(date_to="2024-12-31"), Filters(doc_ids=tuple(sorted(index.records())[:3]))]
    checked = 0
    for question in QUESTIONS:
        vec = np.asarray(index.embedder.embed_query(question), dtype=np.float32)
        for f in scopes:
            allowed = f.documents(index.store.registry, undated=False)
            for n in (1, 7, 500):
                got = matrix.nearest(vec, n, allowed)
                want = index.store.query(vec, n, f.where())
                sims = [round(s, 4) for _, s, _ in want]
                assert [round(s, 4) for _, s, _ in got] == sims, (question, f, n)
                above = sims[-1] if sims else 0.0  # the last score's ties may be cut either way
                assert {(cid, round(s, 4)) for cid, s, _ in got if round(s, 4) > above} == \
                    {(c.chunk_id, round(s, 4)) for c, s, _ in want if round(s, 4) > above}, (question, f, n)
                assert all(m["doc_id"] in allowed for _, _, m in got)
                checked += len(got)
    assert checked > 100 and matrix.nearest(vec, 5, set()) == []


def test_top_rows_is_the_head_of_a_stable_argsort():
    """Oracle: the partial selection gives what sorting every row stably gives, ties included."""
    from index.passage_matrix import top_rows

    rng = np.random.default_rng(3)
    for size in (1, 5, 50, 400):
        for coarse in (False, True):  # coarse scores: many exact ties, also at the cut
            scores = rng.standard_normal(size).astype(np.float32)
            if coarse:
                scores = np.round(scores, 1)
            for n in (1, 3, 50, 1000):
                assert top_rows(scores, n).tolist() == np.argsort(-scores, kind="stable")[:n].tolist()
