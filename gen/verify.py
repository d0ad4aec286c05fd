"""``macforge verify``: check one configuration of a unit, as given, against its golden
model on the emitted Verilog, with the regression's own bench.

How a unit kind is checked is its entry of :data:`METHODS`:

- a fixed-latency unit (lmul, fmul, int_mac, fp_mac) runs inside its vector harness on
  the vectors of :mod:`macforge.verif.unit_vectors`: every operand pair where there are at
  most 2^18, the format's special values and random vectors otherwise; a vector is one
  cycle's inputs;
- a stream unit (systolic, bitserial_pe, bitparallel_pe) runs bare under its stream bench
  (:mod:`macforge.verif.benches.stream_cocotb`) on the regression's scenarios
  (:mod:`macforge.verif.systolic_scenarios`, :mod:`macforge.verif.bitserial_scenarios`):
  back to back and timed, random idle cycles, special values and extremes, a reset in the
  middle; its results are checked bit for bit and its timing against its metadata.  A
  vector is a work item: a tile (os array), a weight set with its rows (ws array), a dot
  product (PE); ``random_count`` sets the random idle stretch's items.

A run is :func:`prepare_verify` (every check of the request, nothing built) and
:func:`run_verify` in four steps, each reported to a
:class:`~.verify_progress.Progress`: emit, build (once
per configuration, cached under ``out_dir/sim``), vectors (the golden model's results)
and simulate.  The bench writes the counts of what it compared (``mismatches.json``)
beside the first mismatches (``mismatches.txt``); verify reads the counts.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from macforge.sim import runner
from macforge.verif import bitserial_scenarios, stream_work, systolic_scenarios
from macforge.verif.benches.stream import (COUNTS_NAME, PROGRESS_ENV, REPORT_NAME,
                                           read_counts, run_vector_file,
                                           save_vectors)
from macforge.verif.benches.stream_cocotb import build_stream_unit
from macforge.verif.benches.vector_harness import DEPTH, build_in_harness
from macforge.verif.unit_vectors import UNIT_VECTORS, exhaustive, unit_vectors

from .cli_support import check_count
from .emit import check_output_dir, prepare, write
from .registry import get_unit
from .verify_progress import STEPS, BarProgress, Progress

__all__ = ["Method", "METHODS", "Stimulus", "VerifyPlan", "VerifyResult", "Progress",
           "BarProgress", "STEPS", "prepare_verify", "run_verify", "verify"]

PROGRESS_NAME = "progress.txt"


@dataclass(frozen=True)
class Stimulus:
    """What one run streams into a unit's bench.

    Attributes
    ----------
    save : callable
        ``save(path)`` writes the vector file the bench reads.
    items : int
        Vectors (fixed-latency) or work items (stream).
    noun : str
        What an item is, plural: ``"vectors"``, ``"tiles"``, ``"weight sets"``,
        ``"dot products"``.
    beats : int
        Input beats: a vector's cycle, a beat taken on a stream channel.
    beat_noun : str
        What a beat is called in rates: ``"vectors"`` or ``"beats"``.
    coverage : str
        What the items cover, in a few words.
    """

    save: Callable
    items: int
    noun: str
    beats: int
    beat_noun: str
    coverage: str


@dataclass(frozen=True)
class Method:
    """How ``verify`` checks one kind of unit.

    Attributes
    ----------
    build : callable
        ``build(verilog_path, metadata, *, build_root, simulator) -> runner.Build``,
        cached by the simulator runner.
    stimulus : callable
        ``stimulus(unit, resolved, metadata, *, random_count, seed) -> Stimulus``;
        ``random_count`` None takes the regression's.
    random_limit : callable
        ``random_limit(kind, resolved) -> int``: the most random vectors or work items
        one run of that configuration takes.
    passed : str
        What a passing run has shown.
    """

    build: Callable
    stimulus: Callable
    random_limit: Callable
    passed: str


def _vectors(unit, resolved, metadata, *, random_count, seed):
    """A fixed-latency unit's vectors (:data:`~macforge.verif.unit_vectors.UNIT_VECTORS`)
    and the golden model's outputs."""
    inputs = unit_vectors(unit.kind, resolved, random_count=random_count, seed=seed)
    expected = unit.golden_model(resolved)(**inputs)
    count = len(next(iter(inputs.values())))
    coverage = ("every operand pair" if exhaustive(unit.kind, resolved)
                else "special values and random")
    return Stimulus(partial(save_vectors, inputs=inputs, expected=expected), count,
                    "vectors", count, "vectors", coverage)


def _scenarios(make_scenarios, noun, unit, resolved, metadata, *, random_count, seed):
    """A stream unit's scenarios: the regression's, ``random_count`` items in the random
    idle stretch; ``noun(resolved)`` names a work item."""
    scenarios = make_scenarios(resolved, metadata, seed=seed, random_items=random_count)
    beats = sum(len(next(iter(fields.values())))
                for scenario in scenarios for fields in scenario.streams.values())
    return Stimulus(partial(stream_work.save, scenarios=scenarios),
                    sum(len(scenario.work) for scenario in scenarios), noun(resolved),
                    beats, "beats", f"{len(scenarios)} scenarios")


