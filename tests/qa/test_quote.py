"""Quote answerer: exact spans, sentence choice, de-duplication across articles."""

from __future__ import annotations

from index import Chunk, ScoredPassage
from qa.answer.quote import (QuoteAnswerer, SentenceScorer, asked_quantity, candidate_sentences,
                      select_sentences)

TEXT_A = ("Talks in Oslo. The delegation was led by Anna Berg, the trade minister. "
          "The weather was cold all week. Officials said the talks would resume in May.")
TEXT_B = "Anna Berg led the delegation to Oslo. The delegation was led by Anna Berg, the trade minister."


def passage(doc_id, text, start=0, end=None, outlet="Daily", published="2024-03-01"):
    end = len(text) if end is None else end
    return ScoredPassage(Chunk(f"{doc_id}#0", doc_id, start, end, text[start:end]), 1.0,
                         title=f"title {doc_id}", outlet=outlet, published=published)


def test_candidate_spans_are_exact_document_offsets():
    start = TEXT_A.index("The delegation")
    sents = candidate_sentences([passage("a", TEXT_A, start)])
    assert sents, "sentences expected"
    for s in sents:
        assert TEXT_A[s.start:s.end] == s.text
    assert sents[0].text.startswith("The delegation was led")


def test_overlapping_passages_give_each_sentence_once():
    p1 = passage("a", TEXT_A)
    p2 = passage("a", TEXT_A, TEXT_A.index("The weather"))
    sents = candidate_sentences([p1, p2])
    keys = [(s.doc_id, s.start, s.end) for s in sents]
    assert len(keys) == len(set(keys))


def test_answer_cites_best_sentence_with_metadata(fake_embedder):
    ans = QuoteAnswerer(SentenceScorer(fake_embedder)).answer(
        "Who led the delegation?", [passage("a", TEXT_A)])
    assert not ans.abstained
    c = ans.citations[0]
    assert "Anna Berg" in c.quote and c.quote == TEXT_A[c.start:c.end]
    assert (c.outlet, c.published, c.title) == ("Daily", "2024-03-01", "title a")
    assert ans.text.startswith(c.quote) and ans.text.endswith("[1]")  # one source note, from the citations


def test_near_duplicates_from_two_articles_share_one_line_and_keep_both_citations(fake_embedder):
    ans = QuoteAnswerer(SentenceScorer(fake_embedder)).answer(
        "Who led the delegation, the trade minister?",
        [passage("a", TEXT_A), passage("b", TEXT_B, outlet="Herald")])
    docs = [c.doc_id for c in ans.citations]
    assert {"a", "b"} <= set(docs)
    first_line = ans.text.splitlines()[0]
    assert "[1]" in first_line and "[2]" in first_line


def test_select_keeps_at_most_max_sentences(fake_embedder):
    scorer = SentenceScorer(fake_embedder)
    ranked = scorer.score("delegation talks Oslo weather officials", candidate_sentences([passage("a", TEXT_A)]))
    groups = select_sentences(ranked, max_sentences=2, rel=0.01)
    assert 1 <= len(groups) <= 2


def test_answer_types_and_counted_nouns():
    from qa.question.analysis import asked_type

    assert asked_type("How many people died?") == "quantity"
    assert asked_type("When did it start?") == "date"
    assert asked_type("Who led it?") == "person"
    assert asked_type("Why?") == "reason"
    assert asked_quantity("How many Russian citizens were held?") == "citizen"
    assert asked_quantity("How many people were killed?") is None
    # the noun 'many' counts, not the verb after it, which words alone took for it
    assert asked_quantity("Roughly how many migrant encounters occurred at the border last year?") == "encount"
    assert asked_quantity("How many inmates escaped from a New Orleans jail in May?") == "inmat"
    assert asked_quantity("How many of the hostages hold Russian citizenship?") is None  # some of them
    assert asked_quantity("How many were killed in the attack?") is None


def test_name_spelling_variants_count_as_the_same_term():
    from qa.answer.quote import close_variants

    vocab = {"marzouk", "moscow", "market", "mousa"}
    assert close_variants("marzook", vocab) == {"marzouk"}
    assert close_variants("moscow", vocab) == set()


