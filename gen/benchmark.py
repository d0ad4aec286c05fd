"""Print measured figures beside the targets macforge holds itself to (``make bench``).

Gate counts of lmul and fmul for e4m3 and their ratio, and the wall time of an
exhaustive 65,536-pair simulation of each after its Verilator build; the MACs' gate
counts and the FP8-versus-INT8 and L-Mul-versus-exact ratios.  With ``--emission``,
instead, the time to emit Verilog for rows of 1 to 256 IntMACs (``--sizes`` to choose),
which should grow linearly.  With ``--arrays``, the INT8 systolic arrays: cells of the
8x8 ones against OpenTPU's, and the emission and synthesis times of the 16x16 ones.
With ``--dequant``, the dequantization PEs (:mod:`.dequant_benchmark`).
Figures are printed with their targets; nothing here asserts, so a slow machine never
fails a test.

    python -m macforge.gen.benchmark [--out build/bench]
    python -m macforge.gen.benchmark --emission [--sizes 1 4 16 64 256]
    python -m macforge.gen.benchmark --arrays
    python -m macforge.gen.benchmark --dequant
"""

import argparse
import tempfile
import time
from pathlib import Path

from macforge.formats import FloatFormat
from macforge.verif.benches.stream import read_counts, run_vectors
from macforge.verif.benches.vector_harness import build_in_harness
from macforge.verif.mac_array import IntMACArray
from macforge.verif.vectors import exhaustive_pairs

from .dequant_benchmark import dequant_figures
from .emit import emit, prepare, write
from .registry import get_unit
from .report import count_gates, ratio_rows, synthesize
from .verilog import convert

# Targets, printed beside the figures: a miss is reported, never asserted.
CELL_TARGETS = {"lmul": 85, "fmul": 275}
RATIO_TARGET = 0.35
SIMULATION_TARGET_SECONDS = 2.0
# Vectors per second through the harness, the simulator's and Python's start-up aside.
STREAM_TARGET_PER_SECOND = 200_000
INT_MAC_CELL_TARGET = 520
# fp_mac(e4m3 -> acc) / int_mac(8x8 -> 32) must beat the Qualcomm paper's figures.
FP_INT_RATIO_TARGETS = {"fp16": 1.53, "fp32": 2.83}
# Seconds to emit a row of N IntMACs, on the 2-core machine.
EMISSION_SIZES = (1, 4, 16, 64, 256)
EMISSION_TARGET_SECONDS = {64: 15.0, 256: 60.0}
# OpenTPU's 8x8 INT8 array in the same generic-gate flow; the arrays aim at 0.75 of it.
OPENTPU_8X8_CELLS = 42_633
ARRAY_CELL_TARGET = round(0.75 * OPENTPU_8X8_CELLS)
ARRAY_EMISSION_TARGET_SECONDS = 60.0


def _verdict(ok):
    return "meets target" if ok else "MISSES target"


def gate_counts(out_dir):
    results = {}
    for kind in ("lmul", "fmul"):
        top = get_unit(kind).top_name(get_unit(kind).resolve({"format": "e4m3"}))
        results[kind] = synthesize(prepare(kind, {"format": "e4m3"}, out_dir=out_dir / top))
    for kind, result in results.items():
        print(f"{result['top']:<12} {result['cells']:>5} cells  (target <= {CELL_TARGETS[kind]}: "
              f"{_verdict(result['cells'] <= CELL_TARGETS[kind])})")
    ratio = results["lmul"]["cells"] / results["fmul"]["cells"]
    print(f"lmul/fmul e4m3 {ratio:.3f}        (target <= {RATIO_TARGET}: "
          f"{_verdict(ratio <= RATIO_TARGET)})")


def mac_gate_counts(out_dir):
    int_mac = get_unit("int_mac")
    fp_mac = get_unit("fp_mac")
    rows = []
    for unit, configs in ((int_mac, [{}]), (fp_mac, fp_mac.report_configs)):
        for config in configs:
            top = unit.top_name(unit.resolve(config))
            rows.append(synthesize(prepare(unit.kind, config, out_dir=out_dir / top)))
    int_row = rows[0]
    print(f"{int_row['top']:<24} {int_row['cells']:>5} cells  (target <= {INT_MAC_CELL_TARGET}: "
          f"{_verdict(int_row['cells'] <= INT_MAC_CELL_TARGET)})")
    for row in rows[1:]:
        print(f"{row['top']:<24} {row['cells']:>5} cells")
    by_top = {row["top"]: row for row in rows}
    for ratio in ratio_rows(rows):
        numerator, denominator = by_top[ratio["numerator"]], by_top[ratio["denominator"]]
        if denominator["kind"] == "int_mac":
            limit = FP_INT_RATIO_TARGETS[numerator["params"]["acc_format"]]
            target, ok = f"<= {limit}", ratio["ratio"] <= limit
        else:
            # L-Mul against the exact product: strictly smaller is the target.
            target, ok = "< 1", ratio["ratio"] < 1
        print(f"{ratio['comparison']:<36} {ratio['ratio']:.3f}  (target {target}: {_verdict(ok)})")