def _harness_build(verilog_path, metadata, *, build_root, simulator):
    return build_in_harness(verilog_path, metadata, build_root=build_root, simulator=simulator)


def _harness_limit(kind, resolved):
    """The most random vectors that fit the harness's :data:`DEPTH` beside the directed
    ones, which take from a few hundred (a 32-bit multiplier) to 823k (a 9 x 9-bit
    int_mac); an fp_mac streams two random sequences.  Measured by making the vectors
    with 1 and 2 random ones: 0.1 s at most."""
    make = UNIT_VECTORS[kind]
    one, two = (len(next(iter(make(resolved, random_count=count, seed=0).values())))
                for count in (1, 2))
    per_count = two - one  # 0 where every pair is streamed and random_count unused
    return DEPTH if per_count == 0 else (DEPTH - (one - per_count)) // per_count


_FIXED_LATENCY = Method(_harness_build, _vectors, _harness_limit,
                        passed="all outputs match the golden model")


def _stream_limit(kind, resolved):
    # 10,000 tiles of a 2 x 2 array take 24 s (7 s of golden model, 17 s of simulation at
    # the bench's ~10k cycles/s), so 100,000 about 4 min; more would be a soak test, which
    # the random stretch is not meant to be.
    return 100_000


_STREAM_PASSED = "all results match the golden model and the timing its metadata states"

METHODS = {
    **{kind: _FIXED_LATENCY for kind in UNIT_VECTORS},
    "systolic": Method(
        build_stream_unit,
        partial(_scenarios, systolic_scenarios.bench_scenarios,
                lambda resolved: "tiles" if resolved["dataflow"] == "os" else "weight sets"),
        _stream_limit, _STREAM_PASSED),
    **{kind: Method(build_stream_unit,
                    partial(_scenarios, bitserial_scenarios.bench_scenarios,
                            lambda resolved: "dot products"),
                    _stream_limit, _STREAM_PASSED)
       for kind in ("bitserial_pe", "bitparallel_pe")},
}
"""Each unit kind's :class:`Method`."""


