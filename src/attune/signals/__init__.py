"""Per-message signals: emotions, listening, empathy, validation, horsemen, repair, safety.

One encoder pass per distinct text plus small numpy heads and rules (``docs/signals_model.md``;
the output contract is ``../shared/spec/interfaces.md`` §2). Run time needs only onnxruntime,
tokenizers and numpy, and never touches the network.

    from attune.signals import Annotator, Item
    annotator = Annotator.load()            # or Annotator.load("path/to/model")
    records = annotator.annotate([Item(id="m1", text="so sorry", context=("you forgot again",))])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attune.signals.model import MODEL_DIR_ENV, PACKAGE_MODEL_DIR, SignalsModel, default_model_dir

if TYPE_CHECKING:
    from attune.signals.annotate import Annotator, Item


def __getattr__(name: str) -> Any:
    """``Annotator`` and ``Item`` on first use: importing them compiles the rules (~0.2 s), which
    reading cached signals (``attune analyze --signals``) does not need."""
    if name in ("Annotator", "Item"):
        from attune.signals import annotate

        return getattr(annotate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MODEL_DIR_ENV",
    "PACKAGE_MODEL_DIR",
    "Annotator",
    "Item",
    "SignalsModel",
    "default_model_dir",
]
