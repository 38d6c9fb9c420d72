"""The article level of the index: one vector per document (written at ingest, removed with
the document, backfilled for older indexes) and article-first retrieval (windows, the path for
a strong passage in an article ranked lower, the recency prior), checked against brute force;
and the real thing (real Chroma + real MiniLM) over corpus/."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from corpus import Document
from index import Filters, ingest_documents
from index.article_retrieval import ArticleFirst, ArticleWeights, recency_prior
from index.articles import article_text, lead
from fakes import plain_retriever

DOCS = [
    Document("a1", "Storm hits the coast", "Outlet One", "2024-01-10",
             "A storm hit the northern coast. Power lines were cut by the wind. Repairs began."),
    Document("b2", "Ferries stop", "Outlet Two", "2024-03-05",
             "The storm reached the southern coast later. Ferries stopped running. Power returned."),
    Document("c3", "Council vote", "Outlet One", "2024-06-25",
             "The city council met about the storm damage. Members voted on repair funds."),
    Document("d4", None, "Outlet Three", None,
             "Coast guards reported the storm had passed. Fishing boats went out again."),
]


def test_article_text_is_title_and_lead():
    doc = Document("x", "A title", None, None, " ".join(f"w{i}" for i in range(500)))
    text = article_text(doc, 200)
    assert text.startswith("A title. w0 ") and text.endswith(" w199")
    # a text that opens with its title is not given it twice; no title: the lead alone
    assert article_text(Document("y", "Head", None, None, "Head\nBody text here."), 2) == "Head\nBody"
    assert article_text(Document("z", None, None, None, "Only a body."), 200) == "Only a body."
    assert lead("one  two\nthree", 2) == "one  two"
    with pytest.raises(ValueError, match="words must be >= 1, got 0"):
        lead("x", 0)


def test_ingest_writes_one_article_vector_per_document_and_removal_removes_it(make_index, fake_embedder):
    index = make_index()
    report = ingest_documents(index, DOCS)
    chunks = report.chunks_written
    # at most one extra embedding per article: its title and lead, unless a chunk has that text
    distinct = {c.text for d in DOCS for c in index.chunker.chunk(d)} | {article_text(d) for d in DOCS}
    assert fake_embedder.texts_embedded == len(distinct) <= chunks + len(DOCS)
    metas = dict(index.store.iter_article_meta())
    assert set(metas) == {d.doc_id for d in DOCS}
    assert metas["a1"]["title"] == "Storm hits the coast" and metas["a1"]["outlet"] == "Outlet One"
    assert metas["a1"]["published"] == "2024-01-10" and metas["a1"]["doc_id"] == "a1"
    assert "published" not in metas["d4"]
    vec = index.store.article_vectors(["a1"])["a1"][0]
    assert np.allclose(vec, fake_embedder.embed_query(article_text(DOCS[0])), atol=1e-6)
    assert index.remove("a1")
    assert set(dict(index.store.iter_article_meta())) == {"b2", "c3", "d4"}
    changed = Document("b2", "Ferries stop", "Outlet Two", "2024-03-05", "Ferries run again today.")
    ingest_documents(index, [changed])
    assert dict(index.store.iter_article_meta())["b2"]["doc_hash"] == changed.content_hash


def test_a_search_within_named_articles_skips_the_passage_path_when_all_are_candidates(make_index, monkeypatch):
    """A follow-up searches the articles its thread cited: when each is already a candidate
    the passage search could add nothing, and is not run; the passages are the same."""
    index = make_index()
    ingest_documents(index, DOCS)
    w = ArticleWeights()
    named = Filters(doc_ids=("a1", "b2"))
    calls = []
    real = index.store.query
    monkeypatch.setattr(index.store, "query", lambda *a, **k: calls.append(1) or real(*a, **k))
    with_path = Filters(doc_ids=("a1", "b2", "gone"))  # an id that is no candidate: the path runs
    expected = [(p.chunk.chunk_id, p.score) for p in ArticleFirst(index, w).retrieve("storm power", 5, with_path)]
    assert calls  # it ran
    calls.clear()
    got = [(p.chunk.chunk_id, p.score) for p in ArticleFirst(index, w).retrieve("storm power", 5, named)]
    assert got == expected and {c.split("#")[0] for c, _ in got} == {"a1", "b2"} and calls == []
    ArticleFirst(index, w).retrieve("storm power", 5, Filters())
    assert calls  # without named articles the passage path runs


def test_an_index_without_article_vectors_is_backfilled_once(make_index, fake_embedder):
    index = make_index()
    ingest_documents(index, DOCS)
    index.store.articles.delete(ids=["a1", "c3"])  # as an index written before article vectors
    assert index.store.missing_articles() == ["a1", "c3"]
    before = fake_embedder.texts_embedded
    report = ingest_documents(index, DOCS)
    assert report.articles_added == 2 and fake_embedder.texts_embedded == before + 2
    assert index.store.count_articles() == 4 and index.store.missing_articles() == []
    assert ingest_documents(index, DOCS).articles_added == 0


def test_repair_removes_article_vectors_of_documents_a_crash_left_pending(make_index):
    index = make_index()
    ingest_documents(index, DOCS)
    index.store.registry.begin(["c3"])  # a write of c3 started and never committed
    assert index.store.repair() >= 1
    assert "c3" not in dict(index.store.iter_article_meta())


@pytest.fixture
def retriever(make_index):
    index = make_index()
    ingest_documents(index, DOCS)
    return plain_retriever(index, candidates=20, max_per_doc=10)


def test_article_first_respects_a_window_and_keeps_undated_for_a_question_window(retriever):
    window = Filters(date_from="2024-02-01", date_to="2024-03-31")
    assert {p.doc_id for p in retriever.retrieve("storm coast", 20, "articles", window)} == {"b2"}
    own = Filters(date_from="2024-02-01", date_to="2024-03-31", undated=True)
    assert {p.doc_id for p in retriever.retrieve("storm coast", 20, "articles", own)} == {"b2", "d4"}


def _days(*pubs):
    from index.article_matrix import day_number

    return np.array([day_number(p) for p in pubs])


def test_recency_prior_prefers_recent_articles_unless_the_question_names_a_date():
    from index.article_matrix import day_number

    pubs = _days("2024-06-25", "2024-06-18", "2023-06-25", None)
    ref = day_number("2024-06-25")
    p = recency_prior(pubs, ref, None, ArticleWeights(recency_days=7.0))
    assert p[0] == 1.0 and math.isclose(p[1], math.exp(-1)) and p[2] < 1e-20
    assert math.isclose(p[3], np.mean(p[:3]))  # undated: the dated ones' mean, no evidence either way
    # a flat part: full prior for `recency_flat` days, then the decay; undated given its own value
    flat = recency_prior(pubs, ref, None, ArticleWeights(recency_days=7.0, recency_flat=7.0, recency_undated=1.0))
    assert flat[0] == flat[1] == 1.0 and flat[3] == 1.0 and flat[2] < 1e-20
    # 'in June 2023': an article of June 2023 is not pushed down, and one reporting it now is not either
    june = (day_number("2023-06-01"), day_number("2023-06-30"))
    named = recency_prior(pubs, ref, june, ArticleWeights(recency_days=7.0))
    assert named[2] == 1.0 and named[0] == 1.0 and named[1] < 1.0
    assert list(recency_prior(_days(None), None, None, ArticleWeights())) == [0.0]
    with pytest.raises(ValueError, match="recency_days must be > 0"):
        ArticleWeights(recency_days=0)
    with pytest.raises(ValueError, match="article weight bm25 must be a finite number >= 0, got -1"):
        ArticleWeights(bm25=-1)
    with pytest.raises(ValueError, match="recency_undated must be between 0 and 1"):
        ArticleWeights(recency_undated=2.0)
    with pytest.raises(ValueError, match="articles must be >= 1, got 0"):
        ArticleWeights(articles=0)


def test_an_explicit_as_of_hides_later_articles_and_chooses_the_prior_weight(make_index):
    index = make_index()
    ingest_documents(index, DOCS)
    r = plain_retriever(index, max_per_doc=10)
    # asked on 2024-03-31: the June article did not exist yet; the undated one may have
    got = {p.doc_id for p in r.retrieve("storm coast council", 20, "articles", as_of="2024-03-31")}
    assert got == {"a1", "b2", "d4"}
    assert "c3" in {p.doc_id for p in r.retrieve("storm coast council", 20, "articles")}
    twins = [Document("old", "Flood", None, "2024-01-01", "The river flooded the northern town."),
             Document("new", "Flood", None, "2024-06-01", "The river flooded the southern town.")]
    ingest_documents(index, twins)
    only_dated = plain_retriever(index, article_weights=ArticleWeights(article=1.0, passage=0.0, recency=0.0,
                                                                       recency_no_as_of=0.5))
    # without as_of the newest article is the reference and recency_no_as_of the weight
    assert only_dated.retrieve("river flood", 1, "articles")[0].doc_id == "new"
    c = only_dated.articles.candidates("river flood", Filters(), "2024-06-02")
    assert c.anchored and np.allclose(c.scores(only_dated.articles.weights), c.article)  # recency 0 with as_of


def test_recency_weight_moves_the_recent_article_up(make_index):
    index = make_index()
    # two stories equally close to the question (not copies of one story: those collapse)
    twins = [Document("old", "Flood", None, "2024-01-01", "The river flooded the northern town."),
             Document("new", "Flood", None, "2024-06-01", "The river flooded the southern town.")]
    ingest_documents(index, twins)
    flat = plain_retriever(index, article_weights=ArticleWeights(recency=0.0))
    recent = plain_retriever(index, article_weights=ArticleWeights(recency=0.5, recency_days=30))
    assert recent.retrieve("river flood", 1, "articles", as_of="2024-06-02")[0].doc_id == "new"
    assert recent.retrieve("river flood", 1, "articles", as_of="2024-01-02")[0].doc_id == "old"
    assert {p.doc_id for p in flat.retrieve("river flood", 2, "articles", as_of="2024-06-02")} == {"old", "new"}


def test_a_strong_passage_lifts_an_article_whose_lead_is_elsewhere(make_index):
    index = make_index()
    filler = " ".join(f"Sentence {i} is about farming and crops." for i in range(12))
    docs = [Document("lead", "Volcano eruption news", None, None,
                     "Volcano eruption news today. The volcano erupted near the village. Ash fell."),
            Document("deep", "Farming report", None, None,
                     filler + " The glacier collapse blocked the mountain pass road.")]
    ingest_documents(index, docs)
    # one candidate from each search: the article search finds only the volcano lead
    r = plain_retriever(index, max_per_doc=1, article_weights=ArticleWeights(article=0.3, passage=0.7, candidates=1, articles=1))
    top = r.retrieve("glacier collapse blocked the mountain pass road", 2, "articles")
    assert top[0].doc_id == "deep" and "glacier" in top[0].text
    assert top[0].scores["dense"] > top[0].scores["article"]


def _brute_force(index, query: str, w: ArticleWeights, as_of: str | None) -> list[tuple[str, float]]:
    """Every passage of every document scored by the module's formula, without any search."""
    q = index.embedder.embed_query(query)
    rows = index.store.chunk_vectors(sorted(index.records()))
    bm = dict(index.bm25().search(query, 10_000))
    top_bm = max(bm.values(), default=0.0)
    arts = index.store.article_vectors(sorted(index.records()))
    recs = index.records()
    docs = sorted(d for d in recs if not as_of or not recs[d].published or recs[d].published <= as_of)
    newest = max(r.published for r in recs.values() if r.published)
    ref = min(as_of, newest) if as_of else newest
    pubs = _days(*[recs[d].published for d in docs])
    prior = dict(zip(docs, recency_prior(pubs, _days(ref)[0], None, w)))
    rows = [row for row in rows if row[2]["doc_id"] in prior]
    top_bm = max((bm.get(cid, 0.0) for cid, _, _ in rows), default=0.0)  # the best among those it may see
    best: dict[str, float] = {}
    for cid, v, meta in rows:
        d = meta["doc_id"]
        s = (w.article * float(arts[d][0] @ q) + w.passage * float(v @ q)
             + w.bm25 * (bm.get(cid, 0.0) / top_bm if top_bm else 0.0) + w.recency * prior[d])
        best[d] = max(best.get(d, -math.inf), s)
    return sorted(best.items(), key=lambda x: (-x[1], x[0]))


