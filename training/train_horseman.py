"""Fit the horseman check on the dev dialogues (training/labelled/dialogues.jsonl).

    python -m training.train_horseman             # writes horseman.json and a card section

The rules and the horseman head found the Four Horsemen with an any-horseman F1 of 0.52–0.58 on
the dialogues of the newest writers. This fits one logistic regression (``attune.signals.horseman``)
on every message of the dev dialogues: whether the rules and head decided a horseman, whether a
horseman rule fired, whether the exchange is tense, the head's probabilities, the message's word
1–2-grams and its embedding, against whether the message carries a horseman. L2 strength and
threshold are chosen by leave-one-round-out (a round = the dialogues of one hundred ids, mostly
one writer), scored by the pooled any-horseman F1 of the held-out rounds. The test_internal
dialogues are scored once, for the model card, and never used to choose anything.

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

from attune.measures.analysis import signal_items
from attune.measures.exchanges import structure
from attune.signals import rules
from attune.signals.annotate import Annotator
from attune.signals.horseman import FEATURES, HORSEMAN_MODEL
from attune.signals.linear import PROBE, exported
from attune.signals.model import SignalsModel, default_model_dir
from training import card
from training.evaluate_dialogues import (
    DIALOGUES,
    conversation_of,
    dialogue_number,
    predict,
    prf,
    score,
)
from training.train_safety import vectoriser

LONGEST = 2  # word 1–2-grams
STRENGTHS = (1.0, 3.0, 10.0)  # scikit-learn's C: inverse L2 strength
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.8, 0.05))
EMBEDDING_SCALE = 0.3  # the embedding's columns are scaled so: they weigh less under one L2
CARD_SECTION = "## The horseman check (`horseman.json`)"


class Rows(NamedTuple):
    texts: list[str]
    features: npt.NDArray[np.float64]  # [messages, FEATURES]
    gold: npt.NDArray[np.bool_]
    rounds: npt.NDArray[np.int64]
    decided: npt.NDArray[np.bool_]  # what the rules and head decided, before the check


def dialogue_rows(dialogues: Sequence[dict[str, Any]], annotator: Annotator) -> Rows:
    """Per message of the (two-person) dialogues, what the check reads."""
    texts, feats, gold, rounds, decided = [], [], [], [], []
    model = annotator.model
    none = model.heads.specs["horseman"].labels.index("none")
    for d in dialogues:
        senders = list(dict.fromkeys(m["sender"] for m in d["messages"]))
        if len(senders) < 2:
            continue
        items = signal_items(structure(conversation_of(d), (senders[0], senders[1])))
        records = annotator.annotate(items)
        head = model.heads.run("self", model.encode([item.text for item in items]))["horseman"]
        for i, (item, record, m) in enumerate(zip(items, records, d["messages"], strict=True)):
            tense = rules.tense([rules.cues(t) for t in item.context[-4:]])
            rule = any(c.startswith("horseman.") for c in record["cues"])
            p_none = float(head[i, none])
            feats.append(
                [record["horseman"] is not None, rule, tense, 1.0 - p_none, np.log(p_none + 1e-6)]
            )
            texts.append(item.text)
            gold.append(m["horseman"] is not None)
            rounds.append(dialogue_number(d["id"]) // 100)
            decided.append(record["horseman"] is not None)
    return Rows(
        texts,
        np.asarray(feats, dtype=np.float64),
        np.asarray(gold),
        np.asarray(rounds),
        np.asarray(decided),
    )


def subset(rows: Rows, mask: npt.NDArray[np.bool_]) -> Rows:
    return Rows(
        [t for t, keep in zip(rows.texts, mask.tolist(), strict=True) if keep],
        rows.features[mask],
        rows.gold[mask],
        rows.rounds[mask],
        rows.decided[mask],
    )


def design(rows: Rows, embeddings: npt.NDArray[np.float32], vec: Any) -> Any:
    import scipy.sparse as sp  # type: ignore[import-untyped]

    dense = np.hstack([rows.features, embeddings * EMBEDDING_SCALE])
    return sp.hstack([sp.csr_matrix(dense), vec.transform(rows.texts)]).tocsr()


def regression(x: Any, y: npt.NDArray[np.bool_], strength: float) -> Any:
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    return LogisticRegression(C=strength, max_iter=5000).fit(x, y)


def f1(gold: npt.NDArray[np.bool_], pred: npt.NDArray[np.bool_]) -> float:
    return float(prf(gold.tolist(), pred.tolist())["f1"])


def leave_one_round_out(
    rows: Rows, embeddings: npt.NDArray[np.float32]
) -> tuple[float, float, dict[str, Any]]:
    """The strength and threshold with the best pooled F1 of held-out rounds, and the table."""
    tried: dict[str, Any] = {}
    best: tuple[float, float, float, npt.NDArray[np.float64]] | None = None
    for strength in STRENGTHS:
        oof = np.zeros(len(rows.texts))
        for r in sorted(set(rows.rounds.tolist())):
            held = rows.rounds == r
            part = subset(rows, ~held)
            vec = vectoriser(LONGEST).fit(part.texts)
            model = regression(design(part, embeddings[~held], vec), part.gold, strength)
            oof[held] = model.predict_proba(design(subset(rows, held), embeddings[held], vec))[:, 1]
        for t in THRESHOLDS:
            score_t = f1(rows.gold, oof >= t)
            tried[f"C {strength:g}, threshold {t:.2f}"] = round(score_t, 4)
            if best is None or score_t > best[0] + 1e-9:
                best = (score_t, strength, t, oof)
        print(f"[horseman] C {strength:g}: best held-out F1 {max(tried.values()):.3f}", flush=True)
    assert best is not None
    _, strength, threshold, oof = best
    per_round = {}
    for r in sorted(set(rows.rounds.tolist())):
        held = rows.rounds == r
        per_round[str(r)] = {
            "check": round(f1(rows.gold[held], oof[held] >= threshold), 4),
            "rules_and_head": round(f1(rows.gold[held], rows.decided[held]), 4),
        }
    table = {
        "pooled_f1": round(f1(rows.gold, oof >= threshold), 4),
        "rules_and_head_f1": round(f1(rows.gold, rows.decided), 4),
        "per_round": per_round,
    }
    return strength, threshold, table


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", type=Path, default=None, help="signals model folder")
    p.add_argument("--data", type=Path, default=DIALOGUES)
    args = p.parse_args(argv)
    folder = args.model or default_model_dir()
    dialogues = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    dev = [d for d in dialogues if d["split"] == "dev"]
    test = [d for d in dialogues if d["split"] == "test_internal"]

    base = SignalsModel.load(folder, horseman=False)
    rows = dialogue_rows(dev, Annotator(base))
    embeddings = base.encode(rows.texts)
    strength, threshold, table = leave_one_round_out(rows, embeddings)
    vec = vectoriser(LONGEST).fit(rows.texts)
    fitted = regression(design(rows, embeddings, vec), rows.gold, strength)
    weights = fitted.coef_[0]
    k, dim = len(FEATURES), embeddings.shape[1]
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
        "fit": {"strength": strength, "messages": len(rows.texts), **table},
        **reads,
    }
    path = folder / HORSEMAN_MODEL
    path.write_text(json.dumps(payload) + "\n", encoding="utf-8")
    print(f"[horseman] wrote {path} (C {strength:g}, threshold {threshold:.2f}); {table}")

    checked = Annotator.load(folder)
    before = score(predict(test, Annotator(base))) if test else None
    after = score(predict(test, checked)) if test else None
    write_card(folder, payload["fit"], threshold, before, after)
    return 0


def write_card(
    folder: Path,
    fit: dict[str, Any],
    threshold: float,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    rounds = ", ".join(
        f"{r}xx {v['check']:.3f} (rules and head {v['rules_and_head']:.3f})"
        for r, v in fit["per_round"].items()
    )
    body = (
        "The rules and the horseman head decide first; the horseman check "
        "(`attune.signals.horseman`) reads that decision again: one logistic regression over "
        "whether a horseman was decided, whether a horseman rule fired, whether the exchange is "
        "tense, the head's probabilities, the message's word 1–2-grams and its embedding. Below "
        "its threshold the message carries no horseman; above it, the decided one, or the head's "
        "most probable. Fitted by `python -m training.train_horseman` on the "
        f"{fit['messages']} messages of the dev dialogues; C {fit['strength']:g} and threshold "
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
