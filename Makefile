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

# The suite runs on three workers, each with a sandbox of its own (JOBS=0: in one process, serially).
# Three on two cores: the tests wait on sandboxes and timers as much as they compute (2 m 42 s vs 3 m 16 s).
JOBS ?= 3

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
