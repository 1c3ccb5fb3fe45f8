# Fresh machine: `make demo` (watch a cohort run in minutes), `make test`.
# Each target creates .venv when missing and reinstalls the project into it
# only when pyproject.toml changed since the last install.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo dev test lint

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/mentorflow demo

dev: $(STAMP)
	$(BIN)/mentorflow dev

# Four test processes: most tests wait on real servers and windows, not the CPU
# (TEST_PROCESSES=0 runs them in one).
TEST_PROCESSES ?= 4

test: $(STAMP)
	$(BIN)/pytest -n $(TEST_PROCESSES)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
