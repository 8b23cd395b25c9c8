# Two entry points a fresh machine with Python 3.11 needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench train clean

$(BIN)/attune: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/attune

demo: $(BIN)/attune
	$(BIN)/attune demo

test: $(BIN)/attune
	$(BIN)/python -m pytest; rc=$$?; [ $$rc -eq 5 ] && echo 'pytest: no tests collected' && rc=0; exit $$rc

lint: $(BIN)/attune
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(BIN)/attune
	$(BIN)/pip install --quiet -e '.[bench]' || echo "whatstk did not install: the benchmark runs without the comparison"
	$(BIN)/python bench/import_whatsapp.py

# Fine-tunes the signals model (hours on 2 CPU cores) into src/attune/signals/model/; needs ../shared/data.
train: $(BIN)/attune
	$(BIN)/pip install --quiet -e '.[dev,train]'
	$(BIN)/python -m training.train $(TRAIN_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
