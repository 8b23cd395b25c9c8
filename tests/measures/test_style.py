"""Language Style Matching: tokens, category rates, the published LSM formula, hand-checked."""

from __future__ import annotations

import pytest

from attune.measures.style import (
    CATEGORIES,
    category_rates,
    lsm,
    per_category,
    style_matching,
    tokenize,
)

ZERO = dict.fromkeys(CATEGORIES, 0.0)


def rates(**nonzero: float) -> dict[str, float]:
    return ZERO | nonzero


# --- tokenize ------------------------------------------------------------------------------------


def test_tokenize_lowercases_and_keeps_inner_apostrophes() -> None:
    assert tokenize("I DON'T know, do you?") == ["i", "don't", "know", "do", "you"]


def test_tokenize_normalises_curly_apostrophes() -> None:
    assert tokenize("I don’t think it’s ‘fine’") == ["i", "don't", "think", "it's", "fine"]


def test_tokenize_drops_urls_emoji_and_punctuation() -> None:
    text = "look 😂😂 https://example.com/a?b=1 and www.example.org!!! ❤️ mail me at a@b.com :)"
    assert tokenize(text) == ["look", "and", "mail", "me", "at"]


def test_tokenize_drops_numbers_without_making_fake_words() -> None:
    assert tokenize("see u at 3pm b4 the 2 of us eat") == [
        "see",
        "u",
        "at",
        "the",
        "of",
        "us",
        "eat",
    ]


def test_tokenize_empty() -> None:
    assert tokenize("") == []
    assert tokenize("🙂 ... !!!") == []


# --- word lists ----------------------------------------------------------------------------------


def test_nine_categories_all_lower_case_and_non_empty() -> None:
    assert set(CATEGORIES) == {
        "personal_pronouns",
        "impersonal_pronouns",
        "articles",
        "conjunctions",
        "prepositions",
        "auxiliary_verbs",
        "adverbs",
        "negations",
        "quantifiers",
    }
    for words in CATEGORIES.values():
        assert words
        assert all(w == w.lower() and tokenize(w) == [w] for w in words)


@pytest.mark.parametrize(
    ("word", "categories"),
    [
        ("u", {"personal_pronouns"}),
        ("ur", {"personal_pronouns"}),
        ("the", {"articles"}),
        ("dont", {"auxiliary_verbs", "negations"}),
        ("can't", {"auxiliary_verbs", "negations"}),
        ("im", {"personal_pronouns", "auxiliary_verbs"}),
        ("it's", {"impersonal_pronouns", "auxiliary_verbs"}),
        ("nothing", {"impersonal_pronouns", "negations"}),
        ("because", {"conjunctions"}),
        ("with", {"prepositions"}),
        ("really", {"adverbs"}),
        ("some", {"quantifiers"}),
        ("love", set()),
    ],
)
def test_word_categories(word: str, categories: set[str]) -> None:
    assert {name for name, words in CATEGORIES.items() if word in words} == categories


# --- rates -------------------------------------------------------------------------------------


def test_category_rates_pools_texts() -> None:
    # 8 words: i | don't | want | the | cake | or | a | pie
    # personal 1 (i), auxiliary 1 and negation 1 (don't), articles 2 (the, a), conjunction 1 (or)
    got, words = category_rates(["I don’t want the cake", "or a pie 🍰"])
    assert words == 8
    assert got == rates(
        personal_pronouns=12.5,
        auxiliary_verbs=12.5,
        negations=12.5,
        articles=25.0,
        conjunctions=12.5,
    )


def test_category_rates_of_nothing() -> None:
    assert category_rates([]) == (ZERO, 0)
    assert category_rates(["😂", ""]) == (ZERO, 0)


# --- LSM ---------------------------------------------------------------------------------------


def test_identical_rates_match_fully() -> None:
    a, _ = category_rates(["I think we should go to the beach because it is so sunny"])
    assert lsm(a, a) == pytest.approx(1.0, abs=1e-3)
    assert all(s == pytest.approx(1.0, abs=1e-3) for s in per_category(a, a).values())


def test_category_used_by_only_one_partner_scores_zero() -> None:
    scores = per_category(rates(articles=5.0), ZERO)
    assert scores["articles"] == pytest.approx(0.0, abs=1e-4)  # 1 - 5 / 5.0001
    assert scores["negations"] == 1.0  # used by neither: 1 - 0 / 0.0001


def test_worked_two_category_example() -> None:
    # personal pronouns 10 % vs 6 %: 1 - 4 / 16.0001 = 0.7500016
    # articles           6 % vs 2 %: 1 - 4 /  8.0001 = 0.5000062
    # the other seven are 0 vs 0: 1 each
    # LSM = (0.7500016 + 0.5000062 + 7) / 9 = 8.2500078 / 9 = 0.9166675
    a = rates(personal_pronouns=10.0, articles=6.0)
    b = rates(personal_pronouns=6.0, articles=2.0)
    scores = per_category(a, b)
    assert scores["personal_pronouns"] == pytest.approx(0.7500016, abs=1e-7)
    assert scores["articles"] == pytest.approx(0.5000062, abs=1e-7)
    assert lsm(a, b) == pytest.approx(0.9166675, abs=1e-7)
    assert lsm(b, a) == lsm(a, b)


def test_lsm_stays_in_unit_interval() -> None:
    a = rates(personal_pronouns=30.0, articles=10.0, negations=5.0)
    b = rates(prepositions=20.0, adverbs=3.0, quantifiers=0.5)
    assert 0.0 <= lsm(a, b) <= 1.0


# --- style_matching ------------------------------------------------------------------------------

A_TURNS = [
    "I think we should go to the beach on Saturday because the weather is going to be so nice",
    "and then we could get dinner at that place you like, if you're not too tired",
    "honestly I just miss spending a whole day with you without our phones",
]
B_TURNS = [
    "yes!! I would love that, it's been ages since we did something like that together",
    "the little Italian place? I'm in. I can book a table for seven if you want",
    "and I'll leave my phone in the car, promise. you can hold me to it",
]


def test_style_matching_none_under_min_words() -> None:
    assert style_matching(["I love you"], B_TURNS) is None
    assert style_matching(A_TURNS, []) is None


def test_style_matching_scores_enough_text() -> None:
    a_words = category_rates(A_TURNS)[1]
    b_words = category_rates(B_TURNS)[1]
    assert min(a_words, b_words) >= 40
    assert style_matching(A_TURNS, B_TURNS, min_words=50) is None
    got = style_matching(A_TURNS, B_TURNS, min_words=40)
    assert got is not None
    assert got == pytest.approx(lsm(category_rates(A_TURNS)[0], category_rates(B_TURNS)[0]))
    assert 0.5 < got < 1.0
    assert style_matching(A_TURNS * 2, A_TURNS * 3) == pytest.approx(1.0, abs=1e-3)
