"""Names come from spaCy NER through the one facade (qa.nlp.entities / qa.nlp.names), not from
capital letters: each former guesser is checked on a case the capital-letter rule got wrong."""

from __future__ import annotations

from qa import nlp
from qa.evidence.gate import asked_name_of, key_terms, names_near
from qa.question.followup import entities as followup_entities
from qa.answer.quote import has_answer_type
from qa.check.claims import _terms

SENTENCE = "Sergei Lavrov met Mousa Abu Marzouk in Moscow on 4 March 2024."


def test_facade_gives_spacy_entities_with_exact_offsets():
    ents = nlp.entities(SENTENCE)
    assert [(e.text, e.label) for e in ents] == [
        ("Sergei Lavrov", "PERSON"), ("Mousa Abu Marzouk", "PERSON"), ("Moscow", "GPE"), ("4 March 2024", "DATE")]
    assert all(SENTENCE[e.start:e.end] == e.text for e in ents)
    assert nlp.entities(SENTENCE) is ents  # cached: one parse per text
    many = nlp.entities_many(["Talks resumed in Doha.", SENTENCE, "Talks resumed in Doha."])
    assert many[1] is ents and many[0] == many[2] and [e.label for e in many[0]] == ["GPE"]


def test_names_are_name_entities_and_untagged_proper_nouns_without_the_article():
    assert [(e.text, e.label) for e in nlp.names(SENTENCE)] == [
        ("Sergei Lavrov", "PERSON"), ("Mousa Abu Marzouk", "PERSON"), ("Moscow", "GPE")]  # no DATE
    assert [e.text for e in nlp.names("Bogdanov's aide said what?")] == ["Bogdanov"]  # a proper noun
    text = "She spoke to the Ministry of Trade."
    (ministry,) = nlp.names(text)
    assert ministry.text == "Ministry of Trade" == text[ministry.start:ministry.end]


def test_key_terms_catch_a_lower_case_initial_name_and_skip_sentence_openers():
    assert key_terms("What did al-Sisi say about Gaza?") == ["al-sisi", "gaza"]  # capitals missed 'al-Sisi'
    assert key_terms("Interestingly, what did Lavrov say?") == ["lavrov"]  # the capitalised opener is no name
    # the modal 'May' opening the question is no key term; the month in the date is
    assert key_terms("May the talks resume in May 2025?") == ["may", "2025"]
    assert key_terms("Roughly how many Russian citizens were held?") == ["russian"]


def test_asked_name_skips_the_names_of_the_question():
    assert asked_name_of("What is the name of al-Sisi's spokesman?") == "spokesman"


def test_a_single_word_name_next_to_the_asked_noun_counts_and_a_date_does_not():
    q = "What is the name of the representative?"
    assert names_near("The representative, Bogdanov, spoke.", "repres", q)  # one word: capitals wanted two
    assert not names_near("The representative spoke on Monday March 4.", "repres", q)
    assert not names_near("The representative of Hamas spoke.", "repres", "Who is the representative of Hamas?")


def test_claim_names_include_a_sentence_initial_name_and_not_a_weekday():
    assert _terms("Moscow hosted the talks, Lavrov said.")[2] == {"moscow", "lavrov"}  # capitals skipped word 1
    assert _terms("The talks ended on Monday.")[2] == set()  # capitals took 'monday' for a name


def test_person_cue_needs_a_person_not_a_capitalised_weekday():
    from qa.answer.quote import answer_cue

    assert not has_answer_type("person", "The delegation met on Monday.", "Who met the delegation?")
    assert answer_cue("person", "The delegation met Sergei Lavrov.", "Who met the delegation?") == 1.0
    assert answer_cue("person", "The delegation met the Foreign Ministry.", "Who met the delegation?") == 0.5
    assert has_answer_type("person", "The delegation was led by Mousa Abu Marzouk.", "Who led the delegation?")
    assert has_answer_type("place", "The talks were held in Doha.", "Where were the talks held?")
    assert not has_answer_type("place", "The talks were held in Doha.", "Were the talks in Doha?")


def test_follow_up_entities_keep_a_lower_case_initial_name():
    assert followup_entities("Who did al-Sisi meet in Cairo?") == ["al-Sisi", "Cairo"]


def test_the_ner_cue_is_computed_only_as_deep_as_it_can_change_the_best_sentences(fake_embedder):
    import pytest

    from index import Chunk, ScoredPassage
    from qa.answer.quote import SentenceScorer, candidate_sentences

    people = ["Anna Berg", "Ivan Petrov", "Mousa Abu Marzouk", "Sergei Lavrov", "Olaf Scholz"]
    text = " ".join(f"Snow fell on Oslo on day {i}." if i % 3 else
                    f"The delegation was led by {people[i // 3 % 5]} on day {i}." for i in range(40))
    p = ScoredPassage(Chunk("a#0", "a", 0, len(text), text), 1.0, title="t", outlet="o", published="2024-03-01")
    q = "Who led the delegation?"
    shallow = SentenceScorer(fake_embedder, cue_depth=3).score(q, candidate_sentences([p]))
    deep = SentenceScorer(fake_embedder, cue_depth=1000).score(q, candidate_sentences([p]))
    assert [s.text for s in shallow[:3]] == [s.text for s in deep[:3]]
    assert shallow[0].cue > 0 and "led by" in shallow[0].text
    assert sum(s.cue > 0 for s in deep) == 40  # every sentence names someone or somewhere
    assert sum(s.cue > 0 for s in shallow) < 40  # the far-off snow sentences were not read
    with pytest.raises(ValueError, match="cue_depth"):
        SentenceScorer(fake_embedder, cue_depth=0)


def test_a_name_loses_a_leading_article_and_a_trailing_verb_the_recogniser_took_in():
    from spacy.tokens import Doc

    words = ["when", "was", "The", "Silver", "Saga", "released", "?"]
    doc = Doc(nlp.spacy_pipeline().vocab, words=words, spaces=[True] * 6 + [False],
              tags=["WRB", "VBD", "DT", "NNP", "NNP", "VBN", "."], pos=["ADV", "AUX", "DET", "PROPN", "PROPN", "VERB",
                                                                       "PUNCT"],
              ents=["O", "O", "B-WORK_OF_ART", "I-WORK_OF_ART", "I-WORK_OF_ART", "I-WORK_OF_ART", "O"])
    assert nlp.name_span(doc.ents[0]).text == "Silver Saga"
