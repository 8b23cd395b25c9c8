"""Fixtures: a tiny signals model built in the test (real tokenizer, tiny encoder, random heads)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from attune.signals import Annotator
from attune.signals.model import PACKAGE_MODEL_DIR
from tests.signals.tiny_model import build_tiny_model

REAL_MODEL = PACKAGE_MODEL_DIR / "encoder.onnx"
needs_real_model = pytest.mark.skipif(
    not REAL_MODEL.exists(),
    reason=f"the shipped signals model is not built yet ({REAL_MODEL} is absent; `make train`)",
)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="session")
def annotator(tiny_model_dir: Path) -> Annotator:
    return Annotator.load(tiny_model_dir, threads=1)


def run_cli(
    *args: str, model_dir: Path | None, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``attune`` in a subprocess, with ATTUNE_MODEL_DIR pointing at ``model_dir``."""
    env = dict(os.environ)
    env.pop("ATTUNE_MODEL_DIR", None)
    if model_dir is not None:
        env["ATTUNE_MODEL_DIR"] = str(model_dir)
    command = (
        [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "attune", *args]
    )
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=300, check=False
    )
