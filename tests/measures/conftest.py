"""The signals tests' tiny model, for the `attune analyze` tests here (fixtures are per folder)."""

from tests.signals.conftest import tiny_model_dir

__all__ = ["tiny_model_dir"]
