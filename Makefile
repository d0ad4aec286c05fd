# macforge: `make report` (emit, synthesize, compare) and `make test` (full regression).
# Both create or refresh .venv from pyproject.toml first.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test processes: the benches are independent simulations, so they share the cores.
TEST_JOBS ?= auto

.PHONY: all venv report test bench lint clean

all: report

# Re-install whenever pyproject.toml changes; the editable install keeps sources live.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(STAMP)

venv: $(STAMP)

report: $(STAMP)
	$(BIN)/macforge report --out build/report --json build/report/report.json

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_JOBS)

bench: $(STAMP)
	$(BIN)/python -m macforge.gen.benchmark

clean:
	rm -rf build
