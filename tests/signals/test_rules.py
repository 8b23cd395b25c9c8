"""Each rule on realistic positives and hard negatives: hyperbole, banter, negation, look-alikes."""

from __future__ import annotations

import re

import pytest

from attune.signals import rules
from attune.signals.rules import RULES, cues, normalise


def safety(text: str) -> set[str]:
    return set(cues(text).safety)


def in_context(text: str, *context: str) -> tuple[str | None, bool]:
    """(horseman, repair) of ``text`` answering ``context`` (oldest first)."""
    before = [cues(c) for c in context]
    horseman, repair, _ = cues(text).in_context(rules.tense(before), rules.after_repair(before))
    return horseman, repair


# --- safety: recall first, but hyperbole is not a crisis ------------------------------------------

SELF_HARM = [
    "I want to die",
    "honestly i just wanna die",
    "I'm going to kill myself",
    "I've been thinking about suicide again",
    "sometimes I think everyone would be better off without me",
    "I won't be around much longer",
    "I don't want to be here anymore",
    "what's the point of living",
    "I can't go on like this",
    "nobody would miss me if I was gone",
    "I hurt myself again last night",
    "I just want to disappear forever",
    "I took all my pills",
    "I wish I was never born",
    "I’m going to end it all",  # curly apostrophe
    "I've started cutting again",
    "I don't see myself being around in a year",
    "I keep writing goodbye texts and deleting them",
    "I have a plan and a date",
    "please don't hurt yourself tonight. I'm on my way",  # the partner's self-harm counts too
    "i dont think i wanna be here anymore tbh",
    "keep thinking itd be easier to just not wake up",
    "took way more of my tablets than i should have",
    "keep thinking about stepping in front of the train",
    "did u mean what u said about wanting to die?",
    "go then. i wont be alive to see it",
    "amor the nurse said ur hurting urself again",
]
NOT_SELF_HARM = [
    "dying 😂",
    "I'm dying 😂😂 that video",
    "lmao I want to die, I sent it to my boss",
    "I could die of embarrassment",
    "I'm dying to see you",
    "this meeting is killing me",
    "kill me now lol",
    "I'm dead 💀",
    "the battery is dying",
    "I can't do this maths homework",
    "I'd die for you ❤️",
    "I'm ending it with my book club, they only read thrillers",
    "my nan will kill me if I don't come for Sunday roast",
    "nobody would notice if I left early right? this party's dead",
    "cutting out sugar this month, wish me luck",
    "don't bother, i'll do it myself like always",  # "i'll do it" is not a plan
    "no. i'll do it now",
    "so tired i could sleep for a week",
]


@pytest.mark.parametrize("text", SELF_HARM)
def test_self_harm_recall_including_indirect_phrasing(text: str) -> None:
    assert "self_harm" in safety(text)


@pytest.mark.parametrize("text", NOT_SELF_HARM)
def test_self_harm_not_on_hyperbole(text: str) -> None:
    assert "self_harm" not in safety(text)


def test_explicit_self_harm_is_not_silenced_by_laughter() -> None:
    assert "self_harm" in safety("haha I've been self harming again")
    assert "self_harm" in safety("lol everyone would be better off without me")


THREATS = [
    "I'm going to kill you",
    "if you leave me I'll hurt you",
    "I'll smash your phone",
    "I will burn your stuff",
    "you'll regret this",
    "I know where you live",
    "you'll never see the kids again",
    "watch your back",
    "don't make me hit you",
    "i'll make your life hell",
    "I'll post those photos",
    "I'll put you in hospital. don't think I won't",
    "keep talking like that and see what happens to your face",
    "I've got a knife in my hand right now so think very carefully",
    "you said you'd hurt me if I went. I'm scared to come home tonight",
    "keep pushing me liam. seriously. ur gonna regret it",
    "shame me again and i make u bleed",
    "next time i put ur head through the wall",
    "ignore my calls one more time and ill drive over and kick the door in",
]
NOT_THREATS = [
    "I'm going to kill you if you eat my leftovers 😂",
    "I'll beat you at mario kart",
    "I'll hit you up later",
    "I would never hurt you",
    "I'd never hit you, you know that",
    "I'm not going to hurt you",
    "you're killing me 😂",
    "I'll destroy you at scrabble tonight",
    "I'll take the kids to school",
    "watch your back in Mario Kart tonight 🍌",
    "you'll pay for that 😂 revenge prank incoming",
    "got a knife in one hand and onions everywhere, call you after dinner",
    "I'm outside your work with coffee ☕ come down on your break",
    "thanks for covering the rent, I'll sort you next month",
    "slowly opening every cupboard in the house. spooky 👻 ok ok I'll shut them",
]


