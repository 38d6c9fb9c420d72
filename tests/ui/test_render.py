"""ui/render.py: everything from documents and questions is escaped; markers become links."""

from __future__ import annotations

from corpus import Document
from index import Chunk, ScoredPassage
from qa.types import Answer, Citation, Conflict, ConflictValue
from ui.render import Turn, answer_text_html, chat_html, document_html
from ui.render_sources import sources_html, timeline_html

EVIL = '<script>window.__pwned=1</script><img src=x onerror="alert(1)"> & ${x} {{y}}'


def _doc(text: str) -> Document:
    return Document(doc_id="d1", title="T <b>", outlet="O&O", published="2024-01-02", text=text)


def _answer(doc: Document, start: int, end: int, text: str, **kw) -> Answer:
    c = Citation(1, doc.doc_id, start, end, doc.text[start:end], doc.title, doc.outlet, doc.published)
    p = ScoredPassage(Chunk("d1:0", doc.doc_id, 0, len(doc.text), doc.text), 0.5)
    return Answer("q", text, [c], [p], **kw)


def test_document_text_is_escaped_and_span_highlighted():
    doc = _doc("Intro. " + EVIL + " Tail.")
    start = doc.text.index("<script>")
    end = start + len("<script>window.__pwned=1</script>")
    html = document_html(doc, start, end)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;</mark>" in html
    assert f'<mark class="qa-hl" data-start="{start}" data-end="{end}">&lt;script&gt;' in html


def test_document_without_valid_span_has_no_highlight():
    doc = _doc("Some text here.")
    assert "<mark" not in document_html(doc, 5, 500)
    assert "<mark" not in document_html(doc)


def test_markers_become_links_and_unsupported_sentences_are_marked():
    doc = _doc("Alpha beta. Gamma delta.")
    ans = _answer(doc, 0, 11, "Alpha beta. [1] Made-up claim <i>x</i>. [2]", unsupported=["Made-up claim <i>x</i>."])
    html = answer_text_html(ans.text, ans.citations, ans.unsupported)
    assert ('<a href="#" class="qa-cite qa-chip" role="button" data-cite="1" data-doc="d1" data-start="0" '
            'data-end="11" data-quote="Alpha beta."') in html
    assert 'data-label="O&amp;O · 2 Jan 2024 · T &lt;b&gt;"' in html
    assert "[2]" in html and 'data-cite="2"' not in html  # an unknown marker stays plain text
    assert '<span class="qa-unsupported"' in html and "&lt;i&gt;x&lt;/i&gt;." in html
    assert "<i>" not in html


def test_sources_show_metadata_quote_and_score():
    doc = _doc("Alpha <beta>. Gamma.")
    html = sources_html(_answer(doc, 0, 13, "Alpha <beta>. [1]"), {})
    assert "T &lt;b&gt;" in html and "O&amp;O" in html and "2 Jan 2024" in html
    assert "Alpha &lt;beta&gt;." in html and "relevance 0.50" in html


def test_untitled_source_is_named_by_its_first_line_not_its_id():
    first = ("Hamas delegation visits Moscow for talks with the Russian deputy foreign minister Mikhail "
             "Bogdanov in the capital")
    doc = Document(doc_id="004_c1476e201e89ad97", title=None, outlet="MEMRI", published=None,
                   text=first + "\n\nBody.")
    c = Citation(1, doc.doc_id, 0, 10, doc.text[:10], None, "MEMRI", None)
    from qa.labels import full_title

    heads = {doc.doc_id: full_title(None, doc.text)}  # what the app keeps: the whole line
    html = chat_html([Turn("q", answer=Answer("q", "Hamas dele [1]", [c]), headlines=heads)])
    cut = "Hamas delegation visits Moscow for talks with the Russian deputy foreign minister…"
    assert f"MEMRI · undated · {cut}" in html  # the chip's label
    assert f'<div class="qa-src-title" title="{first}">{cut}</div>' in html  # the card: cut, whole in its tooltip
    assert ">004_c1476e201e89ad97<" not in html


