"""Per-message signals: one encoder pass, the heads, and the rules, into the annotate contract.

The contract is ``../shared/spec/interfaces.md`` §2, the meanings ``../shared/spec/codebook.md``.

Pipeline (:meth:`Annotator.annotate`):

1. Every distinct text is encoded once: the messages' texts and the last item of each context (the
   message being answered), so a reply's context that is itself a message of the run costs nothing;
   texts the uncased tokenizer makes identical ("OK", "ok") share one pass, and the embeddings of
   the last ``RECENT`` texts are kept between calls (a live reply reuses its context's).
2. Texts are sorted by token count and encoded in batches of up to 64 texts and ~2,048 padded
   tokens (``SignalsModel.encode``).
3. ``self`` heads run once per distinct message text; ``pair`` heads once per distinct
   (text, answered text) pair, with a zero vector for ``c`` when a message has no context.
4. Rules (:mod:`attune.signals.rules`) run on each distinct text (a bounded cache), on the message
   and on its last three context items (to judge whether the exchange is tense).
5. Records are built one at a time as the writer consumes them (:meth:`Annotator.annotate_iter`).

How heads and rules combine, field by field. A rule decides where it fires and the codebook is
unambiguous about the words; otherwise the head decides. For ``safety`` and ``repair`` a rule can
only add to the head (recall), never remove what the head found:

- ``emotions``: the head's 28 probabilities (4 decimals). ``emotion_labels``: the labels at or
  above their tuned thresholds, most probable first; ``neutral`` is not listed beside another
  emotion, and is the only label when nothing else passes.
- ``listening``: the head; a message that is *only* a question by its form (every sentence asks)
  is ``question`` unless the head reads it as restatement or reflection of feelings.
- ``empathy``: the three EPITOME heads (levels 0/1/2).
- ``mi_behaviour``: the head; a message that is only a question by its form is ``question``
  unless the head reads a reflection (reflections are often phrased as questions).
- ``question_type``: null unless the message is a question (its form, or ``mi_behaviour`` or
  ``listening`` say so); then the form where it decides (auxiliary first, tag, when/where/who/
  which → closed; why/how/"what happened"/"tell me about" → open), else the head.
- ``reflection_type``: the head, null unless ``mi_behaviour`` is ``reflection``.
- ``intimacy``: the head (tanh into −1..1, 4 decimals).
- ``validation``: a rule when one fires (invalidating wins over validating: "I get it, but you're
  overreacting"), else the head; ``none`` is null. Where the model has a validation check
  (:mod:`attune.signals.validation`), it reads that decision again with the reply's words, its
  embedding and its product with the answered message's, and picks the value.
- ``disclosure``: the larger of the head and the rule floor (2 for a first-person feeling, fear,
  hurt or need: "I'm scared I'm not enough for you").
- ``horseman`` / ``antidote``: a rule when one fires (contempt > criticism > defensiveness >
  stonewalling; self-soothing > responsibility > gentle start-up > appreciation), else the head.
  A terse reply ("fine.", "forget it") is stonewalling only when the exchange is tense, and so is
  the head's stonewalling; the head's horseman is dropped in a calm answer to a vulnerable
  disclosure that no rule marks as hostile ("you're not your dad" to "I'm scared I'll end up like
  my dad" is reassurance). Where the model has a horseman check (:mod:`attune.signals.horseman`),
  it reads that decision again with the words, the embedding and the tension: it keeps it, drops
  it, or, where nothing was decided, takes the head's most probable horseman.
- ``repair``: the head, or an explicit repair rule ("let's start over", "sorry I snapped"), or an
  apology/agreement/affection while the exchange is tense, or a reply that takes a repair attempt
  ("ok. thank you", "it's ok", "forgiven": accepting a repair is one, per the coding decisions).
  Where the model has a repair check (:mod:`attune.signals.repair`), it reads that decision again
  with the tension, the message's words, its embedding and its product with the answered
  message's, and keeps it, drops it, or finds a repair the rules and head missed.
- ``safety``: the union of the rules, the safety model (:mod:`attune.signals.safety`: the mean of
  a word n-gram and an embedding logistic regression, per-kind thresholds) and the head
  (per-label thresholds) — recall first.

Added fields (the contract allows additions): ``link`` (cosine similarity of the message's
embedding with the answered message's, null without context: how much a reply is about what it
answers), ``valence`` and ``arousal``
(:mod:`attune.signals.affect`, for time series), ``counts`` (words, first-person singular and
plural, second-person pronouns, absolutist words, emoji) and ``cues`` (the names of the rules that
fired, so any label a rule set can be explained), ``safety_words``, ``safety_probability`` and
``safety_likely`` where the safety model raised a safety kind (kind → the n-grams that raised it
most: its evidence; kind → the model's probability; the kinds at its likely threshold, which
count as strongly as a rule's explicit match), ``model`` (which model wrote the record:
:func:`attune.signals.model.model_fit`), and ``reach`` where the model has it (the words' parts
of the bid detector's logit, for the message itself and for its neighbours:
:class:`attune.signals.model.Reach`).
"""

