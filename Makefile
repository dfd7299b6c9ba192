# kyphocheck: the two commands in the README, and the ones CI and developers use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEMO_NOW := 2026-12-01T07:45-06:00

.PHONY: demo test lint bench clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-demo: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-demo

## system-deps: Pango, HarfBuzz-subset, fonts, openssl, poppler-utils (apt-get if missing)
system-deps:
	@bash scripts/system-deps.sh

## demo: install and run the bundled example patient end to end (unattended)
demo: system-deps $(VENV)/.installed-demo
	$(BIN)/kyphocheck run --answers examples/example-patient.yaml --non-interactive \
		--no-sign --now $(DEMO_NOW) --out demo-records

## test: install the test extras and run the whole suite
test: system-deps $(VENV)/.installed-dev
	$(BIN)/pytest

## lint: ruff and mypy (strict)
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check kyphocheck tests benchmarks
	$(BIN)/ruff format --check kyphocheck tests benchmarks
	$(BIN)/mypy

## bench: startup and scripted-run timings (medians of whole-process runs)
bench: system-deps $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) demo-records .pytest_cache .mypy_cache .ruff_cache