def test_article_ranking_matches_brute_force(make_index):
    rng = random.Random(7)
    vocab = "storm coast ferry power council vote river flood fire school bank court mayor ship".split()
    docs = []
    for i in range(40):
        sents = [" ".join(rng.choice(vocab) for _ in range(rng.randint(4, 9))).capitalize() + "."
                 for _ in range(rng.randint(2, 12))]
        pub = None if i % 7 == 0 else f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        docs.append(Document(f"d{i:02d}", " ".join(rng.sample(vocab, 2)), None, pub, " ".join(sents)))
    index = make_index()
    ingest_documents(index, docs)
    for j, query in enumerate(["storm ferry", "council vote mayor", "river flood school court"]):
        w = ArticleWeights(article=0.4, passage=0.6, bm25=0.2 * j, recency=0.1 * j, recency_days=30,
                           recency_flat=3.0 * j, candidates=len(docs), articles=len(docs))  # every document read
        got = ArticleFirst(index, w).candidates(query, Filters(), "2024-07-01").ranked_docs(w)
        want = _brute_force(index, query, w, "2024-07-01")
        assert [d for d, _ in got] == [d for d, _ in want]
        assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


# -- the real thing: real Chroma + real MiniLM over corpus/ -----------------------------------
@pytest.mark.slow
def test_real_article_first_finds_the_article_and_exact_passages(tmp_path):
    from pathlib import Path

    from corpus import load_paths
    from index import ChromaStore, NewsIndex, ingest_paths
    from qa.components import get_embedder

    src = Path(__file__).resolve().parents[2] / "corpus"
    store = ChromaStore(tmp_path / "data", embed_model="minilm")
    index = NewsIndex(store, get_embedder("minilm"))
    report = ingest_paths(index, [src])
    assert report.ok and store.count_articles() == len(report.added) == 5
    docs = {d.doc_id: d for d in load_paths([src]).documents}
    sentence = "Mousa Abu Marzook, a founder and political leader of Hamas, headed the delegation"
    holder = next(d for d in docs.values() if sentence in d.text)
    question = "Who led the Hamas group that held talks with Russia's deputy foreign minister?"
    passages = plain_retriever(index).retrieve(question, 3, "articles")
    # two seed articles tell of a Hamas delegation in Moscow; the one that names its leader is found
    assert holder.doc_id in {p.doc_id for p in passages}, [(p.doc_id, p.text[:60]) for p in passages]
    assert set(passages[0].scores) >= {"article", "dense", "bm25", "recency"}
    for p in passages:
        assert docs[p.doc_id].text[p.start:p.end] == p.text
    assert index.remove(holder.doc_id) and store.count_articles() == 4
    assert holder.doc_id not in {p.doc_id for p in plain_retriever(index).retrieve(question, 3, "articles")}


def test_bm25_weight_follows_the_query_rarity():
    fixed = ArticleWeights(bm25=0.4)
    assert fixed.bm25_for(0.0) == fixed.bm25_for(1.0) == 0.4
    w = ArticleWeights(bm25=0.4, bm25_slope=20.0, bm25_center=0.5)
    assert w.bm25_for(0.5) == pytest.approx(0.2)
    assert w.bm25_for(0.9) > 0.39 and w.bm25_for(0.1) < 0.01
    assert w.bm25_for(0.6) > w.bm25_for(0.55)
    with pytest.raises(ValueError, match="bm25_slope must be a finite number >= 0"):
        ArticleWeights(bm25_slope=-1.0)