from __future__ import annotations

import functools
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from attune.errors import AttuneError
from attune.signals import rules
from attune.signals.affect import affect
from attune.signals.heads import HeadInput, HeadSpec, pair_input
from attune.signals.linear import ngrams
from attune.signals.model import BATCH_SIZE, HEADS_JSON, REACH_ROLES, SignalsModel
from attune.signals.validation import LABELS as VALIDATION_LABELS

GOEMOTIONS = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)  # fmt: skip
LISTENING = (
    "question", "restatement", "reflection_of_feelings", "self_disclosure", "affirmation",
    "suggestion", "information", "other",
)  # fmt: skip
MI_BEHAVIOURS = ("reflection", "question", "input", "other")
QUESTION_TYPES = ("open", "closed")
REFLECTION_TYPES = ("simple", "complex")
VALIDATION = ("validating", "invalidating")
HORSEMEN = ("criticism", "contempt", "defensiveness", "stonewalling")
ANTIDOTES = ("gentle_startup", "appreciation", "responsibility", "self_soothing")
SAFETY = ("threat", "coercive_control", "self_harm")
EMPATHY = {
    "emotional_reactions": "empathy_er",
    "interpretations": "empathy_in",
    "explorations": "empathy_ex",
}
NONE_LABELS = frozenset({"none", "no", "false", "0", "neither", "absent", "null", "n/a"})
REPAIR_LABELS = frozenset({"repair", "yes", "true", "1", "repair_attempt"})
ALIASES = {  # data sets' own label names → the contract's
    "restatement_or_paraphrasing": "restatement",
    "paraphrasing": "restatement",
    "self-disclosure": "self_disclosure",
    "affirmation_and_reassurance": "affirmation",
    "providing_suggestions": "suggestion",
    "others": "other",
    "therapist_input": "input",
    "open_question": "open",
    "closed_question": "closed",
    "simple_reflection": "simple",
    "complex_reflection": "complex",
    "coercive control": "coercive_control",
    "self-harm": "self_harm",
    "gentle_start-up": "gentle_startup",
    "gentle_start_up": "gentle_startup",
    "self-soothing": "self_soothing",
}
RECENT = 1024  # embeddings kept between calls (1.5 MB at 384 dimensions)
CHUNK = 256  # rows per head evaluation: bounds the memory of pair inputs and GELU temporaries

Progress = Callable[[int, int], None]
"""Called as texts are encoded: (texts encoded so far, texts to encode)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One message to annotate: its id (any JSON value), text, and the messages before it."""

    id: Any
    text: str
    context: tuple[str, ...] = ()
    sender: str | None = None


def _norm_label(label: str) -> str:
    key = re.sub(r"[\s/-]+", "_", label.strip().lower())
    return ALIASES.get(label.strip().lower(), ALIASES.get(key, key))


class _SafetyRead(NamedTuple):
    """What the safety model raised on a text: kind → its evidence n-grams, kind → its
    probability (3 decimals), and the kinds that reach the likely threshold."""

    words: dict[str, list[str]]
    probability: dict[str, float]
    likely: list[str]


