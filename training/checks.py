"""What the checks' fitting scripts share (``train_validation``, ``train_repair``): the messages
of the dev dialogues as the annotator reads them, each message's and its answered message's
embeddings, and the design matrix of features, embeddings and word n-grams."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from attune.measures.analysis import signal_items
from attune.measures.exchanges import structure
from attune.signals.annotate import Annotator, Item
from attune.signals.model import SignalsModel
from training.evaluate_dialogues import conversation_of, dialogue_number

EMBEDDING_SCALE = 0.3  # the embeddings' columns are scaled so: they weigh less under one L2


def dialogue_messages(
    dialogues: Sequence[dict[str, Any]], annotator: Annotator
) -> Iterator[tuple[int, Item, dict[str, Any], dict[str, Any]]]:
    """Per message of the two-person dialogues: its round (a hundred ids, mostly one writer),
    the annotator's item and record, and the gold message."""
    for d in dialogues:
        senders = list(dict.fromkeys(m["sender"] for m in d["messages"]))
        if len(senders) < 2:
            continue
        items = signal_items(structure(conversation_of(d), (senders[0], senders[1])))
        records = annotator.annotate(items)
        for item, record, m in zip(items, records, d["messages"], strict=True):
            yield dialogue_number(d["id"]) // 100, item, record, m


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
