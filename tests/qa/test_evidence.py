"""The refusal gate's signals: key terms, asked counts and names."""

from __future__ import annotations

from qa.evidence.gate import GateSettings, asked_name_of, key_terms, names_near, term_present, vocabulary_of


def test_key_terms_are_names_numbers_and_years():
    assert key_terms("What did Anna Berg say in Oslo in 2024 about three ships?") == [
        "anna", "berg", "oslo", "2024", "three"]


def test_spelling_variants_and_possessives_match():
    vocab = vocabulary_of(["Mousa Abu Marzouk met officials; source: theguardian.com"])
    assert term_present("marzook", vocab, 0.8)
    assert term_present("guardian's", vocab, 0.8)
    assert not term_present("lavrov", vocab, 0.8)


def test_asked_name_needs_a_name_next_to_the_noun():
    q = "What is the name of the ship's captain?"
    assert asked_name_of(q) == "captain"
    assert names_near("The ship's captain, Ivan Petrov, was questioned.", "captain", q)
    assert not names_near("Police questioned the captain and Ivan Petrov's lawyer later.", "captain", q)


def test_gate_settings_validate():
    import pytest

    with pytest.raises(ValueError, match="min_sem"):
        GateSettings(min_sem=3.0)


def test_sentence_openers_and_answer_descriptors_are_not_key_terms():
    # a capitalised first word is just the sentence start unless it looks like a name
    assert key_terms("Roughly how many ships sank near Oslo?") == ["oslo"]
    assert key_terms("Describe the talks in Oslo.") == ["oslo"]
    assert key_terms("Abu Marzouk met whom?") == ["abu", "marzouk"]
    assert key_terms("Bogdanov's aide said what?") == ["bogdanov's"]


def test_own_words_present_checks_the_follow_up_s_nouns_and_verbs():
    from qa.evidence.gate import own_words_present

    texts = ["The ship's captain, Ivan Petrov, was questioned by police.", "The storm was named Shanshan."]
    assert not own_words_present("And who accompanied him?", texts, 0.8)
    assert own_words_present("Who questioned the captain?", texts, 0.8)
    assert own_words_present("When was that?", texts, 0.8)  # nothing of its own to find
    assert own_words_present("What did he say?", texts, 0.8)  # 'say' / 'said': too short to match by spelling
