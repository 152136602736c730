# ClientNest: `make demo` to try it, `make test` to check it, `make bench` to measure it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-loaded bench lint system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: set up .venv and run the main job end to end in a throwaway home
demo: $(STAMP)
	./scripts/demo.sh

## system-deps: PostgreSQL and a Secret Service for the real-part tests
system-deps:
	./scripts/system-deps.sh

## test: ruff, import-linter, and pytest against SQLite, PostgreSQL and a real keyring
test: system-deps $(STAMP)
	./scripts/test.sh

## test-loaded: the slow exactly-once publishing tests with a CPU burner on every core
test-loaded: system-deps $(STAMP)
	CLIENTNEST_TEST_BURN=1 ./scripts/test.sh tests/publishing -m slow

lint: $(STAMP)
	$(BIN)/ruff check clientnest_cli tests benchmarks
	$(BIN)/lint-imports

## bench: the workloads of BENCH.md, each next to its floor
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .demo-home *.egg-info
