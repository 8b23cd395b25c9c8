"""Fit the safety model and set the safety head's everyday thresholds.

    python -m training.train_safety               # writes safety.json, heads.json, the card

On rounds of safety examples by writers who never saw Attune's rules, the rules caught about a
third of the cases and the encoder's head, at thresholds that keep it quiet on everyday chat, about
half. This fits the two reads of ``attune.signals.safety`` — a logistic regression per safety kind
over word 1–3-grams, and one over the message's embedding — on ``training/labelled/safety.jsonl``
(every row but the ``test_internal`` ones), on everyday couple messages (``everyday.jsonl`` and the
dev dialogues: no safety case among them) and on the other labelled sets' messages, so it learns
what ordinary couple talk, quarrels included, looks like too.

- The L2 strengths are chosen by leave-one-round-out (a round: the rows of one writer, ``round``;
  the original set counts as two, its train and its dev rows), scored by the share of each held-out
  round's safety cases flagged: first the words' alone, then the embedding's in the mean.
- Each kind's threshold is where the mean flags ``--flag-rate`` of the everyday messages, read
  from scores of models that did not see them (the folds).
- Each kind's *likely* threshold is above every everyday message's score from those folds, and
  at least ``--likely-floor``: a message reaching it counts, with the rules' explicit matches,
  towards switching the coaching to safety resources.
- The head's thresholds are raised to where it flags ``--head-flag-rate`` of those messages: the
  safety model now carries recall, and the head adds what it sees beyond it.
- Figures on the ``test_internal`` rounds and dialogues go into the model card; they are never
  used to choose anything.

The embedding read belongs to the encoder it was fitted with: run this again after the encoder is
retrained (the model refuses to load otherwise).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from attune.signals import rules
from attune.signals.annotate import SAFETY, Annotator
from attune.signals.linear import PROBE, TOKEN_PATTERN, exported, normalise
from attune.signals.model import SignalsModel, default_model_dir
from attune.signals.safety import SAFETY_MODEL
from training import card
from training.evaluate_dialogues import DIALOGUES

SAFETY_ROWS = DIALOGUES.parent / "safety.jsonl"
WORD_STRENGTHS = (4.0, 8.0, 16.0, 32.0, 64.0)  # scikit-learn's C: inverse L2 strength
EMBEDDING_STRENGTHS = (0.015625, 0.0625, 0.25)
LIKELY_FLOOR = 0.96
"""A likely sign needs at least this probability. The highest everyday scores out of fold
(0.86–0.92) left the bundled sample chat with two false likely signs ("booking now before you
change your mind", coercive control 0.90, 0.94 in a later fit); a floor of 0.95 then left one in
the benchmark's 50,000-message chat ("honestly can't stop thinking about my hours", self-harm
0.954). 0.96 is above every message of both; the margins are thin, and the sample chat's test
guards them."""
LONGEST = 3  # word n-grams, 1 to 3 words
MIN_DF = 2
EVERYDAY = "everyday"
OTHER_SETS = "other labelled sets"
OTHER_FILES = ("validation", "disclosure", "conflict")  # couple messages coded for other signals
CARD_SECTION = "## Safety: the safety model and the head's thresholds"

F64 = npt.NDArray[np.float64]


class Rows(NamedTuple):
    texts: list[str]
    gold: npt.NDArray[np.bool_]  # [rows, SAFETY]
    rounds: list[str]
    split: list[str]  # "fit" or "test_internal"

    def without_cases(self, index: npt.NDArray[np.intp]) -> set[str]:
        """The rounds among ``index`` with no safety case: everyday messages, not a writer's
        safety round to hold out."""
        names = np.array([self.rounds[i] for i in index.tolist()])
        has_case = self.gold[index].any(axis=1)
        return {str(n) for n in np.unique(names) if not has_case[names == n].any()}


def load_rows(safety: Path = SAFETY_ROWS, dialogues: Path = DIALOGUES) -> Rows:
    """The safety examples; everyday couple messages (``everyday.jsonl`` and every message of the
    dialogues: no safety case among them); and the messages of the other labelled sets
    (validation, disclosure, conflict: not coded for safety, written without any, so they count
    as messages without a case, but not as everyday chat)."""
    texts: list[str] = []
    gold: list[list[bool]] = []
    rounds: list[str] = []
    split: list[str] = []

    def add(text: Any, labels: Sequence[str], name: str, part: str) -> None:
        texts.append(str(text))
        gold.append([kind in labels for kind in SAFETY])
        rounds.append(name)
        split.append("test_internal" if part == "test_internal" else "fit")

    def rows_of(path: Path) -> list[dict[str, Any]]:
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    for name in OTHER_FILES:
        for row in rows_of(safety.parent / f"{name}.jsonl"):
            if row.get("split") != "test_internal":
                add(row["text"], (), OTHER_SETS, "fit")
    for row in rows_of(safety):
        part = str(row.get("split", "train"))
        add(row["text"], row["label"], str(row.get("round") or f"r0-{part}"), part)
    for row in rows_of(safety.parent / "everyday.jsonl"):
        add(row["text"], (), EVERYDAY, "fit")
    for d in rows_of(dialogues):
        for m in d["messages"]:
            add(m["text"], (), EVERYDAY, d["split"])
    return Rows(texts, np.asarray(gold, dtype=bool), rounds, split)


def vectoriser(longest: int = LONGEST) -> Any:
    """Word 1–``longest``-grams as :class:`attune.signals.linear.LinearReads` reads them again
    (the horseman check's fit uses it too)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

    return TfidfVectorizer(
        preprocessor=normalise,
        token_pattern=TOKEN_PATTERN,
        ngram_range=(1, longest),
        min_df=MIN_DF,
        sublinear_tf=True,
    )


def regressions(x: Any, gold: npt.NDArray[np.bool_], strength: float) -> list[Any]:
    """One balanced logistic regression per safety kind."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    return [
        LogisticRegression(C=strength, max_iter=5000, class_weight="balanced").fit(x, gold[:, k])
        for k in range(len(SAFETY))
    ]


def fit(
    texts: Sequence[str], gold: npt.NDArray[np.bool_], strength: float
) -> tuple[Any, list[Any]]:
    """The word read: the vectoriser and its regressions."""
    vec = vectoriser()
    return vec, regressions(vec.fit_transform(list(texts)), gold, strength)


def scores(vec: Any, models: Sequence[Any], texts: Sequence[str]) -> F64:
    return probabilities(models, vec.transform(list(texts)))


def probabilities(models: Sequence[Any], x: Any) -> F64:
    return np.stack([m.predict_proba(x)[:, 1] for m in models], axis=1)


def folds(rows: Rows, fit_rows: npt.NDArray[np.intp], seed: int) -> npt.NDArray[np.intp]:
    """Each fit row's fold: its writer's round (rounds without a case, like the everyday
    messages, spread over the folds at random)."""
    negative = rows.without_cases(fit_rows)
    rounds = sorted({rows.rounds[i] for i in fit_rows} - negative)
    rng = np.random.default_rng(seed)
    fold = np.array(
        [rounds.index(r) if (r := rows.rounds[i]) not in negative else -1 for i in fit_rows]
    )
    spread = fold == -1
    fold[spread] = rng.integers(0, len(rounds), int(spread.sum()))
    return fold


def out_of_fold(
    rows: Rows,
    fit_rows: npt.NDArray[np.intp],
    fold: npt.NDArray[np.intp],
    read: Callable[[npt.NDArray[np.intp], npt.NDArray[np.intp]], F64],
) -> F64:
    """Scores of the fit rows, each from a model that did not see its fold; ``read(train,
    held)`` fits on rows ``train`` and scores rows ``held``."""
    out = np.zeros((len(fit_rows), len(SAFETY)))
    for f in range(int(fold.max()) + 1):
        out[fold == f] = read(fit_rows[fold != f], fit_rows[fold == f])
    return out


def thresholds_at(everyday_scores: F64, rate: float) -> F64:
    """Per kind, the score above which ``rate`` of the everyday messages fall."""
    return np.quantile(everyday_scores, 1.0 - rate, axis=0)


def likely_thresholds(everyday_scores: F64, thresholds: F64, floor: float) -> F64:
    """Per kind, just above the highest everyday score, and never under ``floor`` (nor the
    possible threshold)."""
    above = np.nextafter(everyday_scores.max(axis=0), np.inf)
    return np.maximum(np.maximum(above, floor), thresholds)


def caught(flagged: npt.NDArray[np.bool_], gold: npt.NDArray[np.bool_]) -> dict[str, Any]:
    """Share of safety cases flagged for any kind, per kind recall, and false flags on the
    round's examples without a safety label."""
    cases = gold.any(axis=1)
    out: dict[str, Any] = {
        "cases": int(cases.sum()),
        "any_recall": float(flagged.any(axis=1)[cases].mean()) if cases.any() else float("nan"),
        "flagged_without_label": (
            float(flagged.any(axis=1)[~cases].mean()) if (~cases).any() else float("nan")
        ),
    }
    for k, kind in enumerate(SAFETY):
        hit = flagged[:, k] & gold[:, k]
        out[f"{kind}_recall"] = float(hit.sum() / max(1, gold[:, k].sum()))
        out[f"{kind}_precision"] = float(hit.sum() / max(1, flagged[:, k].sum()))
    return out


def per_round(
    rows: Rows, index: npt.NDArray[np.intp], flagged: npt.NDArray[np.bool_]
) -> dict[str, Any]:
    """:func:`caught` for each round in ``index`` (``flagged`` aligned with it); rounds without a
    case as the share flagged."""
    out: dict[str, Any] = {}
    names = [rows.rounds[i] for i in index.tolist()]
    negative = rows.without_cases(index)
    for name in sorted(set(names), key=lambda n: (n not in (EVERYDAY, OTHER_SETS), n)):
        mask = np.array([n == name for n in names])
        if name in negative:
            out[name] = {"messages": int(mask.sum()), "flagged": float(flagged[mask].any(1).mean())}
        else:
            out[name] = caught(flagged[mask], rows.gold[index[mask]])
    return out


def mean_recall(rows: Rows, fit_rows: npt.NDArray[np.intp], oof: F64, rate: float) -> float:
    """The held-out rounds' mean any-kind recall at thresholds flagging ``rate`` of everyday."""
    everyday = np.array([rows.rounds[i] == EVERYDAY for i in fit_rows.tolist()])
    rounds = per_round(rows, fit_rows, oof >= thresholds_at(oof[everyday], rate))
    return float(np.mean([r["any_recall"] for r in rounds.values() if "any_recall" in r]))


def choose(
    what: str, candidates: Sequence[float], recall_of: Callable[[float], tuple[float, F64]]
) -> tuple[float, F64, dict[str, float]]:
    """The candidate strength with the best held-out recall, its fold scores, and all tried."""
    tried: dict[str, float] = {}
    best: tuple[float, float, F64] | None = None
    for strength in candidates:
        recall, oof = recall_of(strength)
        tried[f"{strength:g}"] = round(recall, 4)
        print(f"[safety] {what} C {strength:g}: held-out rounds' mean recall {recall:.3f}")
        if best is None or recall > best[0] + 1e-9:
            best = (recall, strength, oof)
    assert best is not None
    return best[1], best[2], tried


def export(
    vec: Any,
    words: Sequence[Any],
    embedding: Sequence[Any],
    thresholds: F64,
    likely: F64,
    probe: npt.NDArray[np.float32],
    meta: dict[str, Any],
) -> dict[str, Any]:
    reads = exported(
        vec,
        [m.coef_[0] for m in words],
        [m.intercept_[0] for m in words],
        [m.coef_[0] for m in embedding],
        [m.intercept_[0] for m in embedding],
        probe,
    )
    return {
        "version": 1,
        "labels": list(SAFETY),
        "thresholds": [round(float(t), 6) for t in thresholds],
        "likely_thresholds": [round(float(np.ceil(t * 1e6) / 1e6), 6) for t in likely],
        **meta,
        **reads,
    }


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", type=Path, default=None, help="signals model folder")
    p.add_argument("--safety", type=Path, default=SAFETY_ROWS)
    p.add_argument("--dialogues", type=Path, default=DIALOGUES)
    p.add_argument("--flag-rate", type=float, default=0.005, help="word model, per kind")
    p.add_argument("--head-flag-rate", type=float, default=0.001, help="head, per kind")
    p.add_argument(
        "--likely-floor",
        type=float,
        default=LIKELY_FLOOR,
        help="the least probability of a likely sign",
    )
    p.add_argument("--seed", type=int, default=13)
    args = p.parse_args(argv)
    folder = args.model or default_model_dir()
    rows = load_rows(args.safety, args.dialogues)
    fit_rows = np.array([i for i, s in enumerate(rows.split) if s == "fit"])
    test_rows = np.array([i for i, s in enumerate(rows.split) if s == "test_internal"])
    everyday = np.array([rows.rounds[i] == EVERYDAY for i in fit_rows.tolist()])

    encoder = SignalsModel.load(folder, safety=False)
    embeddings = encoder.encode(rows.texts)
    fold = folds(rows, fit_rows, args.seed)

    def words_recall(strength: float) -> tuple[float, F64]:
        def read(train: npt.NDArray[np.intp], held: npt.NDArray[np.intp]) -> F64:
            vec, models = fit([rows.texts[i] for i in train], rows.gold[train], strength)
            return scores(vec, models, [rows.texts[i] for i in held])

        oof = out_of_fold(rows, fit_rows, fold, read)
        return mean_recall(rows, fit_rows, oof, args.flag_rate), oof

    word_c, word_oof, word_tried = choose("words", WORD_STRENGTHS, words_recall)

    def mean_recall_with(strength: float) -> tuple[float, F64]:
        def read(train: npt.NDArray[np.intp], held: npt.NDArray[np.intp]) -> F64:
            models = regressions(embeddings[train], rows.gold[train], strength)
            return probabilities(models, embeddings[held])

        oof = (word_oof + out_of_fold(rows, fit_rows, fold, read)) / 2.0
        return mean_recall(rows, fit_rows, oof, args.flag_rate), oof

    embedding_c, oof, embedding_tried = choose(
        "words + embedding", EMBEDDING_STRENGTHS, mean_recall_with
    )
    thresholds = thresholds_at(oof[everyday], args.flag_rate)
    likely = likely_thresholds(oof[everyday], thresholds, args.likely_floor)
    texts = [rows.texts[i] for i in fit_rows]
    vec, words = fit(texts, rows.gold[fit_rows], word_c)
    embedding = regressions(embeddings[fit_rows], rows.gold[fit_rows], embedding_c)
    words_alone = thresholds_at(word_oof[everyday], args.flag_rate)
    fitted = {
        "fit": {
            "word_strength": word_c,
            "embedding_strength": embedding_c,
            "tried": {"words": word_tried, "words + embedding": embedding_tried},
            "flag_rate": args.flag_rate,
            "rows": sum(1 for i in fit_rows if rows.rounds[i] not in (EVERYDAY, OTHER_SETS)),
            "everyday_messages": int(everyday.sum()),
            "other_messages": sum(1 for i in fit_rows if rows.rounds[i] == OTHER_SETS),
            "held_out_rounds": per_round(rows, fit_rows, oof >= thresholds),
            "held_out_rounds_likely": per_round(rows, fit_rows, oof >= likely),
            "likely_thresholds": [round(float(t), 3) for t in likely],
            "likely_floor": args.likely_floor,
            "held_out_rounds_words_alone": per_round(rows, fit_rows, word_oof >= words_alone),
        }
    }
    probe = encoder.encode([PROBE])[0]
    path = folder / SAFETY_MODEL
    payload = export(vec, words, embedding, thresholds, likely, probe, fitted)
    path.write_text(json.dumps(payload) + "\n", encoding="utf-8")
    print(f"[safety] wrote {path} ({len(vec.vocabulary_)} n-grams, C {word_c:g} / {embedding_c:g})")

    model = SignalsModel.load(folder)
    head_thresholds = head_everyday_thresholds(model, rows, fit_rows, args.head_flag_rate)
    write_head_thresholds(folder, head_thresholds)
    annotator = Annotator.load(folder)
    test = evaluate_test(annotator, rows, test_rows) if len(test_rows) else {}
    write_card(folder, fitted["fit"], head_thresholds, args.head_flag_rate, test)
    for name, result in test.items():
        print(f"[safety] test_internal {name}: {json.dumps(result)}")


def head_everyday_thresholds(
    model: SignalsModel, rows: Rows, fit_rows: npt.NDArray[np.intp], rate: float
) -> dict[str, float]:
    """Per kind, the head's threshold: where it flags ``rate`` of the everyday messages."""
    texts = [rows.texts[i] for i in fit_rows.tolist() if rows.rounds[i] == EVERYDAY]
    probs = model.heads.run("self", model.encode(texts))["safety"]
    return {
        label: round(float(np.quantile(probs[:, k], 1.0 - rate)), 3)
        for k, label in enumerate(model.heads.specs["safety"].labels)
    }


def write_head_thresholds(folder: Path, thresholds: dict[str, float]) -> None:
    from training.train import dump_heads_json

    path = folder / "heads.json"
    meta = json.loads(path.read_text())
    labels = meta["heads"]["safety"]["labels"]
    meta["heads"]["safety"]["thresholds"] = [thresholds[label] for label in labels]
    path.write_text(dump_heads_json(meta))


def evaluate_test(
    annotator: Annotator, rows: Rows, test_rows: npt.NDArray[np.intp]
) -> dict[str, Any]:
    """What ``attune annotate`` flags (rules, safety model and head together) on the
    test_internal rounds and dialogues, and the safety model alone."""
    texts = [rows.texts[i] for i in test_rows.tolist()]
    model = annotator.model
    assert model.safety is not None
    flags = model.safety.flags(texts, model.encode(texts))
    alone = np.array([[k in f for k in SAFETY] for f in flags], dtype=bool)
    records = [annotator.annotate_one(t) for t in texts]
    shipped = np.array([[k in r["safety"] for k in SAFETY] for r in records], dtype=bool)
    switching = np.array(
        [
            [k in rules.cues(t).safety or k in r.get("safety_likely", ()) for k in SAFETY]
            for t, r in zip(texts, records, strict=True)
        ],
        dtype=bool,
    )
    return {
        "annotate": per_round(rows, test_rows, shipped),
        "switching": per_round(rows, test_rows, switching),
        "safety_model": per_round(rows, test_rows, alone),
    }


def write_card(
    folder: Path,
    fitted: dict[str, Any],
    head: dict[str, float],
    head_rate: float,
    test: dict[str, Any],
) -> None:
    def line(name: str, r: dict[str, Any]) -> str:
        if "flagged" in r:
            what = {EVERYDAY: "everyday dialogue messages", OTHER_SETS: OTHER_SETS}.get(name, name)
            return f"| {what} ({r['messages']}, no case) | flagged {r['flagged']:.1%} | | | | |"
        return (
            f"| {name} ({r['cases']} cases) | {r['any_recall']:.2f} | "
            + " | ".join(f"{r[f'{k}_recall']:.2f}" for k in SAFETY)
            + f" | {r['flagged_without_label']:.2f} |"
        )

    header = (
        "| round | any kind | threat | coercive control | self-harm | flagged without label |\n"
        "|---|---:|---:|---:|---:|---:|\n"
    )

    def table(results: dict[str, Any]) -> str:
        return header + "\n".join(line(n, r) for n, r in results.items()) + "\n"

    body = (
        "`safety` in `attune annotate` is the union of the rules (explicit wording), the safety "
        "model (`safety.json`, `attune.signals.safety`: the mean of two logistic regressions per "
        "kind, one over word 1–3-grams, one over the message's embedding) and the head. The "
        "safety model was fitted by `python -m training.train_safety` on every row of "
        "`training/labelled/safety.jsonl` but the test_internal ones "
        f"({fitted['rows']} rows), {fitted['everyday_messages']} everyday couple messages "
        "(`everyday.jsonl` and the dev dialogues; no safety case among them) and "
        f"{fitted['other_messages']} messages of the other labelled sets (validation, "
        "disclosure, conflict: quarrels, hurt and fear, none of them a safety case); L2 "
        f"strengths C = {fitted['word_strength']:g} (words) and "
        f"{fitted['embedding_strength']:g} (embedding) chosen by leave-one-round-out; each "
        f"kind's threshold flags {fitted['flag_rate']:.1%} of the everyday messages (scores "
        "from models that had not seen them). The head's thresholds were raised to where it "
        f"alone flags {head_rate:.1%} of them: "
        + ", ".join(f"`{k}` {v:.3f}" for k, v in head.items())
        + ".\n\nSafety model alone, each round held out (recall; last column: share of the "
        "round's examples without a safety label that it flags):\n\n"
        + table(fitted["held_out_rounds"])
        + "\nThe words alone, the same way (thresholds at the same everyday rate):\n\n"
        + table(fitted["held_out_rounds_words_alone"])
        + "\nAt the likely thresholds ("
        + ", ".join(
            f"`{k}` {v:.3f}" for k, v in zip(SAFETY, fitted["likely_thresholds"], strict=True)
        )
        + ": above every everyday message's out-of-fold score, and at least "
        + f"{fitted['likely_floor']:g}), the same way:\n\n"
        + table(fitted["held_out_rounds_likely"])
    )
    if test:
        body += (
            "\nHeld-out test_internal rounds (writers whose rows were never used to fit or "
            "choose anything), **as `attune annotate` flags them** (rules, safety model and head "
            "together):\n\n"
            + table(test["annotate"])
            + "\nThe safety model alone on the same rows:\n\n"
            + table(test["safety_model"])
            + "\nWhat switches the coaching to safety resources (a rule's explicit match or the "
            "safety model at its likely threshold) on the same rows:\n\n" + table(test["switching"])
        )
    if test:
        shipped = test["annotate"]
        cases = [r for r in shipped.values() if "any_recall" in r]
        missed = 1.0 - float(np.mean([r["any_recall"] for r in cases]))
        body += (
            f"\nSo about {missed:.0%} of unseen safety messages pass unflagged, and "
            f"{shipped[EVERYDAY]['flagged']:.1%} of ordinary couple messages are flagged.\n"
        )
    body += (
        "\nSafety detection is a prompt to look, never an all-clear. The rules' explicit "
        "matches and the safety model's likely signs switch the coaching to safety resources "
        "(`attune.measures.safety`); what else the safety model and the head raise is listed "
        "as possible signs for a person to read.\n"
    )
    card.replace_section(folder / "MODEL_CARD.md", CARD_SECTION, body)


if __name__ == "__main__":
    main()