@pytest.mark.parametrize("text", THREATS)
def test_threat(text: str) -> None:
    assert "threat" in safety(text)


@pytest.mark.parametrize("text", NOT_THREATS)
def test_not_threat(text: str) -> None:
    assert "threat" not in safety(text)


CONTROL = [
    "give me your password",
    "show me your phone now",
    "I went through your phone",
    "you're not allowed to see your friends anymore",
    "you can't go out with your sister",
    "stop talking to your mum",
    "it's me or them",
    "hand over your bank card",
    "you need my permission to spend that",
    "I'm taking your car keys",
    "who the hell were you texting",
    "turn your location back on",
    "answer me right now",
    "you'll do what I say",
    "where were you. explain",
    "facetime me every hour at pres",
    "send pic of ur plate. every meal, i want proof",
    "changed ur insta password. u get it back when u apologise properly",
    "read ur chat w ellie btw",
    "ur meds are in my drawer now. u get them when u behave",
    "from now on ur loan goes into my account",
    "quit the bar job. not having u working late",
    "i dont want u seeing priya anymore",
    "be home by 6. one minute late and I'll know",
    "you'll get £40 a week for food and I want every receipt",
    "I can see on Life360 you stopped for 20 mins on the way home. who was it",
    "you went through my phone again while I was asleep",  # reports of control count too
]
NOT_CONTROL = [
    "who were you texting? you looked so happy",
    "you're not allowed to leave me ever 😂",
    "can you share your location so I know when to start dinner",
    "I would never check your phone",
    "you can see your friends whenever you want",
    "have you seen my keys",
    "your sister is coming over",
    "drop me a pin when you're at the festival so I can find you",
    "send me your location? I'm at the station and can't see you anywhere",
    "what time will you be home? just so I know when to put dinner on",
    "ya check ur email",
    "where were you? I missed you at lunch",
    "where were you",
    "I need a few minutes and then I'll be able to explain",
    "let me explain",
    "delete that immediately",  # a photo, in the everyday set
    "because YOU took the car keys this morning",
    "yes let's. i'll check my leave tomorrow",
    "i'm not asking for permission i'm asking to be included",
    "whatever. i'll cancel it",
    "so you're not coming to hannah's party either",
]


@pytest.mark.parametrize("text", CONTROL)
def test_coercive_control(text: str) -> None:
    assert "coercive_control" in safety(text)


@pytest.mark.parametrize("text", NOT_CONTROL)
def test_not_coercive_control(text: str) -> None:
    assert "coercive_control" not in safety(text)


# --- the Four Horsemen ----------------------------------------------------------------------------

