# Two entry points for a new user: `make demo` and `make test`.
# Both create the virtual environment from the pinned lock file when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast coverage lint typecheck bench lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,dask]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/denial-ml demo

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The same suite under coverage (line coverage, CLI and server subprocesses included): a quarter more CPU, so it is
# not the test command CI runs within its 15 minutes.
coverage: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup --cov=denial_ml --cov-report=term:skip-covered

# The unit tier: every test not marked `slow` (no trained model, large world, server, browser, notebook or CLI process).
# Serial: two xdist workers each import and collect the suite, which costs more than they save on these tests.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/lint-imports

lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) data/synthetic/* models/* mlflow.db mlartifacts
