"""Fit the horseman check on the dev dialogues and the labelled everyday messages.

    python -m training.train_horseman             # writes horseman.json and a card section

The rules and the horseman head found the Four Horsemen with an any-horseman F1 of 0.52–0.58 on the
dialogues of the newest writers. This fits one logistic regression (``attune.signals.horseman``) on
every message of the dev dialogues and of everyday.jsonl: whether the rules and head decided a
horseman, whether a horseman rule fired, whether the exchange is tense, the head's probabilities,
the message's word 1–2-grams and its embedding, against whether the message carries a horseman. L2
strength and threshold are chosen by leave-one-round-out (a round = the dialogues of one hundred
ids, mostly one writer), scored by the pooled any-horseman F1 of the held-out rounds. The
test_internal dialogues are scored once, for the model card, and never used to choose anything.

Run it after ``evaluate_dialogues --tune-confidence`` (it reads the heads' decisions) and before
``train_bids`` (bids read the horsemen).
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
from attune.signals.horseman import FEATURES, HORSEMAN_MODEL
from attune.signals.linear import PROBE, exported
from attune.signals.model import SignalsModel, default_model_dir
from training import card, checks
from training.checks import EMBEDDING_SCALE
from training.train_safety import vectoriser

STRENGTHS = (1.0, 3.0, 10.0)  # scikit-learn's C: inverse L2 strength
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.8, 0.05))
CARD_SECTION = "## The horseman check (`horseman.json`)"


class Rows(NamedTuple):
    texts: list[str]
    features: npt.NDArray[np.float64]  # [messages, FEATURES]
    embeddings: npt.NDArray[np.float32]  # the message's
    gold: npt.NDArray[np.bool_]
    rounds: npt.NDArray[np.int64]
    decided: npt.NDArray[np.bool_]  # what the rules and head decided, before the check


def dialogue_rows(dialogues: Sequence[dict[str, Any]], annotator: Annotator) -> Rows:
    """Per message of the (two-person) dialogues, what the check reads; every text encoded
    once, for the head's probabilities and the embedding read alike."""
    texts, feats, gold, rounds = [], [], [], []
    model = annotator.model
    for round_, item, record, m in checks.dialogue_messages(dialogues, annotator):
        tense = rules.tense([rules.cues(t) for t in item.context[-4:]])
        rule = any(c.startswith("horseman.") for c in record["cues"])
        feats.append([record["horseman"] is not None, rule, tense])
        texts.append(item.text)
        gold.append(m["horseman"] is not None)
        rounds.append(round_)
    embeddings = model.encode(texts)
    none = model.heads.specs["horseman"].labels.index("none")
    p_none = model.heads.run("self", embeddings)["horseman"][:, none].astype(np.float64)
    base = np.asarray(feats, dtype=np.float64)
    return Rows(
        texts,
        np.column_stack([base, 1.0 - p_none, np.log(p_none + 1e-6)]),
        embeddings,
        np.asarray(gold),
        np.asarray(rounds),
        base[:, 0] > 0,
    )


def design(rows: Rows, vec: Any) -> Any:
    import scipy.sparse as sp  # type: ignore[import-untyped]

    dense = np.hstack([rows.features, rows.embeddings * EMBEDDING_SCALE])
    return sp.hstack([sp.csr_matrix(dense), vec.transform(rows.texts)]).tocsr()


def leave_one_round_out(rows: Rows) -> tuple[float, float, dict[str, Any]]:
    """The strength and threshold with the best pooled F1 of held-out rounds, and the table."""
    return checks.yes_no_leave_one_round_out("horseman", rows, design, STRENGTHS, THRESHOLDS)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    checks.add_arguments(
        p,
        [checks.EVERYDAY],
        "not replies.jsonl by default: dense in horsemen, it pulled the threshold to 0.25"
        " and the everyday messages held out got 12 false horsemen instead of 5",
    )
    args = p.parse_args(argv)
    folder = args.model or default_model_dir()
    dev, test = checks.load_dialogues(args.data, args.messages)

    base = SignalsModel.load(folder, horseman=False)
    rows = dialogue_rows(dev, Annotator(base))
    strength, threshold, table = leave_one_round_out(rows)
    vec = vectoriser(checks.LONGEST).fit(rows.texts)
    fitted = checks.regression(design(rows, vec), rows.gold, strength)
    weights = fitted.coef_[0]
    k, dim = len(FEATURES), rows.embeddings.shape[1]
    reads = exported(
        vec,
        [weights[k + dim :]],
        [fitted.intercept_[0]],
        [weights[k : k + dim] * EMBEDDING_SCALE],
        [0.0],
        base.encode([PROBE])[0],
    )
    payload = {
        "version": 1,
        "features": list(FEATURES),
        "feature_weights": [round(float(w), 6) for w in weights[:k]],
        "threshold": threshold,
        "fit": checks.fit_record(rows, table, strength=strength),
        **reads,
    }
    path = folder / HORSEMAN_MODEL
    path.write_text(json.dumps(payload) + "\n", encoding="utf-8")
    print(f"[horseman] wrote {path} (C {strength:g}, threshold {threshold:.2f}); {table}")

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
        "The rules and the horseman head decide first; the horseman check "
        "(`attune.signals.horseman`) reads that decision again: one logistic regression over "
        "whether a horseman was decided, whether a horseman rule fired, whether the exchange is "
        "tense, the head's probabilities, the message's word 1–2-grams and its embedding. Below "
        "its threshold the message carries no horseman; above it, the decided one, or the head's "
        "most probable. Fitted by `python -m training.train_horseman` on "
        f"{checks.fitted_on(fit)}; C {fit['strength']:g} and threshold "
        f"{threshold:.2f} chosen by leave-one-round-out. Any-horseman F1 of the held-out rounds, "
        f"pooled: {fit['pooled_f1']:.3f} (rules and head alone {fit['rules_and_head_f1']:.3f}); "
        f"per round: {rounds}. The rules were written on some of these rounds, so their figures "
        "there are optimistic.\n"
    )
    if before is not None and after is not None:
        body += (
            "\nOn the test_internal dialogues (never used to choose anything), any-horseman F1 "
            f"{after['horseman_any']['f1']:.3f} with the check, "
            f"{before['horseman_any']['f1']:.3f} without; per round: docs/measures.md.\n"
        )
    card.replace_section(folder / "MODEL_CARD.md", CARD_SECTION, body)


if __name__ == "__main__":
    raise SystemExit(main())