HORSEMEN = [
    ("you always do this", "criticism"),
    ("you never listen to me", "criticism"),
    ("why do you always have to be like this?", "criticism"),
    ("you're so selfish", "criticism"),
    ("what's wrong with you", "criticism"),
    ("🙄", "contempt"),
    ("oh great 🙄", "contempt"),
    ("you're pathetic", "contempt"),
    ("get over yourself", "contempt"),
    ("thanks a lot 🙄", "contempt"),
    ("*rolls eyes*", "contempt"),
    ("it's not my fault", "defensiveness"),
    ("what about when you forgot my birthday", "defensiveness"),
    ("I didn't do anything wrong", "defensiveness"),
    ("I'm sorry you feel that way", "defensiveness"),
    ("sorry you're upset about thursday", "defensiveness"),
    ("whatever", "stonewalling"),
    ("Whatever.", "stonewalling"),
    ("k.", "stonewalling"),
    ("I'm done talking", "stonewalling"),
    ("leave me alone", "stonewalling"),
    ("I don't want to talk about it", "stonewalling"),
    # refusing the conversation is stonewalling anywhere
    ("not doing this tonight zainab", "stonewalling"),
    ("I'm not getting into this now, Angela.", "stonewalling"),
    ("i'm not having that conversation over text", "stonewalling"),
    ("I've said what I think.", "stonewalling"),
    # excuses, counter-complaints and the innocent victim
    ("i was knackered, fell asleep, whats the big deal", "defensiveness"),
    ("i was with the guys, relax. not a crime", "defensiveness"),
    ("sawa but you also leave your things everywhere", "defensiveness"),
    ("i've done 12 hr shifts all week lauren, when was i meant to do it", "defensiveness"),
    ("i was gonna do it tonight??", "defensiveness"),
    ("i came to the bowling?? stop acting like ur the victim", "defensiveness"),
    ("sorry for having feelings about our past i guess", "defensiveness"),
    ("wow ok. so i'm just useless then", "defensiveness"),
    ("the date was never on the calendar, how was i supposed to know", "defensiveness"),
    ("i said it when we got there?? ur literally making stuff up", "defensiveness"),
    ("do you ever think before you hit send", "contempt"),
]
NOT_HORSEMEN = [
    "you always make me laugh",
    "you never fail to make me smile",
    "you never forget my birthday",
    "you always know what to say ❤️",
    "you never have to apologise for that",
    "you always steal the duvet 😂",
    "you're such an idiot 😂",
    "you're an idiot, love you x",
    "whatever you want is fine",
    "whatever you fancy for dinner",
    "k",
    "ok",
    "it's not your fault",
    "I'm good, what about you?",
    "I need 20 minutes to calm down, then I'll come back and we can talk",
    "I'm not done talking about the holiday yet!",
    "the eye roll was mean, I'm sorry",  # talking about an eye roll is not one
]


@pytest.mark.parametrize(("text", "horseman"), HORSEMEN)
def test_horseman(text: str, horseman: str) -> None:
    assert cues(text).horseman == horseman


@pytest.mark.parametrize("text", NOT_HORSEMEN)
def test_not_horseman(text: str) -> None:
    assert cues(text).horseman is None


def test_terse_reply_is_stonewalling_only_during_tension() -> None:
    assert in_context("fine.", "I'm so fed up with you never helping")[0] == "stonewalling"
    assert in_context("forget it", "seriously??? you forgot AGAIN")[0] == "stonewalling"
    assert in_context("fine.", "how was lunch with your mum?")[0] is None
    assert in_context("fine.")[0] is None


@pytest.mark.parametrize(
    "text",
    [
        "not now liam",
        "whatever hannah",
        "can we not",
        "it's not a big deal, can we drop it",
        "wow ok. forget i said anything",
        "Leave it, Irene. Please.",
        "just leave it",
        "whatever. i'm driving",
        "ok. i'm done",
        "not tonight.",
        "cant do this rn",
    ],
)
def test_explicit_withdrawal_during_tension_is_stonewalling(text: str) -> None:
    assert in_context(text, "you never listen to anything I say")[0] == "stonewalling"


@pytest.mark.parametrize(
    "text",
    [
        "not now, at the shop, call you after",
        "can we not do thai again, had it monday",
        "whatever you fancy for dinner",
        "not tonight, tomorrow works better",
        "fine. see you at 6?",
    ],
)
def test_the_same_words_outside_tension_or_as_logistics_are_not_stonewalling(text: str) -> None:
    assert in_context(text, "what do you want for dinner?")[0] is None


def test_not_doing_this_or_that_with_a_thing_after_it_is_not_stonewalling() -> None:
    assert cues("not doing this recipe again, too much garlic").horseman is None
    assert cues("we're not getting into that club without tickets").horseman is None


