"""Per-message signals: emotions, listening, empathy, validation, horsemen, repair, safety.

One encoder pass per distinct text plus small numpy heads and rules (``docs/signals_model.md``;
the output contract is ``../shared/spec/interfaces.md`` §2). Run time needs only onnxruntime,
tokenizers and numpy, and never touches the network.

    from attune.signals import Annotator, Item
    annotator = Annotator.load()            # or Annotator.load("path/to/model")
    records = annotator.annotate([Item(id="m1", text="so sorry", context=("you forgot again",))])
"""

from attune.signals.annotate import Annotator, Item
from attune.signals.model import MODEL_DIR_ENV, PACKAGE_MODEL_DIR, SignalsModel, default_model_dir

__all__ = [
    "MODEL_DIR_ENV",
    "PACKAGE_MODEL_DIR",
    "Annotator",
    "Item",
    "SignalsModel",
    "default_model_dir",
]
