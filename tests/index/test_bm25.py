"""BM25Index (in memory) and SqliteBM25 (FTS5 in the registry) against brute-force Okapi BM25
oracles, incl. incremental add/remove."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from index.bm25 import BM25Index
from index.text import tokenize

VOCAB = ["storm", "storms", "coast", "power", "cut", "minister", "talks", "Moscow", "Gaza",
         "ceasefire", "aid", "the", "and", "élan", "Élan", "rain", "raining", "42"]


def oracle(corpus: dict[str, tuple[str, str]], query: str, k1: float, b: float,
           allowed: set[str] | None = None) -> dict[str, float]:
    """Score every chunk from scratch: sum over query terms of qtf * idf * tf-saturation."""
    toks = {cid: tokenize(text) for cid, (_, text) in corpus.items()}
    n = len(toks)
    if n == 0:
        return {}
    avgdl = (sum(len(t) for t in toks.values()) / n) or 1.0
    scores: dict[str, float] = {}
    for cid, terms in toks.items():
        if allowed is not None and corpus[cid][0] not in allowed:
            continue
        tf = Counter(terms)
        s = 0.0
        for term, qtf in Counter(tokenize(query)).items():
            if not tf[term]:
                continue
            df = sum(1 for t in toks.values() if term in t)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            s += qtf * idf * tf[term] * (k1 + 1) / (tf[term] + k1 * (1 - b + b * len(terms) / avgdl))
        if s > 0:
            scores[cid] = s
    return scores


def random_text(rng: random.Random) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(rng.randint(0, 12)))


def check(index: BM25Index, corpus, query, k, allowed=None) -> None:
    expected = oracle(corpus, query, index.k1, index.b, allowed)
    got = index.search(query, k, allowed_docs=allowed)
    want = sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    assert [c for c, _ in got] == [c for c, _ in want], (query, got, want)
    for (_, s1), (_, s2) in zip(got, want):
        assert s1 == pytest.approx(s2, rel=1e-9)


@pytest.mark.parametrize("seed", range(40))
def test_matches_oracle_on_random_corpora(seed, tmp_path):
    rng = random.Random(seed)
    k1, b = rng.choice([(1.2, 0.75), (0.0, 0.0), (2.0, 1.0), (0.5, 0.3)])
    index = BM25Index(k1, b)
    corpus: dict[str, tuple[str, str]] = {}
    for i in range(rng.randint(1, 15)):
        cid, doc = f"d{i % 4}#{i:04d}", f"d{i % 4}"
        corpus[cid] = (doc, random_text(rng))
        index.add(cid, doc, corpus[cid][1])
    # incremental edits: re-add (replace), remove a chunk, remove a whole document
    for _ in range(rng.randint(0, 6)):
        op = rng.random()
        cid = rng.choice(sorted(corpus)) if corpus else None
        if cid and op < 0.4:
            corpus[cid] = (corpus[cid][0], random_text(rng))
            index.add(cid, corpus[cid][0], corpus[cid][1])
        elif cid and op < 0.7:
            del corpus[cid]
            index.remove(cid)
        elif cid:
            doc = corpus[cid][0]
            for c in [c for c, (d, _) in corpus.items() if d == doc]:
                del corpus[c]
            index.remove_doc(doc)
    assert index.chunk_ids() == set(corpus) and len(index) == len(corpus)
    for _ in range(5):
        query = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(1, 4)))
        k = rng.randint(1, 8)
        check(index, corpus, query, k)
        check(index, corpus, query, k, allowed={"d0", "d2"})


def test_empty_index_and_no_match():
    index = BM25Index()
    assert index.search("storm", 5) == []
    index.add("a#0000", "a", "storm on the coast")
    assert index.search("unrelated words", 5) == []
    assert index.search("storm", 0) == []
    assert [c for c, _ in index.search("Storms", 5)] == ["a#0000"]  # folded and stemmed


def test_remove_unknown_chunk_is_harmless():
    index = BM25Index()
    index.add("a#0000", "a", "storm")
    index.remove("zzz")
    index.remove_doc("nope")
    assert len(index) == 1


@pytest.mark.parametrize("k1, b", [(-0.1, 0.5), (1.2, -0.1), (1.2, 1.5)])
def test_bad_parameters(k1, b):
    with pytest.raises(ValueError, match=f"k1={k1}, b={b}"):
        BM25Index(k1, b)


def fts5_oracle(corpus: dict[str, tuple[str, str]], query: str, allowed: set[str] | None = None) -> dict[str, float]:
    """SQLite FTS5's bm25(): k1 = 1.2, b = 0.75, idf = log((N - n + 0.5) / (n + 0.5)) floored
    at 1e-6, each distinct query term once; a chunk with no terms is not indexed."""
    toks = {cid: tokenize(text) for cid, (_, text) in corpus.items()}
    toks = {c: t for c, t in toks.items() if t}
    n = len(toks)
    if n == 0:
        return {}
    avgdl = sum(len(t) for t in toks.values()) / n
    scores = {}
    for cid, terms in toks.items():
        if allowed is not None and corpus[cid][0] not in allowed:
            continue
        tf = Counter(terms)
        s = 0.0
        for term in set(tokenize(query)):
            if tf[term]:
                df = sum(1 for t in toks.values() if term in t)
                idf = max(math.log((n - df + 0.5) / (df + 0.5)), 1e-6)
                s += idf * tf[term] * 2.2 / (tf[term] + 1.2 * (0.25 + 0.75 * len(terms) / avgdl))
        if s > 0:
            scores[cid] = s
    return scores


@pytest.mark.parametrize("seed", range(8))
def test_sqlite_bm25_matches_fts5_oracle_with_replacements(seed, tmp_path):
    from corpus import Document
    from index.bm25_sqlite import SqliteBM25, chunk_terms
    from index.registry import DocRecord, Registry

    rng = random.Random(seed)
    reg = Registry(tmp_path / "r.sqlite3")
    corpus: dict[str, tuple[str, str]] = {}

    def put(doc_id: str) -> None:
        texts = [random_text(rng) for _ in range(rng.randint(1, 4))]
        reg.begin([doc_id])
        for cid in [c for c, (d, _) in corpus.items() if d == doc_id]:
            del corpus[cid]
        rec = DocRecord(doc_id, f"h-{rng.random()}", len(texts))
        terms = [(f"{doc_id}#{i}", doc_id, chunk_terms(t)) for i, t in enumerate(texts)]
        reg.commit([(rec, Document(doc_id, None, None, None, "x"))], terms=[t for t in terms if t[2]])
        corpus.update({f"{doc_id}#{i}": (doc_id, t) for i, t in enumerate(texts)})

    for i in range(6):
        put(f"d{i}")
    for _ in range(4):  # replacements: the old terms must go
        put(f"d{rng.randrange(6)}")
    bm25 = SqliteBM25(reg)
    indexed = {c for c, (_, t) in corpus.items() if tokenize(t)}
    assert bm25.chunk_ids() == indexed and len(bm25) == len(indexed)
    for _ in range(6):
        query = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(1, 4)))
        for allowed in (None, {"d0", "d2"}):
            want = sorted(fts5_oracle(corpus, query, allowed).items(), key=lambda kv: (-kv[1], kv[0]))[:5]
            got = bm25.search(query, 5, allowed_docs=allowed)
            assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-6), query
            assert {c for c, _ in got} <= {c for c, _ in fts5_oracle(corpus, query, allowed).items()}
    stem = tokenize("storm")[0]
    assert bm25.df(stem) == sum(1 for _, t in corpus.values() if stem in tokenize(t))
    assert bm25._postings.get(stem, ()).__len__() == bm25.df(stem) and stem in bm25._postings.keys()


def test_rarity_is_the_mean_normalised_idf_of_the_query_terms_found(tmp_path):
    from corpus import Document
    from index.bm25_sqlite import SqliteBM25, chunk_terms
    from index.registry import DocRecord, Registry

    reg = Registry(tmp_path / "r.sqlite3")
    texts = ["storm hits the coast", "storm over the city", "council votes on storm funds", "ferry strike"]
    reg.begin(["d"])
    reg.commit([(DocRecord("d", "h", len(texts)), Document("d", None, None, None, "x"))],
               terms=[(f"d#{i}", "d", chunk_terms(t)) for i, t in enumerate(texts)])
    bm25 = SqliteBM25(reg)
    n = len(texts)
    storm, ferry = tokenize("storm")[0], tokenize("ferry")[0]
    assert bm25.df(storm) == 3 and bm25.df(ferry) == 1
    # 'ferry' is in one chunk of four (rarity 1), 'storm' in three; an unknown word does not count
    assert bm25.rarity("ferry") == pytest.approx(1.0)
    assert bm25.rarity("storm ferry zzyzx") == pytest.approx((math.log(n / 3) / math.log(n) + 1.0) / 2)
    assert bm25.rarity("zzyzx") == 0.0 and bm25.rarity("") == 0.0
