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

# The suite runs on four workers, each with a sandbox of its own (JOBS=0: in one process, serially).
# More workers than cores: the tests wait on sandboxes, timers and rate limits about as long as they compute
# (on 2 idle cores, 1,290 tests: 3 m 2 s - 3 m 41 s with four workers, 3 m 36 s with three).
JOBS ?= 4

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
