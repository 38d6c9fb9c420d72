"""A syndicated story counts once: it is cited from its earliest copy, which lists the outlets
that also published it, and its copies are never two sources that agree or disagree.
Unit tests with fake passages, then the Assistant over real Chroma + MinHash clusters
(fake embedder, and the real MiniLM in the slow test)."""

from __future__ import annotations

import pytest

from corpus import Document
from index import Chunk, DocRecord, ScoredPassage, ingest_documents
from qa.assistant import Assistant
from qa.answer.citing import also_published_note, published_line, with_copies
from qa.check.conflicts import find_conflicts
from qa.answer.quote import SentenceScorer, candidate_sentences, select_sentences
from qa.settings import Settings
from qa.types import Citation
from ui.render_sources import copies_html


def passage(doc_id, text, dup_of=None, outlet=None):
    return ScoredPassage(Chunk(f"{doc_id}#0", doc_id, 0, len(text), text), 1.0, outlet=outlet or f"out-{doc_id}",
                         published="2024-01-02", dup_of=dup_of)


A = "The ministry said the ship carried 3 foreign sailors when it was seized."
B = "The ministry said the ship carried 4 foreign sailors when it was seized."
Q = "How many foreign sailors were on the ship?"


def ranked(fake_embedder, passages, q=Q):
    return SentenceScorer(fake_embedder).score(q, candidate_sentences(passages))


def test_two_copies_of_one_story_are_no_conflict(fake_embedder):
    # an outlet's edit of the wire copy changed the figure: still one source, not two
    copies = [passage("wire", A), passage("reprint", B, dup_of="wire")]
    assert find_conflicts(Q, ranked(fake_embedder, copies)) == []
    independent = [passage("wire", A), passage("reprint", B)]
    assert len(find_conflicts(Q, ranked(fake_embedder, independent))) == 1  # the control


def test_date_conflict_between_copies_is_none(fake_embedder):
    q = "On what date was the treaty signed in Vienna?"
    a = "The treaty was signed in Vienna on March 3, 2024, by both ministers."
    b = "The treaty was signed in Vienna on March 5, 2024, by both ministers."
    assert find_conflicts(q, ranked(fake_embedder, [passage("w", a), passage("r", b, dup_of="w")], q)) == []
    assert find_conflicts(q, ranked(fake_embedder, [passage("w", a), passage("r", b)], q)) != []


def test_a_copy_is_no_corroboration(fake_embedder):
    copies = [passage("wire", A), passage("reprint", A, dup_of="wire")]
    groups = select_sentences(ranked(fake_embedder, copies))
    assert [[s.doc_id for s in g] for g in groups][0] == ["wire"] or \
        [[s.doc_id for s in g] for g in groups][0] == ["reprint"]
    assert all(len({s.passage.story for s in g}) == len(g) for g in groups)
    other = [passage("wire", A), passage("paper", A)]
    groups = select_sentences(ranked(fake_embedder, other))
    assert sorted(s.doc_id for s in groups[0]) == ["paper", "wire"]  # an independent source agrees


def rec(doc_id, outlet=None, url=None):
    return DocRecord(doc_id, "h", 1, outlet=outlet, url=url)


def test_citations_name_the_other_outlets():
    c = Citation(1, "wire", 0, 5, "Hello", outlet="Wire Service", published="2024-05-02")
    copies = {"wire": [rec("b", "Daily B"), rec("c", None, "https://www.paper-c.example/x"),
                       rec("d", "Wire Service"), rec("e", "Daily B")]}
    (out,) = with_copies([c], lambda d: copies.get(d, []))
    assert out.also_published_by == ("Daily B", "paper-c.example")  # own outlet left out, each once
    assert out.copies == ("b", "c", "d", "e")
    assert out.to_json()["also_published_by"] == ["Daily B", "paper-c.example"]
    assert "(also published by 2 outlets: Daily B, paper-c.example)" in published_line([out])
    many = Citation(1, "w", 0, 5, "Hello", also_published_by=("A", "B", "C", "D"), copies=("1", "2", "3", "4"))
    assert also_published_note(many) == " (also published by 4 outlets, including A, B, C)"
    (lone,) = with_copies([Citation(2, "x", 0, 5, "Hello")], lambda d: [])
    assert lone.to_json()["also_published_by"] == [] and "also" not in published_line([lone])


def test_source_card_lists_the_copies_escaped():
    c = Citation(1, "w", 0, 5, "Hello", also_published_by=("<b>Bad</b>",), copies=("x",))
    html = copies_html(c)
    assert "Also published by 1 outlet: &lt;b&gt;Bad&lt;/b&gt;" in html and "<b>" not in html
    assert copies_html(Citation(1, "w", 0, 5, "Hello")) == ""


STORY = (
    "Coast guards seized the cargo ship Aurora on Monday near the port of Varna. "
    "The ministry said the ship carried {n} foreign sailors when it was seized. "
    "The ship's captain, Ivan Petrov, was questioned by police for several hours on Monday evening. "
    "Port officials said the vessel had been under watch for weeks before the seizure, and that "
    "its cargo of grain and machinery would be inspected by customs officers this week. "
    "The shipping company declined to comment on the seizure when reached by telephone. "
    "Fishermen in the harbour said they had seen patrol boats circling the ship since early morning, "
    "and a crowd gathered on the quay to watch as the crew were led ashore. The regional governor "
    "promised a full report on the incident by the end of the month and asked residents to stay calm."
)
SYNDICATED = [
    Document("sea-herald", "Aurora crew held", "Sea Herald", "2024-01-11",
             "Aurora crew held\n" + STORY.format(n=4) + " Reporting by the Sea Herald desk."),
    Document("wire", "Ship seized off the coast", "Coast Wire", "2024-01-10", STORY.format(n=3)),
    Document("fair", "Trade fair opens", "Business Weekly", "2023-05-20",
             "The annual trade fair in Varna opened with two hundred exhibitors. "
             "Organisers expect record attendance this year."),
]


def _syndicated_assistant(index) -> Assistant:
    report = ingest_documents(index, SYNDICATED)
    assert not report.errors
    assert index.records(fresh=True)["sea-herald"].dup_of == "wire"
    return Assistant(Settings(), index)


def _check_one_story(a: Assistant, question: str) -> None:
    ans = a.ask(question)
    assert not ans.abstained, ans.text
    assert {c.doc_id for c in ans.citations} == {"wire"}  # the earliest copy, once
    assert all(c.also_published_by == ("Sea Herald",) and c.copies == ("sea-herald",) for c in ans.citations)
    assert ans.conflicts == [] and "disagree" not in ans.text
    assert "also published by 1 outlet: Sea Herald" in ans.text
    for c in ans.citations:
        assert a.index.get_document(c.doc_id).text[c.start:c.end] == c.quote
    assert ans.to_json()["citations"][0]["also_published_by"] == ["Sea Herald"]


def test_assistant_cites_a_syndicated_story_once(make_index):
    _check_one_story(_syndicated_assistant(make_index()), Q)


@pytest.mark.slow
def test_assistant_cites_a_syndicated_story_once_real_minilm(tmp_path):
    from qa.components import build_index

    index = build_index(Settings(data_dir=str(tmp_path / "data")))
    _check_one_story(_syndicated_assistant(index), Q)


def test_without_collapsing_copies_are_still_one_source(make_index):
    from index import Retriever

    index = make_index()
    a = _syndicated_assistant(index)
    a.retriever = Retriever(index, collapse_copies=False)
    ans = a.ask(Q)
    assert not ans.abstained and ans.conflicts == [] and "disagree" not in ans.text