def test_the_viewer_names_the_article_and_keeps_its_id_to_the_tooltip():
    doc = Document(doc_id="001_a0d50dacadf60764", title=None, outlet=None, published="2024-01-19",
                   text="1/19/2024\nA delegation from the Islamic Resistance Movement held talks in Moscow.\n")
    html = document_html(doc)
    assert 'title="Document id: 001_a0d50dacadf60764"' in html
    assert ">001_a0d50dacadf60764<" not in html and "<code>" not in html
    assert '<div class="qa-doc-title" title="A delegation from the Islamic' in html
    with_url = Document(doc_id="x1", title="T", outlet=None, published=None, text="Body.",
                        url="https://www.example-news.org/a/1")
    assert '<span class="qa-src-outlet">example-news.org</span>' in document_html(with_url)


def test_answer_span_is_bold_inside_the_quote_and_verdict_reason_shown(monkeypatch):
    doc = _doc("The envoy was Mikhail Bogdanov, officials said.")
    ans = _answer(doc, 0, len(doc.text), "The envoy was Mikhail Bogdanov, officials said. [1]")
    a = doc.text.index("Mikhail")
    base = ans.to_json()
    monkeypatch.setattr(ans, "to_json", lambda: {**base, "answer_span": {"doc_id": "d1", "start": a, "end": a + 16,
                                                                        "text": "Mikhail Bogdanov"},
                                                 "verdict": {"answerable": True, "kind": "answered", "score": 0.9,
                                                             "reason": "names <the> envoy", "features": {}}})
    html = chat_html([Turn("q", answer=ans)])
    assert 'The envoy was <strong class="qa-answer-span">Mikhail Bogdanov</strong>, officials said.' in html
    assert '<div class="qa-verdict qa-verdict-answered">names &lt;the&gt; envoy</div>' in html
    assert "Why:" not in html
    # absent: rendered without either
    plain = chat_html([Turn("q", answer=_answer(doc, 0, 10, "x [1]"))])
    assert "qa-answer-span" not in plain and "qa-verdict" not in plain


def test_timeline_places_articles_by_date_and_lists_undated():
    t = "Some text here."
    cs = [Citation(1, "a", 0, 4, t[:4], None, None, "2024-01-01"),
          Citation(2, "b", 0, 4, t[:4], None, None, "2024-12-31"),
          Citation(3, "c", 0, 4, t[:4], None, None, None)]
    html = timeline_html(cs, {})
    assert 'style="left:4.0%" data-date="2024-01-01"' in html and 'style="left:96.0%" data-date="2024-12-31"' in html
    assert "qa-tl-undated" in html and 'data-cite="3"' in html.split("qa-tl-undated")[1]


def test_abstention_conflicts_and_question_render_safely():
    doc = _doc("Ten were hurt. Twelve were hurt.")
    ans = _answer(doc, 0, 14, "The articles disagree. [1]")
    ans.conflicts = [Conflict("number <hurt>", (ConflictValue("10", (1,), ("d1",), ("2024-01-02",)),
                                                 ConflictValue("12", (), ("d2",), (None,))))]
    html = chat_html([Turn(EVIL, answer=ans),
                      Turn("q2", answer=Answer("q2", "The articles don't say.", abstained=True))])
    assert "<script" not in html and "<img" not in html
    assert 'class="qa-conflict-row"' in html and html.count('class="qa-conflict-value"') == 2
    assert "number &lt;hurt&gt;" in html
    assert "qa-abstained" in html and "No answer in the articles" in html


def test_streaming_turn_shows_partial_text_escaped():
    html = chat_html([Turn("q", partial="half <b>answer")])
    assert 'class="qa-a qa-streaming"' in html and "half &lt;b&gt;answer" in html


def test_llm_fallback_to_quotes_is_said_not_shown_as_unsupported_marks():
    ans = Answer("q", "A quoted sentence. [1]", mode="llm", fallback="quote", unsupported=["Made up."])
    html = chat_html([Turn("q", answer=ans)])
    assert "qa-fallback-note" in html and "qa-unsupported-note" not in html
    plain = chat_html([Turn("q", answer=Answer("q", "Text [1]", mode="llm", unsupported=["Made up."]))])
    assert "qa-fallback-note" not in plain and "qa-unsupported-note" in plain