@dataclass(frozen=True)
class VerifyPlan:
    """A checked request, from :func:`prepare_verify`: nothing emitted or built yet."""

    unit: object
    method: Method
    resolved: dict
    prepared: object  # macforge.gen.emit.Prepared
    build_root: Path
    random_count: int | None
    seed: int
    simulator: str

    @property
    def top(self):
        return self.prepared.top


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`run_verify` checked and found.

    Attributes
    ----------
    top : str
    stimulus : Stimulus
        What was streamed: items, beats, coverage.
    passed_text : str
        What a pass shows (the kind's :attr:`Method.passed`).
    seconds : float
        The simulation's wall time, start-up included.
    build_seconds : float
        The build's, 0 when an earlier build was reused.
    failed : bool
        Whether the bench failed (a mismatch, a timing miss, or an error before
        comparing).
    counts : dict or None
        The bench's counts (``mismatches``; a stream bench's ``scenarios`` and ``failed``
        ones); None when it failed before comparing.
    report : str
        The bench's report of the failures ("" when none).
    waveform : Path or None
        The failing run's waveform.
    """

    top: str
    stimulus: Stimulus
    passed_text: str
    seconds: float
    build_seconds: float
    failed: bool
    counts: dict | None
    report: str
    waveform: Path | None

    @property
    def passed(self):
        return not self.failed

    @property
    def mismatches(self):
        """Mismatching outputs, as the bench counted them (0 when it counted none)."""
        return (self.counts or {}).get("mismatches", 0)

    def summary(self):
        """One line: what was checked, in what time and at what rate, and the verdict."""
        stimulus = self.stimulus
        checked = f"{stimulus.items:,} {stimulus.noun}"
        if stimulus.beat_noun != stimulus.noun:
            checked += f", {stimulus.beats:,} {stimulus.beat_noun}"
        built = f", build {self.build_seconds:.1f} s" if self.build_seconds else ""
        rate = f"{_rate(stimulus.beats / self.seconds)} {stimulus.beat_noun}/s with start-up"
        streamed = (self.counts or {}).get("stream_seconds")
        if streamed:
            rate = f"{_rate(stimulus.beats / streamed)} {stimulus.beat_noun}/s streamed, {rate}"
        return (f"{self.top}: {checked} ({stimulus.coverage}) in {self.seconds:.2f} s "
                f"({rate}){built}: {self.passed_text if self.passed else self._failure()}")

    def _failure(self):
        counts = self.counts or {}
        parts = [f"{self.mismatches} mismatching outputs"] if self.mismatches else []
        if counts.get("failed"):
            parts.append(f"{len(counts['failed'])} of {counts['scenarios']} scenarios failed")
        return ", ".join(parts) or "the bench failed"


def _rate(per_second):
    return f"{per_second / 1000:.0f}k" if per_second >= 10_000 else f"{per_second:,.0f}"


def prepare_verify(kind, params, *, out_dir, random_count=None, seed=0, simulator=None,
                   build_dir=None):
    """Check a request to verify ``kind`` with ``params``: the unit, its parameters, the
    counts, the simulator and ``out_dir``; a :class:`VerifyPlan`.

    Parameters
    ----------
    kind : str
        A unit kind of :data:`METHODS`.
    params : dict
        The unit's parameters as given (text or values; missing ones take defaults).
    out_dir : path-like
        The unit goes to ``out_dir/<top>``, its build to ``out_dir/sim``, the run to
        ``out_dir/<top>/run``.
    random_count : int or None
        Random vectors (fixed-latency units, where the input space is not covered
        exhaustively) or random work items (stream units); None: the regression's.
    seed : int
        Seed of the random vectors or work items, >= 0.
    simulator : str or None
        ``"verilator"`` or ``"icarus"``; None: ``$MACFORGE_SIM``, else Verilator.
    build_dir : path-like or None
        Where builds and their compiler cache are kept instead of ``out_dir/sim``: runs
        into different ``out_dir`` share them this way.

    Raises
    ------
    ValueError, TypeError
        For bad input, naming the parameter, the value and what is allowed; nothing has
        been written then.
    macforge.sim.verilator.SimulatorUnavailable
        When the simulator is missing.
    """
    unit = get_unit(kind)
    method = METHODS.get(unit.kind)
    if method is None:
        raise ValueError(f"verify has no method for unit {unit.kind!r}; it checks "
                         f"{', '.join(METHODS)}")
    resolved = unit.resolve(params)
    if random_count is not None:
        check_count("vectors", random_count, least=1,
                    most=method.random_limit(unit.kind, resolved),
                    limit_of="one run of this configuration")
    check_count("seed", seed, least=0)
    simulator = runner.check_simulator(simulator)
    build_root = (Path(out_dir) / "sim" if build_dir is None
                  else check_output_dir(build_dir, name="build-dir"))
    # Last: it creates the unit's directory, once everything else is known to be good.
    prepared = prepare(unit.kind, params, out_dir=Path(out_dir) / unit.top_name(resolved))
    return VerifyPlan(unit, method, resolved, prepared, build_root, random_count, seed,
                      simulator)


def run_verify(plan, *, progress=None):
    """Emit, build and check a :class:`VerifyPlan`; a :class:`VerifyResult`.
    ``progress``: a :class:`Progress` told of each step (default: none)."""
    progress = progress or Progress()
    progress.step("emit")
    emitted = write(plan.prepared)
    progress.step("build")
    built = plan.method.build(emitted.verilog_path, emitted.metadata,
                              build_root=plan.build_root, simulator=plan.simulator)
    progress.step("vectors")
    stimulus = plan.method.stimulus(plan.unit, plan.resolved, emitted.metadata,
                                    random_count=plan.random_count, seed=plan.seed)
    run_dir = emitted.verilog_path.parent / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    # What an earlier run left must not pass for this run's.
    for name in (REPORT_NAME, COUNTS_NAME, PROGRESS_NAME):
        (run_dir / name).unlink(missing_ok=True)
    watch = (run_dir / PROGRESS_NAME).resolve()  # the bench runs in run_dir
    progress.step("simulate", watch=watch, total=stimulus.items, noun=stimulus.noun)
    started = time.perf_counter()
    result = run_vector_file(built, plan.unit.bench, run_dir, stimulus.save, check=False,
                             extra_env={PROGRESS_ENV: str(watch)})
    seconds = time.perf_counter() - started
    report_path = run_dir / REPORT_NAME
    report = report_path.read_text() if report_path.is_file() else ""
    if result.failed and not report:
        report = f"the bench failed before comparing; log: {result.log_path}"
    return VerifyResult(top=plan.top, stimulus=stimulus, passed_text=plan.method.passed,
                        seconds=seconds, build_seconds=0.0 if built.reused else built.seconds,
                        failed=not result.ok, counts=read_counts(run_dir), report=report,
                        waveform=result.waveform)


def verify(kind, params, *, out_dir, random_count=None, seed=0, simulator=None,
           build_dir=None, progress=None):
    """:func:`prepare_verify`, then :func:`run_verify`: check one configuration of a
    unit on its emitted Verilog; a :class:`VerifyResult`."""
    plan = prepare_verify(kind, params, out_dir=out_dir, random_count=random_count,
                          seed=seed, simulator=simulator, build_dir=build_dir)
    return run_verify(plan, progress=progress)
