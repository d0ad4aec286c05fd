"""A Verilog harness that streams vectors through a fixed-latency unit at simulator speed.

Driving a unit from Python costs a cocotb round trip per cycle (20-30k vectors/s here).
The harness instead holds one memory per input port, loaded with ``$readmemh``, and one
per output port, saved with ``$writememh``; the bench writes the vector files, starts the
clock, raises ``start`` and awaits ``done`` once.  The unit inside is the emitted Verilog,
untouched, connected port by port from its metadata.

The harness applies the same cycles the metadata describes (docs/units.md section 1):

- the unit's reset held for :data:`.stream_run.RESET_CYCLES` clock cycles, inputs at zero, then one
  cycle with reset low;
- vector ``i`` applied on a falling edge, captured by the next rising one; the output
  for vector ``i`` read ``latency`` falling edges later (a unit without a clock: on the
  next falling edge, before the next vector is applied).
"""

import itertools
from pathlib import Path

import numpy as np

from .stream_run import RESET_CYCLES, data_ports

__all__ = ["HARNESS_TOP", "DEPTH", "harness_verilog", "build_in_harness",
           "write_vectors", "vector_file", "hex_text", "read_results", "harness_clock"]

HARNESS_TOP = "macforge_vector_harness"
DEPTH = 1 << 20
"""The most vectors one run can stream (each port's memory holds this many)."""


def harness_clock(metadata):
    """The harness's clock port: the unit's own clock's name, or ``clk`` for a unit
    without one."""
    return metadata.get("clock") or "clk"


def vector_file(port):
    """The file the harness loads input ``port``'s vectors from."""
    return f"vectors_{port}.hex"


def _result_file(port):
    return f"results_{port}.hex"


def harness_verilog(metadata, *, depth=DEPTH):
    """The harness around the unit ``metadata`` describes (its top, ports, clock, reset,
    latency), as Verilog text."""
    clock, reset = metadata.get("clock"), metadata.get("reset")
    latency = metadata["latency"]
    if clock is not None and latency < 1:
        raise ValueError(f"a clocked unit needs latency >= 1 to be streamed, not {latency!r}")
    # Falling edges from applying a vector to reading its output.
    offset = latency if clock is not None else 1
    inputs, outputs = data_ports(metadata, "in"), data_ports(metadata, "out")
    clock_port = harness_clock(metadata)
    lines = [f"module {HARNESS_TOP}(input {clock_port}, input start, input [31:0] count,",
             "                               output reg done);",
             "  reg [31:0] harness_step;",
             "  reg harness_running, harness_finishing;"]
    if reset is not None:
        lines.append(f"  reg {reset};")
    for port in inputs:
        lines += [f"  reg [{port['width'] - 1}:0] {port['name']};",
                  f"  reg [{port['width'] - 1}:0] {port['name']}_vectors [0:{depth - 1}];"]
    for port in outputs:
        lines += [f"  wire [{port['width'] - 1}:0] {port['name']};",
                  f"  reg [{port['width'] - 1}:0] {port['name']}_results [0:{depth - 1}];"]
    connections = [f".{name}({name})" for name in (clock, reset) if name is not None]
    connections += [f".{port['name']}({port['name']})" for port in inputs + outputs]
    lines += [f"  {metadata['top']} unit({', '.join(connections)});",
              "  wire [31:0] harness_cycle = harness_step - 32'd"
              f"{RESET_CYCLES + 1};",
              "  initial begin",
              "    done = 0; harness_step = 0; harness_running = 0; harness_finishing = 0;",
              *([f"    {reset} = 1;"] if reset is not None else []),
              *[f"    {port['name']} = 0;" for port in inputs],
              "  end",
              f"  always @(negedge {clock_port}) begin",
              "    if (harness_finishing && !done) begin",
              *[f'      $writememh("{_result_file(port["name"])}", {port["name"]}_results, 0, '
                f"count - 1);" for port in outputs],
              "      done <= 1;",
              "    end else if (harness_running) begin",
              "      harness_step <= harness_step + 1;",
              *([f"      if (harness_step == {RESET_CYCLES}) {reset} <= 0;"]
                if reset is not None else []),
              f"      if (harness_step > {RESET_CYCLES}) begin",
              f"        if (harness_cycle >= {offset}) begin",
              *[f"          {port['name']}_results[harness_cycle - {offset}] <= {port['name']};"
                for port in outputs],
              "        end",
              "        if (harness_cycle < count) begin",
              *[f"          {port['name']} <= {port['name']}_vectors[harness_cycle];"
                for port in inputs],
              "        end",
              f"        if (harness_cycle == count + {offset - 1}) harness_finishing <= 1;",
              "      end",
              "    end else if (start) begin",
              *[f'      $readmemh("{vector_file(port["name"])}", {port["name"]}_vectors);'
                for port in inputs],
              "      harness_running <= 1;",
              "      harness_step <= 1;",
              "    end",
              "  end",
              "endmodule", ""]
    return "\n".join(lines)