def _with_verdict(monkeypatch, verdict: dict, abstained: bool = False):
    doc = _doc("The envoy was Mikhail Bogdanov, officials said. Another sentence.")
    ans = _answer(doc, 0, 47, "The envoy was Mikhail Bogdanov. [1]", abstained=abstained)
    base = ans.to_json()
    monkeypatch.setattr(ans, "to_json", lambda: {**base, "verdict": verdict})
    return chat_html([Turn("q", answer=ans)])


def test_verdict_kinds_show_plain_reasons_and_numbers_only_behind_details(monkeypatch):
    html = _with_verdict(monkeypatch, {"answerable": False, "kind": "not_stated", "score": 0.12,
                                       "reason": "the articles discuss <Moscow> but never say when",
                                       "features": {"cosine<x>": 0.36, "term_coverage": 0.17}}, abstained=True)
    assert ('<div class="qa-verdict qa-verdict-not_stated" role="note">the articles discuss &lt;Moscow&gt; '
            'but never say when</div>') in html
    details = html[html.index('<details class="qa-details">'):]
    assert "<summary>Details</summary>" in details and "0.36" in details and "cosine&lt;x&gt;" in details
    assert "0.36" not in html[:html.index('<details class="qa-details">')]  # numbers only inside
    assert "<details open" not in html
    for kind in ("off_topic", "conflict", "no_index"):
        assert f'qa-verdict-{kind}" role="note">why' in _with_verdict(
            monkeypatch, {"answerable": False, "kind": kind, "reason": "why", "score": None, "features": {}})


def test_verdict_without_kind_falls_back_to_an_answered_line_not_why_supported(monkeypatch):
    html = _with_verdict(monkeypatch, {"answerable": True, "reason": "supported", "score": 0.8, "features": {}})
    assert "Why:" not in html and ">supported<" not in html
    assert '<div class="qa-verdict qa-verdict-answered">answered from 1 article</div>' in html
    refused = _with_verdict(monkeypatch, {"answerable": False, "reason": "the articles never mention Zorbl",
                                          "score": None, "features": {}}, abstained=True)
    assert "qa-verdict-not_stated" not in refused  # the "No answer in the articles" label says it
    details = refused[refused.index('<details class="qa-details">'):]
    assert "<dt>reason</dt><dd>the articles never mention Zorbl</dd>" in details  # the old words, behind Details
    bare = _with_verdict(monkeypatch, {"answerable": True, "reason": "supported", "score": None, "features": {}})
    assert "qa-details" not in bare  # nothing to hide behind the toggle


def test_chips_are_glued_to_the_word_before_and_the_punctuation_after():
    doc = _doc("Alpha beta. Gamma delta.")
    ans = _answer(doc, 0, 11, "It was alpha [1]. Also made-up [1][2], then more.", unsupported=["Also made-up"])
    html = answer_text_html(ans.text, ans.citations, ans.unsupported)
    assert html.startswith('It was <span class="qa-glue">alpha <a href="#" class="qa-cite qa-chip"')
    assert html.count('class="qa-glue"') == 2
    glued = html[html.index('qa-unsupported'):]
    assert '<span class="qa-glue">made-up <a' in glued and "[2]," in glued  # chips stay inside the marked span
    streaming = chat_html([Turn("q", partial="It was alpha [1].")])
    assert '<span class="qa-glue">alpha <span class="qa-chip qa-chip-pending">1</span>.</span>' in streaming


def test_a_question_over_the_limit_is_shown_cut_with_its_length():
    html = chat_html([Turn("x" * 20_000, error="the question is 20000 characters long; keep it under 2000")])
    assert "x" * 280 + "…" in html and "x" * 281 not in html
    assert "20,000 characters" in html
    assert "x" * 2000 in chat_html([Turn("x" * 2000)])  # within the limit: shown whole