class _TextReads(NamedTuple):
    """What the models over words and embedding read of each distinct message text."""

    safety: list[_SafetyRead]
    horseman: list[float] | None  # the horseman check's text logit
    validation: npt.NDArray[np.float64] | None  # the validation check's text logits [texts, 3]
    repair: npt.NDArray[np.float64] | None  # the repair check's text logit [texts]


class _PairReads(NamedTuple):
    """What the checks read of each (reply, answered message) pair."""

    validation: npt.NDArray[np.float64] | None  # [pairs, 3]
    repair: npt.NDArray[np.float64] | None  # [pairs]


class _Outputs:
    """The heads' outputs for many rows, kept as arrays; :meth:`row` reads one row's values."""

    def __init__(self, owner: Annotator, outputs: dict[str, npt.NDArray[np.float32]]) -> None:
        self.owner = owner
        self.probs = outputs
        self.columns: dict[str, npt.NDArray[Any]] = {}
        for name, probs in outputs.items():
            if name == "emotions":
                order = owner._emotion_order
                self.columns[name] = np.round(probs[:, order].astype(np.float64), 4)
                self.affect = affect(self.columns[name], GOEMOTIONS)
            elif name == "intimacy":
                self.columns[name] = np.round(probs[:, 0].astype(np.float64), 4)
            elif name == "safety":
                self.columns[name] = probs >= owner._safety_thresholds
            elif name == "repair":
                self.columns[name] = owner._repair(probs)
            elif name in owner._choosers:
                self.columns[name] = owner._choosers[name].pick(probs)

    def row(self, i: int) -> dict[str, Any]:
        owner = self.owner
        out: dict[str, Any] = {}
        for name, column in self.columns.items():
            if name == "emotions":
                out[name] = dict(zip(GOEMOTIONS, column[i].tolist(), strict=True))
                out["emotion_labels"] = owner._emotion_labels(self.probs[name][i])
                out["valence"], out["arousal"] = self.affect[i].tolist()
            elif name == "intimacy":
                out[name] = float(column[i])
            elif name == "safety":
                hits = column[i].tolist()
                out[name] = {s for s, hit in zip(owner._safety_labels, hits, strict=True) if hit}
            elif name == "repair":
                out[name] = bool(column[i])
            else:
                out[name] = owner._choosers[name].values[int(column[i])]
        return out


@dataclass(frozen=True)
class _Choice:
    """A multiclass head read as contract values: value per output (None for a "none" class)."""

    head: str
    values: tuple[Any, ...]
    min_probability: float = 0.0

    def pick(self, probs: npt.NDArray[np.float32]) -> npt.NDArray[np.intp]:
        """Per row, the most probable output — or the "none" output when that one is less
        probable than ``min_probability`` (heads trained on conflict-heavy sets overcall on
        everyday chat, so they must be sure)."""
        index: npt.NDArray[np.intp] = np.asarray(probs.argmax(axis=1), dtype=np.intp)
        if self.min_probability <= 0.0 or None not in self.values:
            return index
        none = self.values.index(None)
        weak = probs[np.arange(len(index)), index] < self.min_probability
        return np.asarray(np.where(weak & (index != none), none, index), dtype=np.intp)


def answered_similarity(
    embeddings: npt.NDArray[np.float32], keys: Sequence[tuple[int, int]]
) -> list[float | None]:
    """Cosine similarity of each message's embedding with the answered message's (None without
    one): how much a reply is about what it answers, read from the encoder pass already made."""
    out: list[float | None] = []
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        e = embeddings[[k[0] for k in chunk]]
        c = embeddings[[max(k[1], 0) for k in chunk]]
        norms = np.linalg.norm(e, axis=1) * np.linalg.norm(c, axis=1)
        cos = np.einsum("ij,ij->i", e, c) / np.where(norms > 0, norms, 1.0)
        out += [None if k[1] < 0 else round(float(v), 4) for k, v in zip(chunk, cos, strict=True)]
    return out