def test_an_eye_roll_is_contempt_during_tension_only() -> None:
    sarcastic = "Another one? Whatever happened to the watercolours and the ukulele? 🙄"
    assert cues(sarcastic).horseman is None
    row = "you never ask me before you spend our money"
    assert in_context(sarcastic, row)[0] == "contempt"
    assert in_context(sarcastic, "look what came in the post!")[0] is None


def test_an_apology_or_a_polite_sorry_is_not_defensiveness() -> None:
    assert cues("i'm sorry for being late").horseman is None
    assert cues("sorry for asking, how was the dentist?").horseman is None


def test_what_was_i_supposed_to_do_is_defensiveness() -> None:
    assert cues("the match went to extra time, what was i supposed to do, leave?").horseman == (
        "defensiveness"
    )


# --- antidotes ------------------------------------------------------------------------------------

ANTIDOTES = [
    ("thank you so much for dinner", "appreciation"),
    ("I'm so proud of you", "appreciation"),
    ("you're amazing ❤️", "appreciation"),
    ("love you", "appreciation"),
    ("sorry", "responsibility"),
    ("I'm really sorry I forgot", "responsibility"),
    ("my bad, I should have called", "responsibility"),
    ("you're right, I was out of order", "responsibility"),
    ("that's on me", "responsibility"),
    ("can we take a break and talk later?", "self_soothing"),
    ("I need 20 minutes to calm down, then let's talk", "self_soothing"),
    ("let's take a breather and come back to this tonight", "self_soothing"),
    (
        "I feel hurt when you check your phone at dinner. Could we keep phones away?",
        "gentle_startup",
    ),
    ("I felt a bit left out about the party, I need us to plan together", "gentle_startup"),
]
NOT_ANTIDOTES = [
    "thanks for nothing",
    "sorry to hear that",
    "so sorry for your loss",
    "sorry?",
    "sorry not sorry",
    "I don't appreciate being spoken to like that",
    "I'm not sorry",
    "no thanks",
    "I feel like pizza tonight",
    "ugh that's so stressful, I'm sorry. two weeks is a lot to lose",  # sympathy, not apology
    "put it in your calendar pls 🙏",
]


@pytest.mark.parametrize(("text", "antidote"), ANTIDOTES)
def test_antidote(text: str, antidote: str) -> None:
    assert cues(text).antidote == antidote


@pytest.mark.parametrize("text", NOT_ANTIDOTES)
def test_not_antidote(text: str) -> None:
    assert cues(text).antidote is None


# --- validation -----------------------------------------------------------------------------------

VALIDATION = [
    ("that makes sense", "validating"),
    ("Makes total sense, I'd be upset too", "validating"),
    ("no wonder you're exhausted after that day", "validating"),
    ("you're not overreacting, that was out of order", "validating"),
    ("I get why you're annoyed", "validating"),
    ("your feelings are valid", "validating"),
    ("you have every right to be angry", "validating"),
    ("calm down", "invalidating"),
    ("omg calm down it's one text", "invalidating"),
    ("you're overreacting", "invalidating"),
    ("ur overreacting", "invalidating"),
    ("it's not a big deal", "invalidating"),
    ("stop being so dramatic", "invalidating"),
    ("you shouldn't feel that way", "invalidating"),
    ("get over it", "invalidating"),
    ("I get it, but you're overreacting", "invalidating"),
    ("of course you're scared, it's your dad", "validating"),
    ("ofc ur homesick, it's ur first diwali away", "validating"),
    ("it's not stupid at all. of course it hurts", "validating"),
    ("i do get it. ur mum puts u in a really hard spot", "validating"),
    ("That's a lot to take in on your own", "validating"),
    ("ya that's not fair on u", "validating"),
    ("you're overthinking it, she's fine", "invalidating"),
    ("You're exaggerating as usual.", "invalidating"),
    ("she's just shy with new ppl, ur reading into it", "invalidating"),
    ("You can't let it get to you every time", "invalidating"),
    ("omg its cute?? chill", "invalidating"),
]
NOT_VALIDATION = [
    "that doesn't make sense",
    "that makes no sense at all",
    "makes sense to leave at 6",
    "I need to calm down",
    "let me calm down first",
    "am I overreacting?",
    "maybe I'm being dramatic",
    "don't be silly, of course you can come",
    "relaxing evening ahead",
    "stop being so dramatic 😂",
    "of course you're late again",
    "i get it now, the train was cancelled",
    "do you understand it?",
    "i'm overthinking it probably",
    "we'll just chill tonight",
    "chill",
    "that's a lot to carry up the stairs",
]