def test_the_rewrite_of_a_follow_up_is_shown_with_a_way_to_correct_it():
    ans = Answer("When was that?", "On May 4. [1]", standalone_question="When was that (Anna <Berg>, Oslo)?")
    html = chat_html([Turn("When was that?", answer=ans)])
    assert 'Understood as: <span class="qa-rewrite-text">When was that (Anna &lt;Berg&gt;, Oslo)?</span>' in html
    assert 'class="qa-rewrite-edit"' in html
    plain = chat_html([Turn("When was that?", answer=Answer("When was that?", "On May 4. [1]"))])
    assert "qa-rewrite" not in plain


def test_an_llm_answer_is_drawn_as_streamed_with_each_sentence_verdict():
    from qa.types import SentenceVerdict, Support
    from ui.render import checked_answer_html

    doc = _doc("Alpha beta gamma. Delta epsilon <i>zeta</i>.")
    text = "Alpha is beta [1]. Made-up <i>claim</i> [1]. Delta epsilon."
    c = Citation(1, "d1", 0, len(doc.text), doc.text, doc.title, doc.outlet, doc.published)
    a, b = text.index("Made-up"), text.index(" Delta")
    sentences = [SentenceVerdict(0, a - 1, "supported", None, (1,), (Support(1, "d1", 0, 17, doc.text[:17]),)),
                 SentenceVerdict(a, b, "unsupported", "not found in the cited article"),
                 SentenceVerdict(b + 1, len(text), "supported", None, (1,), (Support(1, "d1", 18, 44, doc.text[18:44]),))]
    ans = Answer("q", text, [c], mode="llm", sentences=sentences, unsupported=[text[a:b]])
    html = checked_answer_html(ans)
    plain = __import__("re").sub(r"<[^>]+>", "", html)
    assert "Alpha is beta 1. Made-up &lt;i&gt;claim&lt;/i&gt; 1. not supported" in plain  # every word kept
    # the rejected sentence: struck through, its chip not a link, the reason said in words
    bad = html[html.index('class="qa-unsupported"'):]
    assert '<del class="qa-struck">Made-up <span class="qa-glue">&lt;i&gt;claim&lt;/i&gt; <span class="qa-chip qa-chip-void"' in bad
    assert 'qa-chip-void' in bad[:bad.index("</del>")] and "not supported: not found in the cited article" in bad
    # a supported sentence's chip opens the span that supports it, not the whole citation
    first = html[:html.index('class="qa-unsupported"')]
    assert 'data-start="0" data-end="17"' in first and f'data-end="{len(doc.text)}"' not in first
    # the last sentence cites nothing: the chip the check found is added, glued to its last word
    last = html[html.rindex("qa-sent"):]
    assert 'qa-chip-added' in last and 'data-start="18" data-end="44"' in last
    assert '<span class="qa-glue">epsilon.<a href="#" class="qa-cite qa-chip qa-chip-added"' in last


def test_a_fallback_after_a_streamed_answer_is_introduced_where_the_quotes_begin():
    from qa.types import SentenceVerdict
    from ui.render import Turn as T

    model = "Made up [1]."
    text = f"{model}\n\nWhat the articles say:\nA quoted sentence. [2]"
    ans = Answer("q", text, mode="llm", fallback="quote", fallback_start=len(text) - len("A quoted sentence. [2]"),
                 fallback_reason="none of the model's 1 sentence was supported by the passage it cited",
                 sentences=[SentenceVerdict(0, len(model), "unsupported", "not found in the cited article")])
    html = chat_html([T("q", answer=ans)])
    assert html.count("qa-fallback-note") == 1
    assert html.index("<del") < html.index("qa-fallback-note") < html.index("What the articles say:")
    assert "The articles do not support the model's answer above" in html


def test_plain_text_clients_are_told_which_sentences_were_not_supported():
    from qa.types import SentenceVerdict
    from ui.openai_compat import sources_footer

    doc = _doc("Alpha beta gamma.")
    text = "Alpha beta [1]. Made up [1]."
    ans = _answer(doc, 0, 17, text, sentences=[
        SentenceVerdict(0, 15, "supported", None, (1,)),
        SentenceVerdict(16, len(text), "unsupported", "not found in the cited article")])
    footer = sources_footer(ans)
    assert footer.startswith("\n\nSources:\n[1] ")
    assert footer.endswith('Not supported by the articles:\n- "Made up [1]." (not found in the cited article)')
