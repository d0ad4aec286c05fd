"""``macforge verify``: check one configuration of a unit, as given, against its golden
model on the emitted Verilog.

The unit is emitted, built once inside its vector harness (cached by the simulator
runner), and streamed the vectors of :mod:`macforge.verif.unit_vectors`: every operand
pair where there are at most 2^18, the format's special values and random vectors
otherwise.  The bench and vectors are the regression's own.
"""

import time
from dataclasses import dataclass
from pathlib import Path

from macforge.sim import runner
from macforge.verif.benches.stream import REPORT_NAME, run_vectors
from macforge.verif.benches.vector_harness import build_in_harness
from macforge.verif.unit_vectors import UNIT_VECTORS, exhaustive

from .emit import emit
from .registry import get_unit

__all__ = ["VerifyResult", "verify", "VERIFIABLE"]

VERIFIABLE = tuple(UNIT_VECTORS)
"""The unit kinds ``verify`` checks: the fixed-latency ones."""


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify` checked and found.

    Attributes
    ----------
    top : str
    vectors : int
        Input vectors streamed (cycles, for a MAC).
    exhaustive : bool
        Whether every operand pair was among them.
    seconds : float
        The simulation's wall time, start-up included.
    build_seconds : float
        The build's, 0 when an earlier build was reused.
    failed : bool
        Whether the bench failed (a mismatch, or an error before comparing).
    mismatches : int
        Mismatching outputs.
    report : str
        The bench's report of the first mismatches ("" when none).
    waveform : Path or None
        The failing run's waveform.
    """

    top: str
    vectors: int
    exhaustive: bool
    seconds: float
    build_seconds: float
    failed: bool
    mismatches: int
    report: str
    waveform: Path | None

    @property
    def passed(self):
        return not self.failed


def verify(kind, params, *, out_dir, random_count=None, seed=0, simulator=None):
    """Emit ``kind`` with ``params`` into ``out_dir/<top>``, build it and check it; a
    :class:`VerifyResult`.  ``random_count``: random vectors where the input space is not
    covered exhaustively (default: the regression's).  Bad parameters raise ValueError or
    TypeError before anything is built; a missing simulator raises
    :class:`macforge.sim.verilator.SimulatorUnavailable`."""
    unit = get_unit(kind)
    if unit.kind not in UNIT_VECTORS:
        raise ValueError(f"verify checks the fixed-latency units ({', '.join(VERIFIABLE)}), "
                         f"not {unit.kind!r}, whose stream bench `make test` runs")
    resolved = unit.resolve(params)
    if random_count is not None and (isinstance(random_count, bool)
                                     or not isinstance(random_count, int) or random_count < 1):
        raise ValueError(f"vectors must be an integer >= 1, not {random_count!r}")
    simulator = runner.check_simulator(simulator)
    make_vectors = UNIT_VECTORS[unit.kind]
    options = {} if random_count is None else {"random_count": random_count}
    inputs = make_vectors(resolved, seed=seed, **options)
    top = unit.top_name(resolved)
    directory = Path(out_dir) / top
    emitted = emit(unit.kind, params, out_dir=directory)
    built = build_in_harness(emitted.verilog_path, emitted.metadata,
                             build_root=Path(out_dir) / "sim", simulator=simulator)
    run_dir = directory / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / REPORT_NAME).unlink(missing_ok=True)
    expected = unit.golden_model(params)(**inputs)
    started = time.perf_counter()
    result = run_vectors(built, unit.bench, inputs, expected, run_dir, check=False)
    seconds = time.perf_counter() - started
    report_path = run_dir / REPORT_NAME
    report = report_path.read_text() if report_path.is_file() else ""
    count = len(next(iter(inputs.values())))
    mismatches = int(report.split(" ", 1)[0]) if report else 0
    if result.failed and not report:
        report = f"the bench failed before comparing; log: {result.log_path}"
    return VerifyResult(top=top, vectors=count, exhaustive=exhaustive(unit.kind, resolved),
                        seconds=seconds, build_seconds=0.0 if built.reused else built.seconds,
                        failed=bool(result.failed), mismatches=mismatches, report=report,
                        waveform=result.waveform)

