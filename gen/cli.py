"""``macforge``: emit, synthesize and compare units.  Every flag comes from the registry.

Usage errors exit with status 2 and a one-line message, never a traceback.
"""

import argparse
import json
import sys
from pathlib import Path

from macforge.hdl.parameters import BoolParameter
from macforge.sim.verilator import SimulatorUnavailable

from .cli_support import EXIT_USAGE, UsageError, checked, writable_file
from .emit import prepare, write
from .registry import UNITS, get_unit
from .report import synthesize
from .report_flows import FLOW_GROUPS, GATES
from .standalone_bench import prepare_bench, write_bench

__all__ = ["main"]


def _add_flag(parser, flag):
    """One flag of a schema parameter (or of part of one, such as a systolic array's PE
    parameters); its value is parsed by the schema, not argparse."""
    parameter = flag.parameter
    options = {"dest": flag.dest, "default": None,
               "help": f"{flag.owner}{parameter.help} (default: {parameter.default_text})"}
    if isinstance(parameter, BoolParameter):
        options["action"] = argparse.BooleanOptionalAction
    elif parameter.choices:
        options["choices"] = parameter.choices
    else:
        options["metavar"] = parameter.metavar
    parser.add_argument(parameter.flag, **options)


def _add_unit_parsers(subparsers, command_help, add_common):
    """One sub-command per unit kind, its flags from the unit's parameter schema."""
    for unit in UNITS.values():
        parser = subparsers.add_parser(unit.kind, help=unit.summary,
                                       description=f"{command_help}: {unit.summary}.")
        for parameter in unit.parameters:
            for flag in parameter.flags():
                _add_flag(parser, flag)
        add_common(parser)


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="macforge",
        description="Generate, verify and measure low-precision arithmetic units.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    emit = commands.add_parser("emit", help="write <top>.v and <top>.json for one unit",
                               description="Write <top>.v and <top>.json for one unit.")

    def add_emit_options(p):
        p.add_argument("--out", required=True, metavar="DIR",
                       help="output directory (created if missing)")
        p.add_argument("--bench", default=None, metavar="DIR",
                       help="also write a standalone cocotb bench of the unit here, which "
                            "runs with only cocotb and Verilator or Icarus, on the vectors "
                            "or scenarios verify uses")
        p.add_argument("--vectors", type=int, default=None, metavar="N",
                       help="the bench's random vectors where the input space is not "
                            "covered exhaustively, or a stream unit's random work items "
                            "(default: the regression's, as verify)")
        p.add_argument("--seed", type=int, default=None, metavar="S",
                       help="seed of the bench's random vectors or scenarios (default: 0)")
    _add_unit_parsers(emit.add_subparsers(dest="kind", required=True, metavar="UNIT"),
                      "emit", add_emit_options)

    verify = commands.add_parser(
        "verify", help="check one unit's emitted Verilog against its golden model",
        description="Emit one unit, build it with a simulator and check it against its "
                    "golden model with the regression's bench. A fixed-latency unit gets "
                    "every operand pair where there are at most 2^18, special values and "
                    "random vectors otherwise; a stream unit (systolic, the dequantization "
                    "PEs) the regression's scenarios (back to back and timed, idle cycles, "
                    "extremes, a reset), its timing checked against its metadata too. "
                    "Exit status 0 only when everything matched. A progress bar goes to "
                    "stderr when it is a terminal.")

    def add_verify_options(p):
        p.add_argument("--vectors", type=int, default=None, metavar="N",
                       help="random vectors: for a fixed-latency unit, vectors of one "
                            "cycle's inputs, where the input space is not covered "
                            "exhaustively; for a stream unit, work items of the random "
                            "stretch with idle cycles: tiles (systolic, os), weight sets "
                            "with their rows (systolic, ws), dot products (bitserial_pe, "
                            "bitparallel_pe) (default: the regression's)")
        p.add_argument("--seed", type=int, default=0, metavar="S",
                       help="seed of the random vectors and idle cycles (default: "
                            "%(default)s)")
        p.add_argument("--sim", default=None, metavar="SIMULATOR",
                       help="verilator or icarus (default: $MACFORGE_SIM, else verilator)")
        p.add_argument("--out", default="build/verify", metavar="DIR",
                       help="where the unit, its build and the run go "
                            "(default: %(default)s)")
        p.add_argument("--build-dir", default=None, metavar="DIR",
                       help="keep builds and their compiler cache here instead, to share "
                            "them between --out directories (default: OUT/sim)")
    _add_unit_parsers(verify.add_subparsers(dest="kind", required=True, metavar="UNIT"),
                      "verify", add_verify_options)

    synth = commands.add_parser("synth", help="synthesize one unit with Yosys, count gates",
                                description="Synthesize one unit to generic gates with Yosys.")

    def add_synth_options(p):
        p.add_argument("--json", required=True, metavar="PATH", help="where to write the counts")
        p.add_argument("--work-dir", metavar="DIR", default=None,
                       help="keep the Verilog, script and Yosys log here "
                            "(default: build/synth/<top>)")
    _add_unit_parsers(synth.add_subparsers(dest="kind", required=True, metavar="UNIT"),
                      "synth", add_synth_options)

    report = commands.add_parser("report", help="synthesize every unit's report "
                                                "configurations and print the comparison",
                                 description="Emit and synthesize the report configurations "
                                             "of every unit (or of --units); print cells, "
                                             "flops and ratios; write report.md, results.csv "
                                             "and results.json into --out.")
    report.add_argument("--units", nargs="+", default=None, metavar="UNIT",
                        help=f"only these units (default: all: {', '.join(UNITS)})")
    report.add_argument("--all", action="store_true",
                        help="every report configuration, the 8x8 floating-point arrays "
                             "included (default: the quick sweep, which answers the same "
                             "questions in half the time)")
    report.add_argument("--where", nargs="+", default=None, metavar="KEY=VALUE",
                        help="only the configurations with these parameter values "
                             "(e.g. format=e4m3)")
    report.add_argument("--flows", default=GATES, metavar="FLOW[,FLOW]",
                        help=f"synthesis flows, comma-separated: gates (generic gates), fpga "
                             f"(= {','.join(FLOW_GROUPS['fpga'])}: LUTs, DSP blocks, Fmax), "
                             f"asic (OSU 0.18 um cells: um^2, NAND2 equivalents) "
                             f"(default: %(default)s)")
    report.add_argument("--out", default="build/report", metavar="DIR",
                        help="where units and counts are written (default: build/report)")
    report.add_argument("--json", default=None, metavar="PATH",
                        help="also write results.json here")
    report.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="flows run at once on this machine (default: one per core)")
    report.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the flows on the Dask cluster of this scheduler "
                             "(tcp://host:8786) instead; its workers need macforge installed, "
                             "the cache stays here")
    report.add_argument("--cache", default="build/cache", metavar="DIR",
                        help="results of earlier runs, reused when the design and the flow "
                             "are unchanged (default: %(default)s)")
    report.add_argument("--no-cache", action="store_true",
                        help="emit and synthesize everything again, storing nothing")

    commands.add_parser("list", help="list units and their parameters")
    return parser


