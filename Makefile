# Every target bootstraps .venv itself, so each works on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[sandbox,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/apigw-console --sandbox

# The suite runs on two workers, each with a sandbox of its own (JOBS=0: in one process, serially).
JOBS ?= 2

test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n $(JOBS) --dist worksteal

# The tests that need no sandbox: recorded AWS answers, parsers, rendering (well under 30 s).
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not sandbox"

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .import_linter_cache