@pytest.mark.parametrize(("text", "value"), VALIDATION)
def test_validation(text: str, value: str) -> None:
    assert cues(text).validation == value


@pytest.mark.parametrize("text", NOT_VALIDATION)
def test_not_validation(text: str) -> None:
    assert cues(text).validation is None


# --- repair ---------------------------------------------------------------------------------------

REPAIR_ALWAYS = [
    "let's start over",
    "can we take a break and talk later?",
    "I don't want to fight",
    "sorry I snapped at you earlier",
    "I'm sorry for being grumpy this morning",
    "truce? 🏳️",
    "sorry, that came out wrong",
    "ok that was harsh, sorry. you look good in everything",
    "sorry i went off at you, i was panicking about the fee",
    "Ken. I'm sorry about the medal remark.",
    "hmph. fine. forgiven. mostly 😤",
]


@pytest.mark.parametrize("text", REPAIR_ALWAYS)
def test_explicit_repair(text: str) -> None:
    assert in_context(text)[1] is True


def test_apology_and_agreement_are_repair_during_tension_only() -> None:
    tense = "why would you say that to my mum?? I'm so angry"
    assert in_context("I'm sorry", tense)[1] is True
    assert in_context("fair point", tense)[1] is True
    assert in_context("I love you", tense)[1] is True
    assert in_context("I'm sorry", "did you get the milk?")[1] is False
    assert in_context("sorry I'm late!")[1] is False
    assert in_context("sorry to hear that", tense)[1] is False


def test_taking_an_apology_is_a_repair_only_when_it_answers_one() -> None:
    """Coding decision 7: accepting a repair attempt is itself a repair; a bare "ok." or
    "fine." that ends a row takes nothing."""
    row = "you always leave the gate open!!"
    apology = "sorry, that was mean. you're right about the gate"
    assert in_context("ok. thank you", row, apology)[1] is True
    assert in_context("😂 ok thank u", row, apology)[1] is True
    assert in_context("ok. yes pls, the gel one", row, "sorry. i'll get you the cream")[1] is True
    assert in_context("ok.", row, apology)[1] is False
    assert in_context("Fine.", row, apology)[1] is False
    assert in_context("thank you", "here's the link you wanted")[1] is False  # no apology
    assert in_context("thank you", "sorry i'm late, traffic")[1] is False  # no row before it
    assert in_context("thanks a lot 🙄", row, apology)[1] is False  # sarcasm: contempt


def test_a_message_with_a_horseman_is_not_a_soft_repair() -> None:
    assert in_context("sorry 🙄", "I'm so angry with you")[1] is False


# --- disclosure -----------------------------------------------------------------------------------

DISCLOSURE = [
    "I'm scared I'm not enough for you",
    "I feel so alone lately",
    "I've been really anxious about work",
    "it really hurts when you ignore me",
    "I'm struggling",
    "I feel like I'm failing at everything",
]
NOT_DISCLOSURE = [
    "I'm happy to drive",
    "I'm down for pizza",
    "I feel like pizza tonight",
    "I'm not scared",
    "I'm alone at home tonight",
    "I'm at the shop",
]


@pytest.mark.parametrize("text", DISCLOSURE)
def test_emotional_disclosure(text: str) -> None:
    assert cues(text).disclosure == 2


@pytest.mark.parametrize("text", NOT_DISCLOSURE)
def test_not_emotional_disclosure(text: str) -> None:
    assert cues(text).disclosure == 0


# --- questions ------------------------------------------------------------------------------------

