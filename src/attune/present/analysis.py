"""``attune analyze`` glue: the signals cache, the model loaded only when needed, the analysis."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from attune.conversation import Conversation
from attune.measures.analysis import Analysis, analyze
from attune.measures.exchanges import analysable, couple
from attune.present.jsonl import write_lines
from attune.signals.jsonl import read_records, record_lines
from attune.signals.model import default_model_dir, model_fit

if TYPE_CHECKING:
    from attune.signals.annotate import Annotator, Progress


def cached_signals(
    cache: Path | None, conversation: Conversation, model: Path | None = None
) -> dict[str, dict[str, Any]]:
    """Records from the cache whose message still has the same text (edited ones are redone)
    and that this model wrote (:func:`~attune.signals.model.model_fit`): any refitted artefact,
    the safety model's alone included, or another version's rules make a record stale. Without an
    installed model the cache is all there is, and is taken as it is."""
    if cache is None or not cache.exists():
        return {}
    text_of = {m.id: m.text for m in conversation.messages}
    fit = model_fit(model or default_model_dir())
    return {
        mid: record
        for mid, record in read_records(cache).items()
        if mid in text_of
        and record.get("text") == text_of[mid]
        and (fit is None or record.get("model") == fit)
    }


def run_analysis(
    conversation: Conversation,
    *,
    model: Path | None = None,
    cache: Path | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """The analysis (the model loaded only if some signals are not cached); the cache is
    refreshed if given."""
    known = cached_signals(cache, conversation, model)
    annotator: Annotator | None = None
    ids = {m.id for m in analysable(conversation, couple(conversation))}
    if not ids <= known.keys():
        from attune.signals.annotate import Annotator

        annotator = Annotator.load(model)
    result = analyze(conversation, annotator, signals=known, progress=progress)
    if cache is not None and annotator is not None:
        texts = [m.text for m in result.structure.messages]
        write_lines(
            record_lines({**r, "text": t} for r, t in zip(result.signals, texts, strict=True)),
            cache,
        )
    return result
