"""Fit the repair check on the dev dialogues and the labelled everyday messages.

    python -m training.train_repair               # writes repair.json and a card section

The rules and the repair head, as ``attune annotate`` combines them, had a repair F1 of about 0.64
on the dev dialogues' rounds. This fits one logistic regression (``attune.signals.repair``) on
every message of the dev dialogues and of everyday.jsonl: whether the rules and head decided a
repair, whether a repair rule fired, whether the exchange is tense, whether the message answers a
repair attempt or answers at all, whether it carries a horseman, the head's log-probabilities, the
message's word 1–2-grams, its embedding and its embedding times the answered message's, against
whether the message is a repair attempt. The L2 strength and the threshold are chosen by
leave-one-round-out (a round = the dialogues of one hundred ids, mostly one writer), scored by the
pooled F1 of the held-out rounds. The test_internal dialogues are scored once, for the model card,
and never used to choose anything.

Run it after ``train_validation`` and before ``train_bids``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from attune.signals import rules
from attune.signals.annotate import Annotator
from attune.signals.heads import pair_input
from attune.signals.linear import PROBE, exported
from attune.signals.model import SignalsModel, default_model_dir
from attune.signals.repair import FEATURES, REPAIR_MODEL
from training import card, checks
from training.checks import EMBEDDING_SCALE, dialogue_messages, pair_embeddings
from training.train_safety import vectoriser

STRENGTHS = (0.3, 1.0, 3.0, 10.0)  # scikit-learn's C: inverse L2 strength
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.8, 0.05))
CARD_SECTION = "## The repair check (`repair.json`)"


class Rows(NamedTuple):
    texts: list[str]
    features: npt.NDArray[np.float64]  # [messages, FEATURES]
    replies: npt.NDArray[np.float32]  # the message's embedding
    products: npt.NDArray[np.float32]  # … times the answered message's (zeros: answers none)
    gold: npt.NDArray[np.bool_]
    rounds: npt.NDArray[np.int64]
    decided: npt.NDArray[np.bool_]  # what the rules and head decided, before the check


def dialogue_rows(dialogues: Sequence[dict[str, Any]], annotator: Annotator) -> Rows:
    """Per message of the (two-person) dialogues, what the check reads, as the annotator
    computes it. The annotator must not have a repair check (``repair=False``): the decision
    read is the rules' and head's."""
    model = annotator.model
    assert model.repair is None
    texts, answered, feats, gold, rounds = [], [], [], [], []
    for round_, item, record, m in dialogue_messages(dialogues, annotator):
        context = [rules.cues(t) for t in item.context[-4:]]
        texts.append(item.text)
        answered.append(item.context[-1] if item.context else None)
        feats.append(
            [
                record["repair"],
                any(c.startswith("repair.") for c in record["cues"]),
                rules.tense(context),
                rules.after_repair(context),
                bool(item.context),
                record["horseman"] is not None,
            ]
        )
        gold.append(bool(m["repair"]))
        rounds.append(round_)
    replies, contexts = pair_embeddings(model, texts, answered)
    probs = model.heads.run("pair", pair_input(replies, contexts))["repair"]
    p_repair = annotator.repair_probabilities(probs).astype(np.float64)
    base = np.asarray(feats, dtype=np.float64)
    head = np.log(np.column_stack([1.0 - p_repair, p_repair]) + 1e-6)
    return Rows(
        texts,
        np.hstack([base, head]),
        replies,
        replies * contexts,
        np.asarray(gold),
        np.asarray(rounds),
        base[:, 0] > 0,
    )


def design(rows: Rows, vec: Any) -> Any:
    return checks.design(rows.features, rows.replies, rows.products, rows.texts, vec)


def leave_one_round_out(rows: Rows) -> tuple[float, float, dict[str, Any]]:
    """The strength and threshold with the best pooled F1 of held-out rounds, and the table."""
    return checks.yes_no_leave_one_round_out("repair", rows, design, STRENGTHS, THRESHOLDS)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    checks.add_arguments(p, [checks.EVERYDAY, checks.REPLIES])
    args = p.parse_args(argv)
    folder = args.model or default_model_dir()
    dev, test = checks.load_dialogues(args.data, args.messages)

    base = SignalsModel.load(folder, repair=False)
    rows = dialogue_rows(dev, Annotator(base))
    strength, threshold, table = leave_one_round_out(rows)
    vec = vectoriser(checks.LONGEST).fit(rows.texts)
    fitted = checks.regression(design(rows, vec), rows.gold, strength)
    weights = fitted.coef_[0]
    k, dim = len(FEATURES), rows.replies.shape[1]
    reads = exported(
        vec,
        [weights[k + 2 * dim :]],
        [fitted.intercept_[0]],
        [weights[k : k + dim] * EMBEDDING_SCALE],
        [0.0],
        base.encode([PROBE])[0],
    )
    payload = {
        "version": 1,
        "features": list(FEATURES),
        "feature_weights": [round(float(w), 6) for w in weights[:k]],
        "pair_weights": [
            [round(float(w), 6) for w in weights[k + dim : k + 2 * dim] * EMBEDDING_SCALE]
        ],
        "threshold": threshold,
        "fit": checks.fit_record(rows, table, strength=strength),
        **reads,
    }
    path = folder / REPAIR_MODEL
    path.write_text(json.dumps(payload) + "\n", encoding="utf-8")
    print(f"[repair] wrote {path} (C {strength:g}, threshold {threshold:.2f}); {table}")

    before, after = checks.test_scores(test, base, folder)
    write_card(folder, payload["fit"], threshold, before, after)
    return 0


def write_card(
    folder: Path,
    fit: dict[str, Any],
    threshold: float,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    rounds = checks.rounds_text(fit["per_round"])
    body = (
        "The rules and the repair head decide first; the repair check "
        "(`attune.signals.repair`) reads that decision again: one logistic regression over "
        "whether a repair was decided, whether a repair rule fired, whether the exchange is "
        "tense, whether the message answers a repair attempt or answers at all, whether it "
        "carries a horseman, the head's log-probabilities, the message's word 1–2-grams, its "
        "embedding and its embedding times the answered message's. Fitted by "
        f"`python -m training.train_repair` on {checks.fitted_on(fit)}; "
        f"C {fit['strength']:g} and threshold {threshold:.2f} chosen by "
        "leave-one-round-out. Repair F1 of the held-out rounds, pooled: "
        f"{fit['pooled_f1']:.3f} (rules and head alone {fit['rules_and_head_f1']:.3f}); per "
        f"round: {rounds}. The rules were written on some of these rounds, so their figures "
        "there are optimistic.\n"
    )
    if before is not None and after is not None:
        body += (
            "\nOn the test_internal dialogues (never used to choose anything), repair F1 "
            f"{after['repair']['f1']:.3f} with the check, {before['repair']['f1']:.3f} without; "
            "per round: docs/measures.md.\n"
        )
    card.replace_section(folder / "MODEL_CARD.md", CARD_SECTION, body)


if __name__ == "__main__":
    raise SystemExit(main())