def _unit_params(unit, arguments):
    given = {dest: value for dest, value in vars(arguments).items() if value is not None}
    return {parameter.name: value for parameter in unit.parameters
            for value in [parameter.from_flags(given)] if value is not None}


def _run_emit(arguments):
    unit = checked(get_unit, arguments.kind)
    params = _unit_params(unit, arguments)
    if arguments.bench is None and (arguments.vectors, arguments.seed) != (None, None):
        raise UsageError("--vectors and --seed choose the vectors of a standalone bench: "
                         "give --bench DIR too")
    prepared = checked(prepare, unit.kind, params, out_dir=arguments.out)
    bench = None
    if arguments.bench is not None:
        bench = checked(prepare_bench, unit.kind, params, bench_dir=arguments.bench,
                        random_count=arguments.vectors,
                        seed=0 if arguments.seed is None else arguments.seed)
    emitted = write(prepared)
    for suffix in (".v", ".json", ".core", ".f"):
        print(emitted.verilog_path.with_suffix(suffix))
    if bench is not None:
        for path in write_bench(bench, emitted):
            print(path)


def _run_verify(arguments):
    unit = checked(get_unit, arguments.kind)
    params = _unit_params(unit, arguments)
    # With the simulator runner and tqdm: loaded only when verifying.
    from .verify import BarProgress, prepare_verify, run_verify

    try:
        plan = prepare_verify(unit.kind, params, out_dir=arguments.out,
                              random_count=arguments.vectors, seed=arguments.seed,
                              simulator=arguments.sim, build_dir=arguments.build_dir)
    except (ValueError, TypeError) as error:
        raise UsageError(str(error)) from None
    except SimulatorUnavailable as error:
        raise UsageError(f"{error} (Verilator comes with macforge's Python packages; "
                         f"Icarus Verilog from your system's, e.g. apt-get install iverilog)"
                         ) from None
    with BarProgress(plan.top) as progress:
        result = run_verify(plan, progress=progress)
    print(result.summary())
    if not result.passed:
        print(result.report.rstrip())
        if result.waveform is not None:
            print(f"waveform: {result.waveform}")
        return 1
    return 0


def _run_synth(arguments):
    unit = checked(get_unit, arguments.kind)
    params = _unit_params(unit, arguments)
    resolved = checked(unit.resolve, params)
    target = checked(writable_file, arguments.json)
    work_dir = arguments.work_dir or Path("build") / "synth" / unit.top_name(resolved)
    prepared = checked(prepare, unit.kind, params, out_dir=work_dir)
    result = synthesize(prepared)
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{result['top']}: {result['cells']} cells, {result['flops']} flops -> {target}")


def _run_report(arguments):
    # Imported here: the report's modules (matplotlib, tqdm, Dask) would slow every
    # other command's start.
    from .report_command import run_report
    run_report(arguments)


def _run_list(arguments):
    for unit in UNITS.values():
        print(f"{unit.kind}: {unit.summary}")
        for parameter in unit.parameters:
            for flag in parameter.flags():
                print(f"  {flag.parameter.flag}  {flag.owner}{flag.parameter.help} "
                      f"(default: {flag.parameter.default_text})")


def main(argv=None):
    """Entry point of the ``macforge`` console script; returns the exit status."""
    parser = _build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    arguments = parser.parse_args(argv)
    arguments.argv = argv  # the command as given, which the report quotes
    runners = {"emit": _run_emit, "verify": _run_verify, "synth": _run_synth,
               "report": _run_report, "list": _run_list}
    try:
        status = runners[arguments.command](arguments)
    except UsageError as error:
        print(f"macforge: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