class Annotator:
    """Annotates messages with every signal of the contract (see the module docstring)."""

    def __init__(self, model: SignalsModel) -> None:
        self.model = model
        self._recent: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._where = model.directory / HEADS_JSON
        specs = model.heads.specs
        missing = [
            name
            for name in (
                "emotions",
                "listening",
                *EMPATHY.values(),
                "mi_behaviour",
                "question_type",
                "reflection_type",
                "intimacy",
                "validation",
                "disclosure",
                "horseman",
                "antidote",
                "repair",
                "safety",
            )
            if name not in specs
        ]
        if missing:
            raise AttuneError(f"{self._where}: no head for {', '.join(missing)}")
        emotions = self._typed("emotions", "multilabel")
        if sorted(emotions.labels) != sorted(GOEMOTIONS):
            raise AttuneError(f"{self._where}: head 'emotions' must have the 28 GoEmotions labels")
        self._emotion_order = [emotions.labels.index(label) for label in GOEMOTIONS]
        self._emotion_thresholds = np.asarray(emotions.thresholds, dtype=np.float32)
        self._neutral = emotions.labels.index("neutral")
        self._emotion_names = emotions.labels
        self._listening = self._choice("listening", LISTENING)
        self._empathy = {key: self._levels(head) for key, head in EMPATHY.items()}
        self._mi = self._choice("mi_behaviour", MI_BEHAVIOURS)
        self._question_type = self._choice("question_type", QUESTION_TYPES)
        self._reflection_type = self._choice("reflection_type", REFLECTION_TYPES)
        self._typed("intimacy", "regression")
        self._validation = self._choice("validation", VALIDATION, optional_none=True)
        # the head's columns in the validation check's order (validating, invalidating, none)
        self._validation_columns = [self._validation.values.index(v) for v in VALIDATION_LABELS]
        self._disclosure = self._levels("disclosure")
        self._horseman = self._choice("horseman", HORSEMEN, optional_none=True)
        self._antidote = self._choice("antidote", ANTIDOTES, optional_none=True)
        self._repair, self._repair_column = self._repair_reader(specs["repair"])
        safety = self._typed("safety", "multilabel")
        labels = [_norm_label(label) for label in safety.labels]
        if not set(labels) <= set(SAFETY):
            raise AttuneError(f"{self._where}: head 'safety': labels must be among {SAFETY}")
        self._safety_labels = labels
        self._safety_thresholds = np.asarray(safety.thresholds, dtype=np.float32)
        self._choosers: dict[str, _Choice] = {
            "listening": self._listening,
            "mi_behaviour": self._mi,
            "question_type": self._question_type,
            "reflection_type": self._reflection_type,
            "validation": self._validation,
            "disclosure": self._disclosure,
            "horseman": self._horseman,
            "antidote": self._antidote,
            **{head: self._empathy[key] for key, head in EMPATHY.items()},
        }

    @classmethod
    def load(cls, directory: str | Path | None = None, *, threads: int | None = None) -> Annotator:
        """Load the model (a folder, ``$ATTUNE_MODEL_DIR``, or the one in the package)."""
        return cls(SignalsModel.load(directory, threads=threads))

    # --- head specs → contract values ------------------------------------------------------------

    def _typed(self, name: str, head_type: str) -> HeadSpec:
        spec = self.model.heads.specs[name]
        if spec.type != head_type:
            raise AttuneError(f"{self._where}: head {name!r} must be {head_type}, not {spec.type}")
        return spec

    def _choice(self, name: str, allowed: Sequence[str], *, optional_none: bool = False) -> _Choice:
        spec = self._typed(name, "multiclass")
        values: list[str | None] = []
        for label in spec.labels:
            value = _norm_label(label)
            if optional_none and value in NONE_LABELS:
                values.append(None)
            elif value in allowed:
                values.append(value)
            else:
                expected = ", ".join([*allowed, *(["none"] if optional_none else [])])
                raise AttuneError(
                    f"{self._where}: head {name!r}: label {label!r} is not one of {expected}"
                )
        return _Choice(name, tuple(values), spec.min_probability)

    def _levels(self, name: str) -> _Choice:
        spec = self._typed(name, "multiclass")
        if len(spec.labels) != 3:
            raise AttuneError(f"{self._where}: head {name!r} must have 3 levels (0, 1, 2)")
        return _Choice(name, (0, 1, 2))

    def _repair_reader(
        self, spec: HeadSpec
    ) -> tuple[Callable[[npt.NDArray[np.float32]], npt.NDArray[np.bool_]], int]:
        """The head's decision, and the column of its probability of a repair."""
        labels = [_norm_label(label) for label in spec.labels]
        if spec.type == "multilabel" and len(labels) == 1:
            threshold = (spec.thresholds or (0.5,))[0]
            return (lambda probs: np.asarray(probs[:, 0] >= threshold)), 0
        if spec.type == "multiclass" and len(labels) == 2:
            positive = [i for i, label in enumerate(labels) if label in REPAIR_LABELS]
            if len(positive) == 1 and labels[1 - positive[0]] in NONE_LABELS:
                index, sure = positive[0], max(0.5, spec.min_probability)
                return (lambda probs: np.asarray(probs[:, index] >= sure)), index
        raise AttuneError(
            f"{self._where}: head 'repair' must be multiclass [none, repair] or multilabel [repair]"
        )

    # --- the pipeline ----------------------------------------------------------------------------

    @staticmethod
    def texts_to_encode(items: Iterable[Item]) -> list[str]:
        """Distinct texts a run encodes: messages and each context's last item, first seen first."""
        seen: dict[str, None] = {}
        for item in items:
            seen.setdefault(item.text)
            if item.context:
                seen.setdefault(item.context[-1])
        return list(seen)

    def annotate(
        self,
        items: Sequence[Item],
        *,
        batch_size: int = BATCH_SIZE,
        progress: Progress | None = None,
    ) -> list[dict[str, Any]]:
        """One output record per item, in the same order (see the module docstring)."""
        return list(self.annotate_iter(items, batch_size=batch_size, progress=progress))

    def annotate_iter(
        self,
        items: Sequence[Item],
        *,
        batch_size: int = BATCH_SIZE,
        progress: Progress | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The records of :meth:`annotate`, built one at a time as they are consumed (the encoder
        and heads run first, over every distinct text), so a writer need not hold them all."""
        if not items:
            return
        texts = self.texts_to_encode(items)
        row = {text: i for i, text in enumerate(texts)}
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, len(texts))

        embeddings = self._encode(texts, batch_size, advance)
        message_rows = sorted({row[item.text] for item in items})
        own = self._heads("self", embeddings, [(r, -1) for r in message_rows])
        own_index = {r: i for i, r in enumerate(message_rows)}
        pairs: dict[tuple[int, int], int] = {}
        for item in items:
            pairs.setdefault(self._pair_key(item, row), len(pairs))
        pair = self._heads("pair", embeddings, list(pairs))
        link = answered_similarity(embeddings, list(pairs))
        pair_reads = self._pair_reads(embeddings, list(pairs))
        words = self.model.reach
        reach = None if words is None else words.of(embeddings).tolist()
        fit = None if words is None else words.fit
        reads = self._text_models([texts[r] for r in message_rows], embeddings, message_rows)
        del embeddings

        cues_of = functools.lru_cache(maxsize=4096)(rules.cues)  # duplicates and recent contexts
        for item in items:
            index = own_index[row[item.text]]
            heads = own.row(index)
            if reads.horseman is not None:
                heads["horseman_logit"] = reads.horseman[index]
                heads["horseman_probs"] = own.probs["horseman"][index]
            raised = reads.safety[index]
            if raised.words:
                heads["safety"] = heads["safety"] | raised.words.keys()
                heads["safety_read"] = raised
            k = pairs[self._pair_key(item, row)]
            heads.update(pair.row(k))
            heads["link"] = link[k]
            if reads.validation is not None and pair_reads.validation is not None:
                heads["validation_logits"] = reads.validation[index] + pair_reads.validation[k]
                heads["validation_probs"] = pair.probs["validation"][k]
            if reads.repair is not None and pair_reads.repair is not None:
                heads["repair_logit"] = float(reads.repair[index] + pair_reads.repair[k])
                heads["repair_probs"] = pair.probs["repair"][k]
            if reach is not None:
                values = reach[row[item.text]]
                heads["reach"] = {r: round(v, 4) for r, v in zip(REACH_ROLES, values, strict=True)}
                heads["reach"]["fit"] = fit
            context = [cues_of(text) for text in item.context[-4:]]
            yield self._record(item, heads, cues_of(item.text), context)

    def _text_models(
        self, texts: Sequence[str], embeddings: npt.NDArray[np.float32], rows: Sequence[int]
    ) -> _TextReads:
        """Per text, what the models over words and embedding read, a chunk at a time (``rows``:
        the texts' rows of ``embeddings``): the safety kinds the safety model raises, each with
        the n-grams that raised it most and its probability; the words' and embedding's part of
        the horseman check's logit and of the validation check's logits (None without that
        model). Each text's n-grams are made once."""
        safety, check = self.model.safety, self.model.horseman
        validation, repair = self.model.validation, self.model.repair
        models = (safety, check, validation, repair)
        longest = max((m.reads.longest for m in models if m is not None), default=0)
        raised: list[_SafetyRead] = []
        logits: list[float] | None = None if check is None else []
        validating: list[npt.NDArray[np.float64]] = [np.zeros((0, len(VALIDATION_LABELS)))]
        repairing: list[npt.NDArray[np.float64]] = [np.zeros(0)]
        for start in range(0, len(texts), CHUNK):
            part, chunk = texts[start : start + CHUNK], embeddings[rows[start : start + CHUNK]]
            grams = [ngrams(text, longest) for text in part] if longest else None
            if safety is None:
                raised += [_SafetyRead({}, {}, []) for _ in part]
            else:
                found = safety.raised(part, chunk, grams)
                raised += [
                    _SafetyRead(
                        {kind: safety.evidence(text, kind) for kind in kinds if kind in SAFETY},
                        {kind: round(p, 3) for kind, p in kinds.items() if kind in SAFETY},
                        [kind for kind in safety.likely(kinds) if kind in SAFETY],
                    )
                    for text, kinds in zip(part, found, strict=True)
                ]
            if check is not None and logits is not None:
                logits += check.text_logits(part, chunk, grams).tolist()
            if validation is not None:
                validating.append(validation.text_logits(part, chunk, grams))
            if repair is not None:
                repairing.append(repair.text_logits(part, chunk, grams))
        return _TextReads(
            raised,
            logits,
            None if validation is None else np.concatenate(validating),
            None if repair is None else np.concatenate(repairing),
        )

    def _pair_reads(
        self, embeddings: npt.NDArray[np.float32], keys: Sequence[tuple[int, int]]
    ) -> _PairReads:
        """The validation and repair checks' pair logits of each (reply row, answered row or -1),
        in chunks (None without that check)."""
        validation, repair = self.model.validation, self.model.repair
        if validation is None and repair is None:
            return _PairReads(None, None)
        padded = np.concatenate([embeddings, np.zeros((1, embeddings.shape[1]), np.float32)])
        validating = [np.zeros((0, len(VALIDATION_LABELS)))]
        repairing = [np.zeros(0)]
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            replies, answered = padded[[k[0] for k in chunk]], padded[[k[1] for k in chunk]]
            if validation is not None:
                validating.append(validation.pair_logits(replies, answered))
            if repair is not None:
                repairing.append(repair.pair_logits(replies, answered))
        return _PairReads(
            None if validation is None else np.concatenate(validating),
            None if repair is None else np.concatenate(repairing),
        )

    def validation_probabilities(self, probs: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The validation head's outputs (one row per message) in the order of the validation
        check's labels."""
        return np.asarray(probs[:, self._validation_columns], dtype=np.float32)

    def repair_probabilities(self, probs: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The repair head's probability of a repair, from its outputs (one row per message)."""
        return np.asarray(probs[:, self._repair_column], dtype=np.float32)

    def _checked_repair(self, values: Sequence[bool], heads: Mapping[str, Any]) -> bool:
        """The repair decided by the rules and the head (``values[0]``), read again by the repair
        check (:mod:`attune.signals.repair`) where the model has one; ``values``: its
        :data:`~attune.signals.repair.FEATURES` but the head's probabilities."""
        model = self.model.repair
        if model is None or "repair_logit" not in heads:
            return bool(values[0])
        p_repair = float(heads["repair_probs"][self._repair_column])
        return model.attempts(heads["repair_logit"], (*values, 1.0 - p_repair, p_repair))

    def _checked_validation(
        self, decided: str | None, rule: str | None, heads: Mapping[str, Any], answers: bool
    ) -> str | None:
        """The value decided by the rules and the head, read again by the validation check
        (:mod:`attune.signals.validation`) where the model has one."""
        model = self.model.validation
        if model is None or "validation_logits" not in heads:
            return decided
        head = heads["validation_probs"][self._validation_columns].tolist()
        return model.value(heads["validation_logits"], decided, rule, head, answers)

    def _checked_horseman(
        self, decided: str | None, heads: Mapping[str, Any], rule: bool, tense: bool
    ) -> str | None:
        """The horseman decided by the rules and the head, read again by the horseman check
        (:mod:`attune.signals.horseman`) where the model has one: kept, dropped, or — where the
        check finds one and nothing was decided — the head's most probable horseman."""
        model = self.model.horseman
        if model is None or "horseman_logit" not in heads:
            return decided
        probs = heads["horseman_probs"]
        values = self._horseman.values
        none = values.index(None)
        if not model.carries(
            heads["horseman_logit"], decided is not None, rule, tense, float(probs[none])
        ):
            return None
        if decided is not None:
            return decided
        ranked = sorted((j for j in range(len(values)) if j != none), key=lambda j: -probs[j])
        top: str | None = values[ranked[0]]
        return top

    def _encode(
        self, texts: list[str], batch_size: int, progress: Callable[[int], None]
    ) -> npt.NDArray[np.float32]:
        """Embeddings of ``texts``, reusing those of the last ``RECENT`` texts seen by this
        annotator (a reply's context is usually the message annotated just before it)."""
        recent = self._recent
        missing = [t for t in texts if t not in recent]
        fresh = self.model.encode(missing, batch_size=batch_size, progress=progress)
        for text, vector in zip(missing, fresh, strict=True):
            recent[text] = vector
        out = np.empty((len(texts), self.model.heads.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = recent[text]
            recent.move_to_end(text)
        while len(recent) > RECENT:
            recent.popitem(last=False)
        progress(len(texts) - len(missing))
        return out

    @staticmethod
    def _pair_key(item: Item, row: Mapping[str, int]) -> tuple[int, int]:
        return row[item.text], row[item.context[-1]] if item.context else -1

    def annotate_one(self, text: str, context: Sequence[str] = ()) -> dict[str, Any]:
        """Annotate a single message (the model stays loaded between calls)."""
        return self.annotate([Item(id=None, text=text, context=tuple(context))])[0]

    def _heads(
        self, kind: HeadInput, embeddings: npt.NDArray[np.float32], keys: Sequence[tuple[int, int]]
    ) -> _Outputs:
        """Every head of input ``kind`` on rows ``keys`` — (text row, answered row or -1) — in
        chunks, so pair inputs (4 x dim floats a row) never take much memory."""
        heads = self.model.heads
        names = [name for name, _, _ in heads.groups[kind].bounds]
        parts: dict[str, list[npt.NDArray[np.float32]]] = {name: [] for name in names}
        if names:
            padded = np.concatenate([embeddings, np.zeros((1, heads.dim), np.float32)])
            for start in range(0, len(keys), CHUNK):
                chunk = keys[start : start + CHUNK]
                e = padded[[k[0] for k in chunk]]
                x = e if kind == "self" else pair_input(e, padded[[k[1] for k in chunk]])
                for name, out in heads.run(kind, x).items():
                    parts[name].append(out)
        return _Outputs(self, {name: np.concatenate(p) for name, p in parts.items()})

    @staticmethod
    def _head_horseman(
        value: str | None, tense: bool, reassuring: bool, answering: bool, validating: bool = False
    ) -> str | None:
        """The head's horseman, except stonewalling outside tension — read alone, "ok", "no" or
        "cool" look like shutting down, but only a row makes them so (codebook) — defensiveness
        in a message that answers nothing (the head reads a complaint that opens an exchange, "you
        said you'd book the mot and you didn't", as defensive; there is nothing yet to defend
        against), and any horseman in reassurance or in what the rules read as validating, which
        the head reads as criticism ("you're not your dad", "of course you're gutted")."""
        if reassuring or validating or (value == "stonewalling" and not tense):
            return None
        if value == "defensiveness" and not answering:
            return None
        return value

    def _emotion_labels(self, probs: npt.NDArray[np.float32]) -> list[str]:
        """Labels at or above their thresholds, most probable first; ``neutral`` alone if none."""
        passing = probs >= self._emotion_thresholds
        passing[self._neutral] = False
        hits = np.flatnonzero(passing)
        if not len(hits):
            return ["neutral"]
        ranked = hits[np.argsort(-probs[hits], kind="stable")]
        return [self._emotion_names[j] for j in ranked.tolist()]

    def _record(
        self,
        item: Item,
        heads: Mapping[str, Any],
        cue: rules.Cues,
        context: Sequence[rules.Cues],
    ) -> dict[str, Any]:
        """The record of ``item``; ``context``: the rules' cues of the messages before it, the
        last being the one it answers."""
        tense = rules.tense(context)
        question = cue.question
        listening = heads["listening"]
        mi = heads["mi_behaviour"]
        if question.pure:
            if listening not in ("restatement", "reflection_of_feelings"):
                listening = "question"
            if mi != "reflection":
                mi = "question"
        is_question = question.is_question or mi == "question" or listening == "question"
        question_type = (question.type or heads["question_type"]) if is_question else None
        after_repair = rules.after_repair(context)
        horseman, repair, fired = cue.in_context(tense, after_repair)
        reassuring = bool(context) and rules.reassures(context[-1], cue)
        horseman = self._checked_horseman(
            horseman
            or self._head_horseman(
                heads["horseman"], tense, reassuring, bool(context), cue.validation == "validating"
            ),
            heads,
            any(name.startswith("horseman.") for name in fired),
            tense,
        )
        repair_features = (
            bool(repair or heads["repair"]),
            any(name.startswith("repair.") for name in fired),
            tense,
            after_repair,
            bool(context),
            horseman is not None,
        )
        return {
            "id": item.id,
            "emotions": heads["emotions"],
            "emotion_labels": heads["emotion_labels"],
            "listening": listening,
            "empathy": {key: heads[head] for key, head in EMPATHY.items()},
            "mi_behaviour": mi,
            "question_type": question_type,
            "reflection_type": heads["reflection_type"] if mi == "reflection" else None,
            "intimacy": heads["intimacy"],
            "validation": self._checked_validation(
                cue.validation or heads["validation"], cue.validation, heads, bool(context)
            ),
            "disclosure": max(heads["disclosure"], cue.disclosure),
            "horseman": horseman,
            "antidote": cue.antidote or heads["antidote"],
            "repair": self._checked_repair(repair_features, heads),
            "safety": [s for s in SAFETY if s in cue.safety or s in heads["safety"]],
            "link": heads["link"],
            "valence": heads["valence"],
            "arousal": heads["arousal"],
            "counts": cue.counts.as_dict(),
            "cues": list(fired),
            "model": self.model.fit,
            **({"reach": heads["reach"]} if "reach" in heads else {}),
            **(
                {
                    "safety_words": heads["safety_read"].words,
                    "safety_probability": heads["safety_read"].probability,
                    "safety_likely": heads["safety_read"].likely,
                }
                if "safety_read" in heads
                else {}
            ),
        }
