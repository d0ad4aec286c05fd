# macforge: `make report` (emit, synthesize, compare; build/report/report.md, results.csv,
# results.json; results cached in build/cache) and the three test tiers. All create
# or refresh .venv from pyproject.toml first.
#
# Test tiers:
#   make test-fast  golden models, number formats, parameter validation, metadata and
#                   emission, and every registered unit on Amaranth's simulator against
#                   its golden model: every test not marked `slow` (a test that builds
#                   with Verilator or Icarus, lints, or synthesizes with Yosys is).
#   make test       the regression: the fast tier plus the cocotb benches of the emitted
#                   Verilog, formal proofs, lint checks, the simulation runner and
#                   synthesis.
#   make test-long  the sweeps too long for the regression (tests marked `long`): every
#                   generic format's proof, and exhaustive sweeps of wide formats.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test processes: the benches are independent simulations, so they share the cores.
TEST_JOBS ?= auto

.PHONY: all venv report test test-fast test-long bench bench-arrays bench-dequant lint clean

all: report

# Re-install whenever pyproject.toml changes; the editable install keeps sources live.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(STAMP)

venv: $(STAMP)

report: $(STAMP)
	$(BIN)/macforge report --out build/report

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_JOBS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not long" -n $(TEST_JOBS)

test-long: $(STAMP)
	$(BIN)/python -m pytest -m long -n $(TEST_JOBS)

bench: $(STAMP)
	$(BIN)/python -m macforge.gen.benchmark

# INT8 systolic arrays: 8x8 cells against OpenTPU's, 16x16 emission and synthesis times.
bench-arrays: $(STAMP)
	$(BIN)/python -m macforge.gen.benchmark --arrays

# Dequantization PEs: cycles per beat and per group measured, cells x cycles per group.
bench-dequant: $(STAMP)
	$(BIN)/python -m macforge.gen.benchmark --dequant

clean:
	rm -rf build