def build_in_harness(verilog_path, metadata, *, build_root, simulator=None, sources=()):
    """Write the harness beside the unit's Verilog and build both for simulation, the
    harness on top (:func:`macforge.sim.runner.build`, cached); the bench reads the
    unit's own metadata.  ``sources``: further Verilog files the unit instantiates."""
    from macforge.sim import runner

    harness = Path(verilog_path).parent / f"{HARNESS_TOP}.v"
    harness.write_text(harness_verilog(metadata))
    return runner.build([verilog_path, *sources, harness], HARNESS_TOP, simulator=simulator,
                        build_root=build_root, metadata={**metadata, "top": HARNESS_TOP})


def write_vectors(inputs, metadata, directory):
    """Write ``inputs`` (input port -> array of bit patterns; two's complement values
    are taken modulo the port's width) as the harness's vector files in ``directory``;
    return the number of vectors."""
    counts = {len(values) for values in inputs.values()}
    if len(counts) != 1:
        raise ValueError(f"every input needs as many vectors, not {sorted(counts)}")
    count = counts.pop()
    if not 0 < count <= DEPTH:
        raise ValueError(f"a run streams 1 to {DEPTH} vectors, not {count}")
    for port in data_ports(metadata, "in"):
        (Path(directory) / vector_file(port["name"])).write_text(
            hex_text(inputs[port["name"]], port["width"]))
    return count


def hex_text(values, width):
    """``values`` as ``$readmemh`` reads them, one hex word a line; two's complement
    values are taken modulo 2^``width``."""
    mask = (1 << width) - 1
    values = np.asarray(values)
    if values.dtype.kind in "iu" and width < 63:
        values = (values & mask).tolist()  # numpy masks a third faster than Python
    else:
        values = [int(value) & mask for value in values.tolist()]
    return "\n".join(map("{:x}".format, values)) + "\n"


def read_results(metadata, count, directory):
    """Output port -> int64 array of the ``count`` results the harness saved (Python
    ints in an object array for a port wider than 63 bits)."""
    results = {}
    for port in data_ports(metadata, "out"):
        text = (Path(directory) / _result_file(port["name"])).read_text()
        if "//" in text or "@" in text:
            # Simulators annotate the file: Icarus with "// 0x00000010" comment lines
            # every 16 words, others with "@address" lines.
            text = " ".join(line.split("//", 1)[0] for line in text.splitlines())
            words = [word for word in text.split() if not word.startswith("@")]
        else:
            words = text.split()
        if len(words) != count:
            raise RuntimeError(f"the harness saved {len(words)} results of {port['name']}, "
                               f"not {count}")
        values = list(map(int, words, itertools.repeat(16, len(words))))
        results[port["name"]] = np.array(values, dtype=np.int64 if port["width"] < 64 else object)
    return results
