"""Measure the sim runner: build times and smoke-bench throughput.

Run ``python -m macforge.sim.benchmark`` from the project root. It builds the fixture adders
(``verif/tests/fixtures/smoke_add8.v``) in a fresh temporary cache and prints:

- clean build: nothing cached, the Verilator runtime library is compiled too (this is
  what cocotb's stock runner pays for every design);
- new design: another design once the runtime objects are cached (what each further
  unit configuration costs);
- cached: a second :func:`sim.runner.build` call for a finished configuration;
- vectors/s of the 65,536-vector smoke bench, combinational and clocked: the bench loop
  alone and end to end (simulator start-up included).

``--trace`` adds the same figures for trace-capable builds (the waveform re-run path).

``--units A.v B.v`` instead measures builds of two emitted units (``macforge emit ...``;
each ``X.v`` needs its ``X.json`` metadata beside it), each repeat in a fresh cache:

- (a) clean build of A with every cache empty;
- (b) clean build of B right after, caches warm (what each further unit costs);
- (c) second :func:`build` call of B, nothing changed; and, for comparison, the
  toolchain's own no-change rebuild of B (Verilator and make re-run on the finished
  build directory, as cocotb's runner does without a stamp file).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import tempfile
import time
from pathlib import Path

from macforge.sim.runner import (
    SIMULATORS,
    available_simulators,
    build,
    run,
    selected_simulator,
)

FIXTURE = Path(__file__).resolve().parents[1] / "verif" / "tests" / "fixtures" / "smoke_add8.v"
BENCH = "macforge.verif.benches.smoke_bench"
VECTORS = 65_536
UNITS = {
    "smoke_add8": {"top": "smoke_add8", "latency": 0, "clock": None, "reset": None},
    "smoke_add8_reg": {"top": "smoke_add8_reg", "latency": 1, "clock": "clk", "reset": "rst"},
}
_RATE_RE = re.compile(r"([0-9.]+) vectors/s")


def _bench_rate(log_path: Path) -> float:
    rates = _RATE_RE.findall(log_path.read_text())
    if not rates:
        raise RuntimeError(f"the smoke bench printed no vectors/s line in {log_path}")
    return float(rates[-1])


def measure(*, simulator: str, repeats: int, waves: bool, build_root: Path) -> list[str]:
    """Build and run the fixtures; return report lines.

    Parameters
    ----------
    simulator : str
        One of :data:`sim.runner.SIMULATORS`.
    repeats : int
        Runs per unit; the median is reported.
    waves : bool
        Measure trace-capable builds (every run records a waveform).
    build_root : Path
        Empty directory used as the build cache.

    Returns
    -------
    list of str
        Human-readable report lines.
    """
    label = f"{simulator}{' +trace' if waves else ''}"
    lines = []
    tops = list(UNITS)
    clean = build([FIXTURE], tops[0], simulator=simulator, build_root=build_root,
                  waves=waves, metadata=UNITS[tops[0]])
    lines.append(f"{label}: clean build ({tops[0]}, empty cache): {clean.seconds:6.2f} s")
    fresh = build([FIXTURE], tops[1], simulator=simulator, build_root=build_root,
                  waves=waves, metadata=UNITS[tops[1]])
    lines.append(f"{label}: new design ({tops[1]}, warm cache): {fresh.seconds:6.2f} s")
    again = build([FIXTURE], tops[1], simulator=simulator, build_root=build_root,
                  waves=waves, metadata=UNITS[tops[1]])
    if not again.reused:
        raise RuntimeError(f"second build of {tops[1]} was not reused from {again.build_dir}")
    lines.append(f"{label}: cached build (second call):      {again.seconds * 1e3:6.2f} ms")
    for top, unit_build in ((tops[0], clean), (tops[1], fresh)):
        loop_rates, wall_times = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            result = run(unit_build, test_module=BENCH)
            wall_times.append(time.perf_counter() - started)
            loop_rates.append(_bench_rate(result.log_path))
        loop_rate = statistics.median(loop_rates)
        wall = statistics.median(wall_times)
        lines.append(
            f"{label}: {top:15s} {VECTORS} vectors: bench loop {loop_rate:9,.0f} vectors/s; "
            f"whole run {wall:5.2f} s = {VECTORS / wall:9,.0f} vectors/s"
        )
    return lines


def measure_units(sources: list[Path], *, simulator: str, repeats: int) -> list[str]:
    """Time clean, warm-cache and unchanged builds of two emitted units.

    Parameters
    ----------
    sources : list of Path
        Two Verilog files, each with its metadata JSON beside it (same stem).
    simulator : str
        One of :data:`sim.runner.SIMULATORS`.
    repeats : int
        Fresh caches to measure in; every figure is printed, the median first.

    Returns
    -------
    list of str
        Human-readable report lines.
    """
    units = [(source, json.loads(source.with_suffix(".json").read_text())) for source in sources]
    # Wall time and the compilers' CPU time (user + sys of child processes): on a shared
    # machine the CPU time moves far less with other people's load than the wall time.
    times: dict[str, list[tuple[float, float]]] = {}

    def timed_build(label, source, metadata, root):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        unit_build = build([source], metadata["top"], simulator=simulator,
                           build_root=Path(root), metadata=metadata)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = max(0.0, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        times.setdefault(label, []).append((unit_build.seconds, cpu))
        return unit_build

    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="macforge-simbench-") as root:
            timed_build(f"(a) clean {units[0][1]['top']}", *units[0], root)
            second = timed_build(f"(b) warm {units[1][1]['top']}", *units[1], root)
            again = timed_build(f"(c) unchanged {units[1][1]['top']}", *units[1], root)
            if not again.reused:
                raise RuntimeError(f"second build of {again.top} compiled again")
            second.stamp_path.unlink()
            timed_build("    toolchain no-change rebuild", *units[1], root)
    lines = []
    for label, figures in times.items():
        walls, cpus = zip(*figures)
        lines.append(
            f"{simulator}: {label:34s} wall {statistics.median(walls):7.3f} s "
            f"({', '.join(f'{wall:.3f}' for wall in walls)}); "
            f"CPU {statistics.median(cpus):6.2f} s"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (``python -m macforge.sim.benchmark``)."""
    parser = argparse.ArgumentParser(prog="python -m macforge.sim.benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulator", choices=SIMULATORS, default=None,
                        help="simulator to measure (default: MACFORGE_SIM, else verilator)")
    parser.add_argument("--all", action="store_true",
                        help="measure every available simulator")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs per unit; the median is printed (default 3)")
    parser.add_argument("--trace", action="store_true",
                        help="also measure trace-capable builds")
    parser.add_argument("--units", nargs=2, type=Path, metavar=("A.v", "B.v"),
                        help="measure builds (a), (b), (c) of these two emitted units")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats={args.repeats} must be at least 1")
    if args.units:
        for line in measure_units(args.units, simulator=args.simulator or selected_simulator(),
                                  repeats=args.repeats):
            print(line, flush=True)
        return 0
    simulators = available_simulators() if args.all else [args.simulator or selected_simulator()]
    for simulator in simulators:
        for waves in (False, True) if args.trace else (False,):
            with tempfile.TemporaryDirectory(prefix="macforge-simbench-") as root:
                for line in measure(simulator=simulator, repeats=args.repeats, waves=waves,
                                    build_root=Path(root)):
                    print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