def test_name_variants_from_buckets_are_those_of_a_scan_of_every_term():
    """Oracle: the (first letter, length) buckets give each word exactly what scanning the
    whole vocabulary gives."""
    import random

    from qa.answer.quote import close_variants, vocabulary_buckets

    rng = random.Random(7)
    vocab = {"".join(rng.choice("aemorkzusqt") for _ in range(rng.randint(2, 10))) for _ in range(3000)}
    vocab |= {"marzouk", "marzouq", "marzook", "marzuq", "mousa", "moussa", "musa"}
    buckets = vocabulary_buckets(vocab)
    words = sorted(vocab)[::37] + ["marzouk", "moussa", "zzzzzz", "markets"]
    found = 0
    for w in words:
        alone = close_variants(w, vocab)
        assert close_variants(w, vocab, buckets=buckets) == alone, w
        found += bool(alone)
    assert found > 10  # the check saw words that have variants


def test_name_variants_are_looked_up_once_per_word_until_the_index_changes(fake_embedder, monkeypatch):
    """The index vocabulary is scanned for a name's spellings once per word: the two judgements
    of one follow-up, and later questions, reuse it; a new vocabulary (the index changed)
    is scanned again."""
    import qa.answer.quote as quote

    scans = []
    real = quote.close_variants
    monkeypatch.setattr(quote, "close_variants", lambda w, v, **kw: scans.append(w) or real(w, v, **kw))
    vocabs = [{"marzouk", "moscow", "mousa"}]
    scorer = quote.SentenceScorer(fake_embedder)
    scorer.vocab_source = lambda: vocabs[-1]
    q = "Whom did Mousa Abu Marzook meet in Moscow?"
    first = scorer.name_variants(q)
    assert first["marzook"] >= {"marzouk"}
    n = len(scans)
    assert n >= 1 and scorer.name_variants(q) == first and len(scans) == n
    vocabs.append({"marzouk", "marzoek", "moscow", "mousa"})  # the index changed
    assert "marzoek" in scorer.name_variants(q)["marzook"] and len(scans) == 2 * n


def test_the_index_view_keeps_one_vocabulary_while_the_index_is_unchanged(make_index):
    from corpus import Document
    from qa.index_view import IndexView

    index = make_index()
    index.write(Document("a", "Talks", "Daily", "2024-05-02", "Talks resumed in Oslo after a long pause."))
    view = IndexView(index)
    vocab = view.corpus_vocab()
    assert view.corpus_vocab() is vocab and "oslo" in vocab
    index.write(Document("b", "Fair", "Daily", "2024-05-03", "The trade fair opened in Bergen."))
    assert view.corpus_vocab() is not vocab and "bergen" in view.corpus_vocab()


def test_a_leading_dateline_is_not_quoted_and_offsets_stay_exact():
    from index import Chunk, ScoredPassage
    from qa.answer.quote import candidate_sentences, skip_dateline

    text = "date 2024-05-02 Talks resumed in Oslo after a long pause. They ended on 3 May 2024."
    p = ScoredPassage(Chunk("a#0", "a", 0, len(text), text), 1.0, published="2024-05-02")
    sents = candidate_sentences([p])
    assert sents[0].text == "Talks resumed in Oslo after a long pause."
    for s in sents:
        assert text[s.start:s.end] == s.text
    # only the article's own date, only as a label, never a date the sentence is about
    assert skip_dateline(text, "2023-01-01") == 0
    assert skip_dateline("On 2024-05-02 talks resumed in Oslo.", "2024-05-02") == 0
    assert skip_dateline(text, None) == 0


def test_a_sentence_opening_with_a_pronoun_is_quoted_with_the_sentence_before(fake_embedder):
    text = "The envoy flew to Lima on Monday. This was his first trip abroad since May. Rain fell."
    sents = {s.text: s for s in candidate_sentences([passage("a", text)])}
    s = sents["This was his first trip abroad since May."]
    start, end, quoted = s.quoted()
    assert quoted == text[start:end] == "The envoy flew to Lima on Monday. This was his first trip abroad since May."
    plain = sents["The envoy flew to Lima on Monday."]
    assert plain.quoted() == (plain.start, plain.end, plain.text)
    cit = QuoteAnswerer(SentenceScorer(fake_embedder)).answer(
        "first trip abroad since May", [passage("a", text)]).citations[0]
    assert text[cit.start:cit.end] == cit.quote and cit.quote.startswith("The envoy flew to Lima")


