# Two entry points a fresh machine with Python 3.11 needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench bench-analyze train clean

DEV := $(VENV)/.dev-installed

# The product alone: what `make demo` needs.
$(BIN)/attune: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(BIN)/attune

# Test, lint and training tools (torch 2.13.0 CPU for the training smoke test).
$(DEV): $(BIN)/attune
	$(BIN)/pip install --quiet -e '.[dev,train]'
	touch $(DEV)

demo: $(BIN)/attune
	$(BIN)/attune demo

test: $(DEV)
	$(BIN)/python -m pytest; rc=$$?; [ $$rc -eq 5 ] && echo 'pytest: no tests collected' && rc=0; exit $$rc

lint: $(DEV)
	$(BIN)/ruff check src tests bench training
	$(BIN)/ruff format --check src tests bench training
	$(BIN)/mypy

bench: $(DEV)
	$(BIN)/pip install --quiet -e '.[bench]' || echo "whatstk did not install: the benchmark runs without the comparison"
	$(BIN)/python bench/import_whatsapp.py

# `attune analyze` of a 50,000-message two-year chat; needs the trained model (or BENCH_ARGS='--model DIR').
bench-analyze: $(BIN)/attune
	$(BIN)/python bench/analyze.py $(BENCH_ARGS)

# Fine-tunes the signals model (hours on 2 CPU cores) into src/attune/signals/model/; needs ../shared/data.
train: $(DEV)
	$(BIN)/python -m training.train $(TRAIN_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
