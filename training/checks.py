"""What the checks' fitting scripts share (``train_horseman``, ``train_validation``,
``train_repair``): the dev and test dialogues and the labelled single messages
(``everyday.jsonl``, ``replies.jsonl``), their messages as the annotator reads them, each
message's and its answered message's embeddings, the design matrix of features, embeddings and
word n-grams, and leave-one-round-out for a yes/no check."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from attune.measures.analysis import signal_items
from attune.measures.exchanges import structure
from attune.signals.annotate import Annotator, Item
from attune.signals.model import SignalsModel
from training.evaluate_dialogues import (
    DIALOGUES,
    conversation_of,
    dialogue_number,
    predict,
    prf,
    score,
)
from training.train_safety import vectoriser

EMBEDDING_SCALE = 0.3  # the embeddings' columns are scaled so: they weigh less under one L2
LONGEST = 2  # the checks read word 1–2-grams

EVERYDAY = DIALOGUES.parent / "everyday.jsonl"
REPLIES = DIALOGUES.parent / "replies.jsonl"
MESSAGE_ROUNDS = {
    "ea": (-1, "everyday ea", EVERYDAY.name),
    "eb": (-2, "everyday eb", EVERYDAY.name),
    "ec": (-3, "replies ec", REPLIES.name),
}
"""The labelled messages' rounds (each writer's): numbered below the dialogues' so that
leave-one-round-out holds each out in turn, and named for the card."""
CHECKED = ("horseman", "validation", "repair")  # what a labelled message is labelled with

R = TypeVar("R")  # a script's rows: texts first, then one array per field, row-aligned


def dialogue_messages(
    dialogues: Sequence[dict[str, Any]], annotator: Annotator
) -> Iterator[tuple[int, Item, dict[str, Any], dict[str, Any]]]:
    """Per message of the two-person dialogues: its round (a hundred ids, mostly one writer),
    the annotator's item and record, and the gold message."""
    for d in dialogues:
        senders = d.get("partners") or list(dict.fromkeys(m["sender"] for m in d["messages"]))
        if len(senders) < 2:
            continue
        items = signal_items(structure(conversation_of(d), (senders[0], senders[1])))
        records = annotator.annotate(items)
        round_ = d.get("round", dialogue_number(d["id"]) // 100)
        for item, record, m in zip(items, records, d["messages"], strict=True):
            if m.get("labelled", True):
                yield round_, item, record, m


def message_dialogues(path: Path = EVERYDAY) -> list[dict[str, Any]]:
    """Each labelled message (``everyday.jsonl``, ``replies.jsonl``) as a short dialogue: its
    context, unlabelled and said in turn by the two partners a minute apart, then the message.
    The dev dialogues are written dense in rows, hurt and repair; the everyday messages teach the
    checks how seldom ordinary chat carries any of them, the replies how "sorry" reads as
    sympathy, a lapse, a repair or a defence. None where the file is missing or unlabelled."""
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not all(all(key in row for key in CHECKED) for row in rows):
        return []
    out = []
    for row in rows:
        said = [*row["context"], row["text"]]
        partners = ["Sam", "Alex"] if len(said) % 2 else ["Alex", "Sam"]
        messages = [
            {
                "id": f"{row['id']}-{i}",
                "sender": partners[i % 2],
                "minutes": i,
                "text": text,
                "labelled": False,
                **{key: None for key in CHECKED},
            }
            for i, text in enumerate(said)
        ]
        messages[-1].update({"labelled": True, **{key: row[key] for key in CHECKED}})
        out.append(
            {
                "id": row["id"],
                "round": MESSAGE_ROUNDS[row["round"]][0],
                "partners": partners,
                "messages": messages,
            }
        )
    return out


def pair_embeddings(
    model: SignalsModel, texts: Sequence[str], answered: Sequence[str | None]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Each message's embedding and its answered message's (zeros where it answers none), as
    the annotator pairs them."""
    replies = model.encode(list(texts))
    contexts = np.zeros_like(replies)
    has = [i for i, a in enumerate(answered) if a is not None]
    if has:
        contexts[has] = model.encode([answered[i] or "" for i in has])
    return replies, contexts


def design(
    features: npt.NDArray[np.float64],
    replies: npt.NDArray[np.float32],
    products: npt.NDArray[np.float32],
    texts: Sequence[str],
    vec: Any,
) -> Any:
    """Features, scaled embeddings, scaled products, then the words' tf-idf: the columns the
    check's weights are exported from, in that order."""
    import scipy.sparse as sp  # type: ignore[import-untyped]

    dense = np.hstack([features, replies * EMBEDDING_SCALE, products * EMBEDDING_SCALE])
    return sp.hstack([sp.csr_matrix(dense), vec.transform(list(texts))]).tocsr()


def subset(rows: R, mask: npt.NDArray[np.bool_]) -> R:
    """The rows where ``mask`` holds (``rows``: a NamedTuple of the texts, then arrays)."""
    texts, *arrays = rows  # type: ignore[misc]
    kept = [t for t, keep in zip(texts, mask.tolist(), strict=True) if keep]
    return rows._make([kept, *(a[mask] for a in arrays)])  # type: ignore[attr-defined, no-any-return]


def regression(x: Any, y: npt.NDArray[Any], strength: float, *, balanced: bool = False) -> Any:
    """A logistic regression (multinomial for more than two classes) at L2 strength ``C``."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    weights = "balanced" if balanced else None
    return LogisticRegression(C=strength, max_iter=5000, class_weight=weights).fit(x, y)


def yes_no_leave_one_round_out(
    what: str,
    rows: Any,
    design: Callable[[Any, Any], Any],
    strengths: Sequence[float],
    thresholds: Sequence[float],
) -> tuple[float, float, dict[str, Any]]:
    """:func:`binary_leave_one_round_out` for a check whose ``rows`` have ``texts``, ``gold``,
    ``decided`` and ``rounds``, and whose ``design(rows, vectoriser)`` is its matrix: each held-out
    round scored by a regression fitted, vocabulary included, on the others."""

    def held_out(held: npt.NDArray[np.bool_], strength: float) -> npt.NDArray[np.float64]:
        part = subset(rows, ~held)
        vec = vectoriser(LONGEST).fit(part.texts)
        model = regression(design(part, vec), part.gold, strength)
        return np.asarray(model.predict_proba(design(subset(rows, held), vec))[:, 1])

    return binary_leave_one_round_out(
        what, rows.gold, rows.decided, rows.rounds, held_out, strengths, thresholds
    )


def add_arguments(parser: Any, messages: Sequence[Path], why: str = "") -> None:
    """The fitting scripts' shared options: ``--data`` (the dialogues) and ``--messages`` (the
    labelled messages fitted on too; ``why``: why the default leaves a file out)."""
    parser.add_argument("--model", type=Path, default=None, help="signals model folder")
    parser.add_argument("--data", type=Path, default=DIALOGUES)
    parser.add_argument(
        "--messages",
        type=Path,
        nargs="*",
        default=list(messages),
        help="labelled messages with their context, fitted on too (none: the dialogues alone)"
        + (f"; {why}" if why else ""),
    )


def fit_record(rows: Any, table: dict[str, Any], **chosen: float) -> dict[str, Any]:
    """The ``fit`` a check's file keeps: what leave-one-round-out chose, how many messages it was
    fitted on (``everyday``: of them, the labelled single messages), and the table."""
    return {
        **chosen,
        "messages": len(rows.texts),
        "everyday": int((rows.rounds < 0).sum()),
        **table,
    }


def test_scores(
    test: Sequence[dict[str, Any]], base: SignalsModel, folder: Path
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The test_internal dialogues scored without the check (``base``) and with the one just
    written to ``folder``, for the model card; None, None without test dialogues."""
    if not test:
        return None, None
    return score(predict(test, Annotator(base))), score(predict(test, Annotator.load(folder)))


def load_dialogues(
    path: Path, messages: Sequence[Path] = (EVERYDAY, REPLIES)
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What the checks are fitted and chosen on (the dev dialogues and the labelled messages of
    ``messages``) and the test_internal dialogues (scored once)."""
    dialogues = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return (
        [d for d in dialogues if d["split"] == "dev"]
        + [d for file in messages for d in message_dialogues(file)],
        [d for d in dialogues if d["split"] == "test_internal"],
    )


def round_entry(
    gold: npt.NDArray[np.bool_],
    check: npt.NDArray[np.bool_],
    decided: npt.NDArray[np.bool_],
    scores: tuple[float, float],
) -> dict[str, Any]:
    """One held-out round's line of the table: the check's and the rules' and head's scores
    (``scores``), and how many messages carry the signal and how many each flagged (all a round
    of everyday chat can show)."""
    return {
        "messages": len(gold),
        "gold": int(gold.sum()),
        "check_flagged": int(check.sum()),
        "rules_and_head_flagged": int(decided.sum()),
        "check": round(scores[0], 4),
        "rules_and_head": round(scores[1], 4),
    }


def f1(gold: npt.NDArray[np.bool_], pred: npt.NDArray[np.bool_]) -> float:
    return float(prf(gold.tolist(), pred.tolist())["f1"])


def binary_leave_one_round_out(
    what: str,
    gold: npt.NDArray[np.bool_],
    decided: npt.NDArray[np.bool_],
    rounds: npt.NDArray[np.int64],
    held_out: Callable[[npt.NDArray[np.bool_], float], npt.NDArray[np.float64]],
    strengths: Sequence[float],
    thresholds: Sequence[float],
) -> tuple[float, float, dict[str, Any]]:
    """The L2 strength and threshold with the best pooled F1 of the held-out rounds, and the
    table (per round, the check's F1 and the rules' and head's ``decided``). ``held_out(held,
    strength)``: the probabilities of the rows ``held`` from a model fitted on the others."""
    tried: dict[str, float] = {}
    best: tuple[float, float, float, npt.NDArray[np.float64]] | None = None
    for strength in strengths:
        oof = np.zeros(len(gold))
        for r in sorted(set(rounds.tolist())):
            held = rounds == r
            oof[held] = held_out(held, strength)
        for t in thresholds:
            score = f1(gold, oof >= t)
            tried[f"C {strength:g}, threshold {t:.2f}"] = round(score, 4)
            if best is None or score > best[0] + 1e-9:
                best = (score, strength, t, oof)
        print(f"[{what}] C {strength:g}: best held-out F1 {max(tried.values()):.3f}", flush=True)
    assert best is not None
    _, strength, threshold, oof = best
    per_round = {
        str(r): round_entry(
            gold[held],
            oof[held] >= threshold,
            decided[held],
            (f1(gold[held], oof[held] >= threshold), f1(gold[held], decided[held])),
        )
        for r in sorted(set(rounds.tolist()))
        if (held := rounds == r).any()
    }
    table = {
        "pooled_f1": round(f1(gold, oof >= threshold), 4),
        "rules_and_head_f1": round(f1(gold, decided), 4),
        "per_round": per_round,
    }
    return strength, threshold, table


def fitted_on(fit: dict[str, Any]) -> str:
    """What a check was fitted on, as the model card says it."""
    dialogues = fit["messages"] - fit.get("everyday", 0)
    text = f"the {dialogues} messages of the dev dialogues"
    if fit.get("everyday"):
        held = {r for r in fit["per_round"]}
        files = dict.fromkeys(
            f"`{file}`" for n, _, file in MESSAGE_ROUNDS.values() if str(n) in held
        )
        text += f" and {fit['everyday']} labelled messages with their context ({', '.join(files)})"
    return text


def rounds_text(per_round: dict[str, Any]) -> str:
    """The leave-one-round-out table as the model card says it: F1 per dialogue round; for the
    everyday messages, how many the check and the rules and head flagged against how many
    carry it."""
    names = {str(number): name for number, name, _ in MESSAGE_ROUNDS.values()}

    def everyday(name: str, v: dict[str, Any]) -> str:
        said = f"{name}: {v['check_flagged']} of {v['messages']} flagged"
        rules = f"rules and head {v['rules_and_head_flagged']}"
        if v["gold"]:
            said += f", F1 {v['check']:.3f}"
            rules += f", F1 {v['rules_and_head']:.3f}"
        return f"{said} ({rules}; {v['gold']} labelled)"

    return ", ".join(
        everyday(names[r], v)
        if r in names
        else f"{r}xx {v['check']:.3f} (rules and head {v['rules_and_head']:.3f})"
        for r, v in per_round.items()
    )