QUESTIONS = [
    ("how was your day?", "open"),
    ("what happened?", "open"),
    ("why do you think she said that?", "open"),
    ("hey. how are you feeling?", "open"),
    ("tell me about your day", "open"),
    ("what do you think?", "open"),
    ("did you eat", "closed"),
    ("did you eat?", "closed"),
    ("are you ok?", "closed"),
    ("do you want pizza or pasta?", "closed"),
    ("you're coming, right?", "closed"),
    ("what time?", "closed"),
    ("which one licked it", "closed"),
    ("where are you", "closed"),
    ("how many people are coming?", "closed"),
    ("Can you pick up milk?", "closed"),
    ("what do you want for dinner?", None),  # the form does not decide: the head does
]
NOT_QUESTIONS = [
    "when you get home, call me",
    "how lovely",
    "what a day",
    "I had the weirdest dream last night",
    "have it your way",
    "do it now!",
    "who knows",
    "I wonder what she meant",
]


@pytest.mark.parametrize(("text", "kind"), QUESTIONS)
def test_question_form(text: str, kind: str | None) -> None:
    q = cues(text).question
    assert q.is_question
    assert q.type == kind


@pytest.mark.parametrize("text", NOT_QUESTIONS)
def test_not_question(text: str) -> None:
    assert not cues(text).question.is_question


def test_pure_and_mixed_questions() -> None:
    assert cues("hey babe. what time are you home?").question.pure
    assert not cues("That sounds awful, I'm so sorry. What happened?").question.pure
    assert cues("That sounds awful, I'm so sorry. What happened?").question.type == "open"
    assert cues("How was work? did you eat?").question.type == "open"


# --- the bundled sample chat: a happy couple with one row ----------------------------------------


def sample_messages() -> list[str]:
    from importlib.resources import files

    text = files("attune.data").joinpath("sample_chat.txt").read_text(encoding="utf-8")
    messages: list[str] = []
    for line in text.splitlines():
        found = re.match(r"^\d\d/\d\d/\d{4}, \d\d:\d\d - [^:]+: (.*)$", line)
        if found:
            messages.append(found.group(1))
        elif messages and not re.match(r"^\d\d/\d\d/\d{4}, ", line):
            messages[-1] += "\n" + line
    return messages


def test_sample_chat_raises_no_safety_cue() -> None:
    messages = sample_messages()
    assert len(messages) > 300
    assert [m for m in messages if cues(m).safety] == []


def test_sample_chat_row_is_seen() -> None:
    by_text = {m: cues(m) for m in sample_messages()}
    row = [t for t in by_text if t.startswith("oh no of course not. the release")]
    assert by_text[row[0]].horseman == "contempt"  # sarcasm with 🙄
    assert by_text["ok I'm not doing this over text"].horseman == "stonewalling"
    assert by_text["can we talk tonight? I don't want to keep fighting"].repair


# --- counts ---------------------------------------------------------------------------------------


def test_counts() -> None:
    counts = cues("I love you ❤️ 😂😂 🇬🇧 👍🏽 👨‍👩‍👧 we always said we'd never").counts
    assert counts.emoji == 6  # heart, two laughs, a flag, a toned thumb, a ZWJ family
    assert counts.i == 1
    assert counts.you == 1
    assert counts.we == 2
    assert counts.absolutist == 2  # always, never
    assert counts.words == 8


def test_counts_of_chat_spellings() -> None:
    counts = cues("im sure ur right, u always are").counts
    assert (counts.i, counts.you, counts.absolutist) == (1, 2, 1)


# --- the registry ---------------------------------------------------------------------------------


def test_every_rule_is_described_and_compiles_case_insensitively() -> None:
    assert len(RULES) >= 20
    for name, registered in RULES.items():
        assert registered.description, name
        assert registered.pattern.flags & re.IGNORECASE


def test_normalise() -> None:
    assert normalise("  I’M  “FINE”\n\n  ok ") == 'i\'m "fine"\nok'


def test_rules_are_fast_enough_for_a_chat() -> None:
    import time

    texts = [f"message {i}: you always do this 🙄 but I love you" for i in range(2000)]
    start = time.perf_counter()
    for text in texts:
        cues(text)
    assert (time.perf_counter() - start) / len(texts) < 0.002  # < 2 ms a distinct text
