"""Language Style Matching: how far two partners' function-word habits converge.

Function words (pronouns, articles, prepositions, auxiliaries …) carry little content, are used
without thinking, and people who are attending to each other drift towards the same rates of them.
Ireland & Pennebaker (2010) score this as Language Style Matching (LSM): for each of nine
categories ``1 - |a - b| / (a + b + 0.0001)`` on the two speakers' percentages, averaged. Higher
LSM has been linked to relationship initiation and stability (Ireland et al., 2011).

The word lists are written for this project, not taken from LIWC; they cover common English and
chat spellings ("u", "ur", "im", "dont"). A word with several grammatical roles is placed where it
mostly works in chat ("so" as an adverb, "as" and "than" as conjunctions, "to" as a preposition).
A word sits in two categories only when it genuinely is two words or two roles in one: contractions
("don't" = auxiliary + negation, "i'm" = personal pronoun + auxiliary), and the negative pronouns
and determiners ("nothing", "nobody", "none", "nor"). Ambiguous chat forms that are mostly
something else are left out ("ill", "id", "were" for we're, "lets", "well").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PRONOUN_CONTRACTIONS = _words(
    """
    i'm im i've ive i'll i'd you're youre you've youve you'll youll you'd youd
    we're we've weve we'll we'd he's he'll he'd she's shes she'll she'd
    they're theyre they've theyve they'll theyll they'd
    """
)
_IMPERSONAL_CONTRACTIONS = _words(
    "it's it'll itll it'd that's thats that'll what's whats who's whos who'll who'd"
)
_NEGATED_AUXILIARIES = _words(
    """
    isn't isnt aren't arent wasn't wasnt weren't werent ain't aint
    don't dont doesn't doesnt didn't didnt haven't havent hasn't hasnt hadn't hadnt
    won't wont wouldn't wouldnt can't cant cannot couldn't couldnt shouldn't shouldnt
    mustn't mustnt mightn't needn't shan't
    """
)

CATEGORIES: dict[str, frozenset[str]] = {
    "personal_pronouns": _PRONOUN_CONTRACTIONS
    | _words(
        """
        i me my mine myself we us our ours ourselves let's
        you your yours yourself yourselves u ur urs urself ya y'all yall
        he him his himself she her hers herself they them their theirs themselves themself em
        """
    ),
    "impersonal_pronouns": _IMPERSONAL_CONTRACTIONS
    | _words(
        """
        it its itself this that these those
        anything anybody anyone something somebody someone
        everything everybody everyone nothing nobody noone
        what whatever which whichever who whoever whom whomever whose
        """
    ),
    "articles": _words("a an the"),
    "conjunctions": _words(
        """
        and but or nor because cause cuz coz cos bc although though tho while whilst whereas
        unless if whether than as whenever wherever
        """
    ),
    "prepositions": _words(
        """
        about abt bout above across after against along amid among around at before behind below
        beneath beside besides between beyond by despite down during except for from in inside
        into near of off on onto out outta outside over past per since through thru throughout
        till til to toward towards under underneath until unto up upon via with within without
        """
    ),
    "auxiliary_verbs": _PRONOUN_CONTRACTIONS
    | _IMPERSONAL_CONTRACTIONS
    | _NEGATED_AUXILIARIES
    | _words(
        """
        am is are was were be been being have has had having do does did
        will would shall should can could may might must ought
        would've wouldve could've couldve should've shouldve might've must've
        woulda coulda shoulda gonna gotta there's theres here's
        """
    ),
    "adverbs": _words(
        """
        very really rly so too also just even still again already always ever often sometimes
        usually soon now then here there only quite almost maybe perhaps probably prob prolly
        actually basically literally seriously honestly obviously totally completely absolutely
        definitely especially exactly simply finally anyway anyways somehow rather kinda sorta
        else yet how when where why
        """
    ),
    "negations": _NEGATED_AUXILIARIES
    | _words("no not never nope nah nothing nobody noone nowhere neither nor none"),
    "quantifiers": _words(
        """
        all any some many much more most few fewer less least lot lots alot lotta loads several
        every each both either enough plenty half whole entire none little various numerous
        multiple
        """
    ),
}
"""The nine function-word categories of LSM, each a set of lower-case words."""

_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\S+", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
_SMOOTHING = 0.0001


NAMES = tuple(CATEGORIES)
_CATEGORIES_OF: dict[str, tuple[int, ...]] = {}
for _k, _name in enumerate(NAMES):
    for _word in CATEGORIES[_name]:
        _CATEGORIES_OF[_word] = (*_CATEGORIES_OF.get(_word, ()), _k)


def tokenize(text: str) -> list[str]:
    """The words of ``text``, lower case: letters with apostrophes inside (``don't``).

    Curly apostrophes become straight ones; URLs, e-mail addresses, emoji and punctuation are
    dropped, and so are numbers and letter-digit mixes ("3pm", "b4") rather than being split into
    fake words."""
    text = _URL.sub(" ", text.translate(_APOSTROPHES).lower())
    return [t for t in _TOKEN.findall(text) if t.replace("'", "").isalpha()]


def word_counts(text: str) -> tuple[int, ...]:
    """One message's counts: its word count, then its words in each category (``NAMES`` order).

    Counts add up across messages, so a conversation is tokenised once and any pooling (per
    partner, week or exchange) is a sum."""
    out = [0] * (len(NAMES) + 1)
    for word in tokenize(text):
        out[0] += 1
        for k in _CATEGORIES_OF.get(word, ()):
            out[k + 1] += 1
    return tuple(out)


def rates_from_counts(counts: Sequence[int]) -> dict[str, float]:
    """Category percentages from pooled :func:`word_counts` (all 0 without words)."""
    total = counts[0]
    return {name: 100.0 * counts[k + 1] / total if total else 0.0 for k, name in enumerate(NAMES)}


def category_rates(texts: Iterable[str]) -> tuple[dict[str, float], int]:
    """Percentage of all words in ``texts`` (pooled) that fall in each category, and the word count.

    With no words at all every rate is 0."""
    pooled = [0] * (len(NAMES) + 1)
    for text in texts:
        for k, c in enumerate(word_counts(text)):
            pooled[k] += c
    return rates_from_counts(pooled), pooled[0]


def per_category(a_rates: Mapping[str, float], b_rates: Mapping[str, float]) -> dict[str, float]:
    """The matching score of each category, ``1 - |a - b| / (a + b + 0.0001)``, in [0, 1].

    1 means the same rate (also when neither uses the category), 0 that only one uses it."""
    return {
        name: 1.0
        - abs(a_rates[name] - b_rates[name]) / (a_rates[name] + b_rates[name] + _SMOOTHING)
        for name in CATEGORIES
    }


def lsm(a_rates: Mapping[str, float], b_rates: Mapping[str, float]) -> float:
    """Language Style Matching: the mean of :func:`per_category` over the nine categories."""
    scores = per_category(a_rates, b_rates)
    return sum(scores.values()) / len(scores)


def style_matching(
    turns_a: Sequence[str], turns_b: Sequence[str], min_words: int = 50
) -> float | None:
    """LSM of partner A's pooled messages against partner B's, or None on too little text.

    Rates from a few dozen words swing wildly (one "the" more or less moves a category by
    several points), so LSM is unstable on little text: below ``min_words`` words from either
    partner there is no score."""
    a_rates, a_words = category_rates(turns_a)
    b_rates, b_words = category_rates(turns_b)
    if a_words < min_words or b_words < min_words:
        return None
    return lsm(a_rates, b_rates)


def matching_from_counts(a: Sequence[int], b: Sequence[int], min_words: int = 50) -> float | None:
    """:func:`style_matching` from pooled :func:`word_counts` of each partner."""
    if a[0] < min_words or b[0] < min_words:
        return None
    return lsm(rates_from_counts(a), rates_from_counts(b))