def exhaustive_simulation(out_dir):
    fmt = FloatFormat.parse("e4m3")
    a, b = exhaustive_pairs(fmt)
    for kind in ("lmul", "fmul"):
        unit = get_unit(kind)
        params = {"format": "e4m3"}
        emitted = emit(kind, params, out_dir=out_dir / "units")
        started = time.perf_counter()
        build = build_in_harness(emitted.verilog_path, emitted.metadata,
                                 build_root=out_dir / "sim")
        build_seconds = time.perf_counter() - started
        with tempfile.TemporaryDirectory(prefix="macforge_bench_") as directory:
            result = run_vectors(build, unit.bench, {"a": a, "b": b},
                                 unit.golden_model(params)(a=a, b=b), directory)
            streamed = a.size / read_counts(directory)["stream_seconds"]
        print(f"{emitted.top:<12} 65,536 pairs: {result.seconds:.2f} s simulation incl. start-up "
              f"({a.size / result.seconds / 1000:.0f}k vectors/s), build {build_seconds:.1f} s "
              f"(target <= {SIMULATION_TARGET_SECONDS} s: "
              f"{_verdict(result.seconds <= SIMULATION_TARGET_SECONDS)})")
        print(f"{'':<12} streamed at {streamed / 1000:.0f}k vectors/s without start-up "
              f"(target >= {STREAM_TARGET_PER_SECOND // 1000}k: "
              f"{_verdict(streamed >= STREAM_TARGET_PER_SECOND)})")


def emission_times(sizes=EMISSION_SIZES):
    """Emit :class:`~macforge.verif.mac_array.IntMACArray` of each size; print the seconds."""
    for count in sizes:
        component = IntMACArray(count)
        started = time.perf_counter()
        converted = convert(component, name=f"int_mac_array_{count}")
        seconds = time.perf_counter() - started
        target = EMISSION_TARGET_SECONDS.get(count)
        verdict = (f"  (target <= {target:.0f} s: {_verdict(seconds <= target)})"
                   if target is not None else "")
        print(f"emit {count:>4} IntMACs {seconds:7.2f} s  {1000 * seconds / count:5.0f} ms per PE  "
              f"{converted.text.count(chr(10)):>8,} lines{verdict}", flush=True)


def array_figures(out_dir, sizes=(8, 16)):
    """Emit and synthesize the INT8 (signed, 32-bit accumulator) arrays of each size in
    both dataflows; print cells, cells per PE, and the seconds each step took."""
    unit = get_unit("systolic")
    for size in sizes:
        for dataflow in ("ws", "os"):
            params = {"rows": size, "cols": size, "pe": "int_mac", "dataflow": dataflow}
            top = unit.top_name(unit.resolve(params))
            prepared = prepare("systolic", params, out_dir=out_dir / top)
            started = time.perf_counter()
            emitted = write(prepared)
            emitted_at = time.perf_counter()
            result = count_gates(emitted, prepared.directory)
            finished = time.perf_counter()
            line = (f"{top:<38} {result['cells']:>7,} cells {result['cells'] / size ** 2:5.0f} "
                    f"per PE {result['flops']:>6,} flops  emit {emitted_at - started:5.1f} s  "
                    f"synth {finished - emitted_at:6.1f} s")
            if size == 8:
                line += (f"  ({result['cells'] / OPENTPU_8X8_CELLS:.2f}x OpenTPU's 8x8; target "
                         f"<= {ARRAY_CELL_TARGET:,}: {_verdict(result['cells'] <= ARRAY_CELL_TARGET)})")
            elif size == 16:
                line += (f"  (emission target <= {ARRAY_EMISSION_TARGET_SECONDS:.0f} s: "
                         f"{_verdict(emitted_at - started <= ARRAY_EMISSION_TARGET_SECONDS)})")
            print(line, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m macforge.gen.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="build/bench", type=Path, help="work directory")
    parser.add_argument("--emission", action="store_true",
                        help="only time Verilog emission of rows of IntMACs")
    parser.add_argument("--sizes", type=int, nargs="+", default=EMISSION_SIZES, metavar="N",
                        help="IntMACs per row for --emission (default: %(default)s)")
    parser.add_argument("--arrays", action="store_true",
                        help="only the INT8 systolic arrays: 8x8 cells, 16x16 times")
    parser.add_argument("--dequant", action="store_true",
                        help="only the dequantization PEs: cycles per beat and per group, "
                        "measured, and cells against the bit-parallel reference and the MACs")
    arguments = parser.parse_args(argv)
    if arguments.emission:
        emission_times(arguments.sizes)
        return
    if arguments.arrays:
        array_figures(arguments.out)
        return
    if arguments.dequant:
        dequant_figures(arguments.out)
        return
    gate_counts(arguments.out)
    exhaustive_simulation(arguments.out)
    mac_gate_counts(arguments.out)


if __name__ == "__main__":
    main()