def test_selection_stays_in_the_best_article_and_adds_the_following_sentence(fake_embedder):
    a = "The council met on Tuesday about the bridge. It voted to close the bridge for repairs."
    b = "The council of the next town met about the bridge and the budget."
    scorer = SentenceScorer(fake_embedder)
    ranked = scorer.score("council met about the bridge", candidate_sentences([passage("a", a), passage("b", b)]))
    assert ranked[0].doc_id == "a"
    groups = select_sentences(ranked, max_sentences=3, rel=0.01, follow=0.0)
    cited = [s for g in groups for s in g]
    assert {s.doc_id for s in cited} == {"a"}, "a merely similar sentence of another article is not cited"
    assert cited[1].text.startswith("It voted"), "the sentence after the best one follows it"
    assert select_sentences(ranked, max_sentences=1, follow=0.0)[1:] == []
    assert all(not g[0].text.startswith("It voted") for g in select_sentences(ranked, 3, 0.99, follow=1.0))


def test_the_antecedent_is_not_quoted_twice():
    from qa.answer.quote import compose

    text = "The envoy flew to Lima on Monday. This was his first trip abroad since May. Rain fell."
    sents = {s.text: s for s in candidate_sentences([passage("a", text)])}
    first, second = sents["The envoy flew to Lima on Monday."], sents["This was his first trip abroad since May."]
    answer, citations, _ = compose([[first], [second]])
    assert [c.quote for c in citations] == [first.text, second.text]
    assert answer.count("The envoy flew") == 1
    _, alone, _ = compose([[second]])
    assert alone[0].quote.startswith("The envoy flew") and alone[0].quote == text[alone[0].start:alone[0].end]


def test_a_full_sentence_cache_still_returns_every_vector_asked_for():
    """The LRU sentence cache at its bound: texts of the same call are not evicted before they
    are returned (a KeyError in answering once the index had more sentences than the bound)."""
    import numpy as np

    from qa.answer.quote import EmbeddingCache

    class Counting:
        name = "count"

        def embed_documents(self, texts):
            return [np.full(3, float(len(t)), np.float32) for t in texts]

    cache = EmbeddingCache(Counting(), max_items=2)
    cache.vectors(["a", "bb"])
    out = cache.vectors(["a", "ccc", "dddd"])  # 'a' is cached and oldest; two new ones push past the bound
    assert out.shape == (3, 3) and [v[0] for v in out] == [1.0, 3.0, 4.0]
    assert len(cache._cache) == 2


class CountingEmbedder:
    """Wraps an embedder and records every text it embeds."""

    def __init__(self, inner):
        self.inner, self.name, self.seen = inner, "counting", []

    def embed_documents(self, texts):
        self.seen.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def test_only_the_best_embed_depth_sentences_by_their_words_are_embedded(fake_embedder):
    from qa.settings import ScoringSettings

    texts = [f"Filler sentence number {w} about nothing much." for w in "one two three four five six".split()]
    text = " ".join(texts[:3] + ["The trade minister Anna Berg led the delegation to Oslo."] + texts[3:])
    q = "Who led the delegation to Oslo?"
    full = SentenceScorer(CountingEmbedder(fake_embedder)).score(q, candidate_sentences([passage("a", text)]))
    counting = CountingEmbedder(fake_embedder)
    cut = SentenceScorer(counting, weights=ScoringSettings(embed_depth=3)).score(
        q, candidate_sentences([passage("a", text)]))
    assert len(full) == len(cut) == 7 and len(counting.seen) == 3
    # the sentence that shares the question's words is among the embedded, and still ranks first
    assert "Anna Berg" in cut[0].text and cut[0].text == full[0].text
    assert cut[0].text in counting.seen
    embedded = [s for s in cut if s.text in counting.seen]
    assert cut[:3] == embedded, "the embedded sentences rank above the others"
    assert {s.sem for s in cut[3:]} == {min(s.sem for s in embedded)}
    by_text = {s.text: s.sem for s in full}
    assert all(abs(s.sem - by_text[s.text]) < 1e-6 for s in embedded), "their cosines are the real ones"
