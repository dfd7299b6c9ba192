# kyphocheck: the two commands in the README, and the ones CI and developers use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEMO_NOW := 2026-12-01T07:45-06:00

.PHONY: demo test lint bench attack clean system-deps

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

# The demo signs with a throwaway identity of its own, never the user's (git ignores it).
DEMO_ENV := XDG_CONFIG_HOME=$(CURDIR)/.demo-identity KYPHOCHECK_SIGNER_PASSPHRASE=demo-only-passphrase

## demo: install, then make and verify a signed record of the bundled (invented) example patient
demo: system-deps $(VENV)/.installed-demo
	@test -f .demo-identity/kyphocheck/signer.p12 || $(DEMO_ENV) $(BIN)/kyphocheck signer init \
		--name "Demo Nurse" --credentials RN > /dev/null
	$(DEMO_ENV) $(BIN)/kyphocheck run --answers examples/example-patient.yaml --non-interactive \
		--now $(DEMO_NOW) --out demo-records
	$(DEMO_ENV) $(BIN)/kyphocheck verify $$(ls -dt demo-records/*/ | head -n 1)

## test: install the test extras and run the whole suite
test: system-deps $(VENV)/.installed-dev
	$(BIN)/pytest

## lint: ruff, mypy (strict) and the import-linter contracts (stages import downwards only)
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check kyphocheck tests benchmarks
	$(BIN)/ruff format --check kyphocheck tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

## bench: startup and scripted-run timings (medians of whole-process runs)
bench: system-deps $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench.py

## attack: fuzzed answers files, the largest input, and a single-byte tamper sweep of a record
attack: system-deps $(VENV)/.installed-dev
	$(BIN)/python benchmarks/attack.py

clean:
	rm -rf $(VENV) demo-records .demo-identity .pytest_cache .mypy_cache .ruff_cache
