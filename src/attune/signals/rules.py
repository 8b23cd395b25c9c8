"""Rules: cues in the words themselves that the codebook makes unambiguous.

Each rule is a small registered component (like an importer): a name, the signal and value it
supports, a pattern from :mod:`attune.signals.lexicons`, and its guards —

* ``unless``: a pattern that, found anywhere in the message, silences the rule
  ("sorry to hear that" is not an apology, "you always make me laugh" is not criticism);
* ``laughter``: silenced by laughter or play markers (😂, lol, jk): hyperbole and banter
  ("I'm going to kill you 😂", "you're such an idiot lol");
* ``negation``: a match preceded by a negator within three words does not count
  ("I would never hurt you", "I don't appreciate that");
* ``tension``: fires only when the exchange is tense (judged by :func:`tense` on the context),
  e.g. "fine." is stonewalling in a row, not when asked how lunch was.

Safety rules favour recall: the explicit ones have no laughter guard, only the idioms that people
also use as hyperbole ("want to die", "kill me") do. ``attune.signals.annotate`` documents how the
rules combine with the heads.

All rules read :func:`normalise`-d text. :func:`cues` evaluates every rule on one text (the
pipeline calls it once per distinct text) and also gives the counts (pronouns, absolutist words,
emoji) and the question form.

Speed: each pattern is split at its top-level ``|`` and every alternative is indexed by literals a
match must contain (found with the stdlib's regex parser); only alternatives whose literals occur
in the text are run, which keeps ~500 alternatives at ~0.1–0.5 ms a message. To add a rule, call
:func:`rule` with a pattern from :mod:`attune.signals.lexicons` and add realistic positives and hard
negatives (hyperbole, banter, negation) to ``tests/signals/test_rules.py``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from attune.signals import lexicons as lx

Signal = Literal[
    "safety",
    "horseman",
    "antidote",
    "validation",
    "repair",
    "disclosure",
    "horseman_if_tense",
    "repair_accepted",
]
QuestionType = Literal["open", "closed"]

_FLAGS = re.IGNORECASE | re.MULTILINE
_PARSER: Any = importlib.import_module("re._parser")  # the stdlib's own regex parser


@dataclass(frozen=True)
class Alternative:
    """One top-level alternative of a rule's pattern, with the literals a match must contain.

    ``needles`` None: no literal is required (always tried); otherwise the text must contain one
    of them before the regular expression is run at all. This prefilter keeps the ~600
    alternatives of the rules at tens of microseconds for a typical chat message."""

    needles: tuple[str, ...] | None
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Rule:
    """One registered rule (see the module docstring for the guards)."""

    name: str
    signal: Signal
    value: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None
    laughter: bool = False
    negation: bool = False
    tension: bool = False
    description: str = ""
    alternatives: tuple[Alternative, ...] = ()

    def fires(
        self, text: str, laughing: bool, candidates: Sequence[Alternative] | None = None
    ) -> bool:
        """Whether the rule fires on normalised ``text`` (tension is the caller's business).

        ``candidates``: the alternatives whose literals the text contains (``cues`` finds them
        for every rule at once); None to check them here."""
        if self.laughter and laughing:
            return False
        if candidates is None:
            candidates = [
                a
                for a in self.alternatives
                if a.needles is None or any(n in text for n in a.needles)
            ]
        for alternative in candidates:
            for match in alternative.pattern.finditer(text):
                if not self.negation or not _negated(text, match.start()):
                    return self.unless is None or not self.unless.search(text)
        return False


RULES: dict[str, Rule] = {}


def rule(
    name: str,
    signal: Signal,
    value: str,
    pattern: str,
    *,
    unless: str | None = None,
    laughter: bool = False,
    negation: bool = False,
    tension: bool = False,
    description: str = "",
) -> Rule:
    """Register a rule; its name is what ``cues`` reports when it fires."""
    if name in RULES:
        raise ValueError(f"rule {name!r} registered twice")
    registered = Rule(
        name=name,
        signal=signal,
        value=value,
        pattern=re.compile(pattern, _FLAGS),
        alternatives=tuple(
            Alternative(_needles(part), re.compile(part, _FLAGS)) for part in _top_level(pattern)
        ),
        unless=re.compile(unless, _FLAGS) if unless else None,
        laughter=laughter,
        negation=negation,
        tension=tension,
        description=description,
    )
    RULES[name] = registered
    _INDEX.clear()
    return registered


_INDEX: dict[str, Any] = {}


def _candidates(text: str) -> dict[str, list[Alternative]]:
    """Per rule, the alternatives worth running on ``text``: those that need no literal, and those
    one of whose literals the text contains (found through an index of their first characters)."""
    if not _INDEX:
        by_gram: dict[str, set[str]] = {}
        owners: dict[str, list[tuple[str, Alternative]]] = {}
        always: dict[str, list[Alternative]] = {name: [] for name in RULES}
        for name, registered in RULES.items():
            for alternative in registered.alternatives:
                if alternative.needles is None:
                    always[name].append(alternative)
                    continue
                for needle in alternative.needles:
                    by_gram.setdefault(needle[:3], set()).add(needle)
                    owners.setdefault(needle, []).append((name, alternative))
        pairs = any(len(k) == 2 for k in by_gram)
        _INDEX.update(by_gram=by_gram, owners=owners, always=always, pairs=pairs)
    by_gram, owners = _INDEX["by_gram"], _INDEX["owners"]
    found: dict[str, list[Alternative]] = {k: list(v) for k, v in _INDEX["always"].items()}
    seen: set[int] = set()
    grams = {text[i : i + 3] for i in range(len(text))}  # 3-grams, and the 1-2 char tail
    grams.update(text)  # single characters: emoji needles
    if _INDEX["pairs"]:
        grams.update(text[i : i + 2] for i in range(len(text)))
    for gram in grams & by_gram.keys():
        for needle in by_gram[gram]:
            if needle in text:
                for name, alternative in owners[needle]:
                    if id(alternative) not in seen:
                        seen.add(id(alternative))
                        found[name].append(alternative)
    return found


def _top_level(pattern: str) -> list[str]:
    """``pattern`` split at its top-level ``|`` (not inside groups, classes or escapes)."""
    parts, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":  # "[]…]": a literal ] first
                i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def _weight(needle: str) -> int:
    return len(needle) + 2 * sum(ord(c) > 127 for c in needle)


def _needles(pattern: str) -> tuple[str, ...] | None:
    """Literals one of which every match of ``pattern`` contains, or None when there are none
    selective enough (3+ characters; an emoji counts as 3)."""
    try:
        parsed = _PARSER.parse(pattern, _FLAGS)
    except Exception:  # pragma: no cover - the pattern compiled, so this does not happen
        return None
    best: frozenset[str] | None = None
    for clause in _clauses(list(parsed)):
        if best is None or min(map(_weight, clause)) > min(map(_weight, best)):
            best = clause
    if best is None or min(map(_weight, best)) < 3:
        return None
    return tuple(sorted(best))


def _clauses(items: list[tuple[Any, Any]]) -> list[frozenset[str]]:
    """Sets of literals: a match contains at least one literal of each set."""
    out: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(frozenset({"".join(run).lower()}))
            run.clear()

    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            run.append(chr(av))
        elif name == "AT":
            continue  # \b, ^, $ consume nothing: a literal run goes on across them
        elif name == "SUBPATTERN":
            flush()
            out.extend(_clauses(list(av[3])))
        elif name == "BRANCH":
            flush()
            options: set[str] = set()
            for branch in av[1]:
                found = _clauses(list(branch))
                if not found:
                    break
                options |= max(found, key=lambda c: min(map(_weight, c)))
            else:
                out.append(frozenset(options))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            flush()
            if av[0] >= 1:
                out.extend(_clauses(list(av[2])))
        elif name == "IN" and av and all(str(o) == "LITERAL" for o, _ in av):
            flush()  # a class of plain characters, e.g. (?:🙄|😒) as the parser stores it
            out.append(frozenset(chr(v).lower() for _, v in av))
        else:  # other classes, any, lookarounds, references: no literal to rely on
            flush()
    flush()
    return out


def _negated(text: str, start: int) -> bool:
    return lx.NEGATED_BEFORE.search(text, max(0, start - 40), start) is not None


# --- the rules --------------------------------------------------------------------------------
# Safety: recall first.
rule(
    "safety.self_harm",
    "safety",
    "self_harm",
    lx.SELF_HARM_EXPLICIT,
    description="suicide or self-harm talk, direct or indirect ('better off without me')",
)
rule(
    "safety.self_harm_idiom",
    "safety",
    "self_harm",
    lx.SELF_HARM_IDIOM,
    unless=lx.SELF_HARM_HYPERBOLE,
    laughter=True,
    negation=True,
    description="'want to die', 'kill myself', not hyperbole ('dying 😂', 'die of embarrassment')",
)
rule(
    "safety.threat_violence",
    "safety",
    "threat",
    lx.THREAT_VIOLENCE,
    unless=lx.THREAT_VIOLENCE_NOT,
    negation=True,
    description="'I'll hurt/hit/smash …' aimed at the partner, children, pets or property",
)
rule(
    "safety.threat_idiom",
    "safety",
    "threat",
    rf"\b{lx.I_WILL} (?:fucking |literally )?(?:kill|murder|strangle) (?:{lx.YOU}|him|her|them)\b",
    laughter=True,
    negation=True,
    description="kill/murder threats; silenced by laughter only (banter about leftovers)",
)
rule(
    "safety.threat_other",
    "safety",
    "threat",
    lx.THREAT_OTHER,
    unless=lx.THREAT_PLAY,
    laughter=True,
    negation=True,
    description="'you'll regret this', 'I know where you live', 'you'll never see the kids'",
)
rule(
    "safety.control_monitoring",
    "safety",
    "coercive_control",
    lx.CONTROL_MONITORING,
    negation=True,
    description="passwords, phone checks, location tracking, 'prove where you are'",
)
rule(
    "safety.control_isolation",
    "safety",
    "coercive_control",
    lx.CONTROL_ISOLATION,
    laughter=True,
    description="forbidding friends or family ('you're not allowed to see them')",
)
rule(
    "safety.control_resources",
    "safety",
    "coercive_control",
    lx.CONTROL_RESOURCES,
    negation=True,
    description="money, keys, passport, permission, obedience, 'answer me now'",
)

rule(
    "safety.self_harm_indirect",
    "safety",
    "self_harm",
    lx.SELF_HARM_INDIRECT,
    unless=lx.SELF_HARM_HYPERBOLE,
    negation=True,
    description="indirect phrasing: plans, notes, methods, 'not being here'",
)
rule(
    "safety.self_harm_partner",
    "safety",
    "self_harm",
    lx.SELF_HARM_PARTNER,
    laughter=True,
    description="the partner's self-harm ('please don't hurt yourself tonight'); negation kept",
)
rule(
    "safety.threat_injury",
    "safety",
    "threat",
    lx.THREAT_INJURY,
    unless=lx.THREAT_PLAY,
    laughter=True,
    negation=True,
    description="injury, weapons, children, pets, property, exposure, 'see what happens'",
)
rule(
    "safety.control_more",
    "safety",
    "coercive_control",
    lx.CONTROL_MORE,
    laughter=True,
    negation=True,
    description="monitoring apps, deadlines, clothes, allowances, 'I decide', reports of it",
)

# The Four Horsemen, in the order that wins when several fire.
rule(
    "horseman.contempt",
    "horseman",
    "contempt",
    lx.CONTEMPT,
    laughter=True,
    unless=rf"(?:{lx.CONTEMPT_AFFECTION}).*\b(?:idiot|dumb|stupid|loser|clown)\b"
    rf"|\b(?:idiot|dumb|stupid|loser|clown)\b.*(?:{lx.CONTEMPT_AFFECTION})",
    description="eye-roll 🙄, name-calling, mockery ('get over yourself'), not in banter",
)
rule(
    "horseman.criticism",
    "horseman",
    "criticism",
    lx.CRITICISM,
    laughter=True,
    unless=lx.CRITICISM_POSITIVE,
    description="'you always / you never', character attacks ('you're so selfish')",
)
rule(
    "horseman.defensiveness",
    "horseman",
    "defensiveness",
    lx.DEFENSIVENESS,
    laughter=True,
    description="'it's not my fault', 'what about when you…', 'I didn't do anything'",
)
rule(
    "horseman.stonewalling",
    "horseman",
    "stonewalling",
    lx.STONEWALLING,
    laughter=True,
    unless=lx.SELF_SOOTHING,
    description="'whatever', 'k.', 'I'm done talking', 'leave me alone' (not a promised pause)",
)
rule(
    "horseman.stonewalling_terse",
    "horseman_if_tense",
    "stonewalling",
    lx.STONEWALLING_TERSE,
    tension=True,
    description="'fine.', 'forget it', 'nvm', 'not now liam', 'leave it', 'can we drop it' during "
    "tension",
)
rule(
    "horseman.contempt_eye_roll",
    "horseman_if_tense",
    "contempt",
    lx.EYE_ROLL,
    tension=True,
    description="an eye-roll (🙄, 😒) anywhere in a message during tension",
)

# Antidotes, in the order that wins when several fire.
rule(
    "antidote.self_soothing",
    "antidote",
    "self_soothing",
    lx.SELF_SOOTHING,
    negation=True,
    description="asks for a pause to calm down and promises to come back",
)
rule(
    "antidote.responsibility",
    "antidote",
    "responsibility",
    lx.RESPONSIBILITY,
    unless=lx.RESPONSIBILITY_NOT,
    negation=True,
    description="apologises or owns a part ('my bad', 'I shouldn't have'), not 'sorry to hear'",
)
rule(
    "antidote.gentle_startup",
    "antidote",
    "gentle_startup",
    lx.GENTLE_STARTUP,
    description="'I feel … when … I need / could you …'",
)
rule(
    "antidote.appreciation",
    "antidote",
    "appreciation",
    lx.APPRECIATION,
    unless=lx.APPRECIATION_NOT,
    negation=True,
    description="thanks, fondness, admiration; not sarcastic thanks (see the contempt guard)",
)

# Validation: invalidation wins when both fire ("I get it but you're overreacting").
rule(
    "validation.invalidating",
    "validation",
    "invalidating",
    lx.INVALIDATING,
    unless=lx.INVALIDATING_SELF,
    laughter=True,
    negation=True,
    description="'calm down', 'you're overreacting', 'it's not a big deal' aimed at the partner",
)
rule(
    "validation.validating",
    "validation",
    "validating",
    lx.VALIDATING,
    unless=lx.VALIDATING_NOT,
    negation=True,
    description="'that makes sense', 'no wonder you're upset', 'you're not overreacting'",
)

# Repair: explicit de-escalation always; apology/agreement/affection during tension.
rule(
    "repair.explicit",
    "repair",
    "repair",
    lx.REPAIR_EXPLICIT,
    negation=True,
    description="'let's start over', 'can we take a break', 'sorry I snapped'",
)
rule(
    "repair.soft",
    "repair",
    "repair",
    lx.REPAIR_SOFT,
    tension=True,
    unless=lx.RESPONSIBILITY_NOT,
    description="apology, agreement ('fair point'), affection — when the exchange is tense",
)

rule(
    "repair.accepted",
    "repair_accepted",
    "repair",
    lx.ACCEPTANCE,
    tension=True,
    description="'thank you', 'it's ok', 'ok. yes pls', '😂' answering a repair (not a bare 'ok.')",
)

rule(
    "disclosure.emotional",
    "disclosure",
    "2",
    lx.DISCLOSURE_EMOTIONAL,
    description="first-person feelings, fears, hurts, needs ('I feel so alone lately')",
)

_TENSION = re.compile(lx.TENSION, _FLAGS)
_EMOJI_ONLY = re.compile(r"^[\W\d_]*$")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*|[.!?]+")
_CURLY = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "\u00a0": " "})
_SPACES = re.compile(r"[ \t\r\f\v]+")
_HORSEMEN = ("contempt", "criticism", "defensiveness", "stonewalling")
_IF_TENSE = ("horseman.contempt_eye_roll", "horseman.stonewalling_terse")  # first wins
_ANTIDOTES = ("self_soothing", "responsibility", "gentle_startup", "appreciation")
_SAFETY = ("threat", "coercive_control", "self_harm")


def normalise(text: str) -> str:
    """Lower case, straight quotes, single spaces, trimmed lines: the form every rule reads."""
    lowered = text.translate(_CURLY).lower()
    return "\n".join(line.strip() for line in _SPACES.sub(" ", lowered).split("\n") if line.strip())


@dataclass(frozen=True)
class Counts:
    """Word-level counts of one message (LIWC-style function words, after Pennebaker)."""

    words: int = 0
    i: int = 0
    we: int = 0
    you: int = 0
    absolutist: int = 0
    emoji: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "words": self.words,
            "i": self.i,
            "we": self.we,
            "you": self.you,
            "absolutist": self.absolutist,
            "emoji": self.emoji,
        }


@dataclass(frozen=True)
class Question:
    """The question form of a message, from its words alone."""

    is_question: bool = False
    pure: bool = False
    """Every sentence is a question (short fillers like "hey" aside)."""
    type: QuestionType | None = None
    """``open``/``closed`` where the form decides it, else None (the head decides)."""


@dataclass(frozen=True)
class Cues:
    """What the rules find in one text, before context: see :func:`cues`."""

    fired: tuple[str, ...] = ()
    safety: tuple[str, ...] = ()
    horseman: str | None = None
    antidote: str | None = None
    validation: str | None = None
    repair: bool = False
    repair_if_tense: bool = False
    horseman_if_tense: str | None = None
    """The rule that makes the message a horseman if the exchange is tense ("fine.", 🙄)."""
    disclosure: int = 0
    question: Question = field(default_factory=Question)
    counts: Counts = field(default_factory=Counts)
    tense: bool = False
    """The text itself shows conflict (anger words, a horseman, invalidation, a threat)."""
    accepting: bool = False
    """It opens like taking an apology ("thank you", "it's ok", "ok. yes pls", "😂")."""

    def in_context(
        self, tense_context: bool, after_repair: bool = False
    ) -> tuple[str | None, bool, tuple[str, ...]]:
        """(horseman, repair, fired rule names) once it is known whether the exchange is tense
        and whether this answers a repair attempt."""
        horseman, repair, fired = self.horseman, self.repair, self.fired
        if tense_context and self.horseman_if_tense and horseman is None:
            horseman = RULES[self.horseman_if_tense].value
            fired = (*fired, self.horseman_if_tense)
        if tense_context and self.repair_if_tense and not repair and horseman is None:
            repair = True
            fired = (*fired, "repair.soft")
        if after_repair and self.accepting and not repair and horseman is None:
            repair = True
            fired = (*fired, "repair.accepted")
        return horseman, repair, fired


def cues(text: str) -> Cues:
    """Evaluate every rule on one message text."""
    norm = normalise(text)
    laughing = lx.LAUGHTER.search(norm) is not None
    candidates = _candidates(norm)
    fired = [
        name
        for name, r in RULES.items()
        if candidates[name] and r.fires(norm, laughing, candidates[name])
    ]
    by_signal: dict[str, list[str]] = {}
    for name in fired:
        r = RULES[name]
        by_signal.setdefault(r.signal, []).append(r.value)
    safety = tuple(s for s in _SAFETY if s in by_signal.get("safety", ()))
    horseman = next((h for h in _HORSEMEN if h in by_signal.get("horseman", ())), None)
    antidote = next((a for a in _ANTIDOTES if a in by_signal.get("antidote", ())), None)
    if horseman == "contempt" and antidote == "appreciation":
        antidote = None  # "thanks a lot 🙄" is sarcasm, not appreciation
        fired.remove("antidote.appreciation")
    validations = by_signal.get("validation", [])
    validation = "invalidating" if "invalidating" in validations else next(iter(validations), None)
    repair = "repair.explicit" in fired
    tense = (
        bool(_TENSION.search(norm) or horseman or safety or validation == "invalidating")
        and not repair
    )
    return Cues(
        fired=tuple(n for n in fired if not RULES[n].tension),
        safety=safety,
        horseman=horseman,
        antidote=antidote,
        validation=validation,
        repair=repair,
        repair_if_tense="repair.soft" in fired,
        horseman_if_tense=next((n for n in _IF_TENSE if n in fired), None),
        disclosure=2 if "disclosure.emotional" in fired else 0,
        question=question(norm),
        counts=counts(norm),
        tense=tense,
        accepting="repair.accepted" in fired,
    )


def tense(context: Sequence[Cues]) -> bool:
    """An exchange is tense when any of its last three messages shows conflict."""
    return any(c.tense for c in context[-3:])


def reassures(answered: Cues, reply: Cues) -> bool:
    """A calm reply, with no horseman the rules can name, to a vulnerable disclosure made calmly:
    there the horseman head (trained on conflict) mistakes reassurance ("you're not a burden")
    for criticism, and the codebook calls it neither."""
    return (
        answered.disclosure >= 2 and not answered.tense and not reply.tense and not reply.horseman
    )


def after_repair(context: Sequence[Cues]) -> bool:
    """The message answered (the last of ``context``) is a repair attempt: explicit, or an
    apology or agreement made while the exchange was tense."""
    if not context:
        return False
    answered = context[-1]
    return answered.repair or (answered.repair_if_tense and tense(context[:-1]))


def counts(norm: str) -> Counts:
    words = lx.WORD.findall(norm)
    return Counts(
        words=len(words),
        i=sum(w in lx.FIRST_SINGULAR for w in words),
        we=sum(w in lx.FIRST_PLURAL for w in words),
        you=sum(w in lx.SECOND for w in words),
        absolutist=sum(w in lx.ABSOLUTIST for w in words),
        emoji=len(lx.EMOJI.findall(norm)),
    )


def _sentence_question(sentence: str) -> tuple[bool, QuestionType | None]:
    """(is it a question, its type where the form decides) for one sentence."""
    body = sentence.rstrip(" .!?").strip(" ,")
    asked = sentence.rstrip().endswith("?")
    if not asked:
        if "!" in sentence or len(body.split()) > 15:
            return False, None
        if lx.WH_EXCLAMATION.match(body):
            return False, None
        if lx.TELL_ME.match(body):
            return True, "open"
        if not (lx.AUX_PRONOUN.match(body) or lx.WH_THEN_AUX.match(body)):
            return False, None
    elif not body:  # "?" or "??" alone: asks, but the form says nothing more
        return True, None
    if lx.TAG_QUESTION.search(sentence.rstrip()):
        return True, "closed"
    if lx.AUX_INITIAL.match(body):
        return True, "closed"
    if lx.OPEN_QUESTION.match(body):
        return True, "open"
    if lx.CLOSED_QUESTION.match(body):
        return True, "closed"
    return True, None


def question(norm: str) -> Question:
    """Whether a message asks something, and whether its form makes it open or closed.

    Open: why/how (not how many/much/long…), "what happened", "what do you think", "tell me about".
    Closed: auxiliary first ("did you eat", "are you ok"), tag questions ("…, right?"), and
    when/where/who/which/what time/how many. A message with an open question is open; one whose
    questions are all closed is closed; otherwise the form does not decide."""
    found: list[QuestionType | None] = []
    others = 0
    for raw in _SENTENCE.findall(norm):
        sentence = raw.strip()
        if not sentence or (_EMOJI_ONLY.match(sentence) and "?" not in sentence):
            continue
        asked, kind = _sentence_question(sentence)
        if asked:
            found.append(kind)
        elif len(sentence.split()) > 2:
            others += 1
    if not found:
        return Question()
    decided: QuestionType | None = None
    if "open" in found:
        decided = "open"
    elif all(k == "closed" for k in found):
        decided = "closed"
    return Question(is_question=True, pure=others == 0, type=decided)
