"""The reference of each unit kind, its wrapper in the unit's ports, and :func:`prove`.

A reference module computes one operation combinationally.  :func:`reference_verilog`
wraps it in a module with the emitted unit's ports (clock and reset included) whose
outputs are delayed by the unit's latency, so the miter compares like with like.

A reference takes the format's field widths and kind as parameters and derives the rest
(bias, NaN and infinity patterns, largest finite value) itself, on purpose: those are
exactly what a proof must not take on trust from the generator's format object.
"""

from dataclasses import dataclass
from pathlib import Path

from .equivalence import prove_equivalent

__all__ = ["Reference", "REFERENCES", "reference_verilog", "write_reference", "prove"]

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Reference:
    """A reference transcription of one unit kind.

    Attributes
    ----------
    source : str
        Its Verilog file, beside this module.
    module : str
        The module in it.
    parameters : callable
        The unit's checked parameters -> the module's Verilog parameters (name -> int).
    """

    source: str
    module: str
    parameters: object

    @property
    def path(self):
        return HERE / self.source


def format_parameters(fmt):
    """A float format as a reference takes it: field widths and kind, nothing derived."""
    return {"EXPONENT_BITS": fmt.exponent_bits, "MANTISSA_BITS": fmt.mantissa_bits,
            "FINITE_ONLY": int(fmt.kind == "fn")}


def _multiplier(params):
    return {**format_parameters(params["format"]), "SATURATE": int(params["saturate"])}


REFERENCES = {
    "lmul": Reference("lmul_reference.v", "lmul_reference", _multiplier),
}


def _port(port):
    width = f"[{port['width'] - 1}:0] " if port["width"] > 1 else ""
    return f"{'input' if port['dir'] == 'in' else 'output'} wire {width}{port['name']}"


def reference_verilog(kind, params, metadata):
    """``(top, text)``: a module instantiating the reference of ``kind`` with ``params``
    (checked parameters), named ``<unit top>_reference`` with the ports of the unit ``metadata``
    describes, its outputs ``latency`` clock cycles late (registers cleared by reset)."""
    reference = REFERENCES[kind]
    top = f"{metadata['top']}_reference"
    clock, reset, latency = metadata["clock"], metadata["reset"], metadata["latency"]
    data = [port for port in metadata["ports"] if port["name"] not in (clock, reset)]
    outputs = [port for port in data if port["dir"] == "out"]
    controls = [f"input wire {name}" for name in (clock, reset) if name is not None]
    overrides = ", ".join(f".{name}({value})"
                          for name, value in reference.parameters(params).items())
    connections = ", ".join(
        f".{port['name']}({port['name']}{'_rule' if port['dir'] == 'out' else ''})"
        for port in data)
    lines = [f"module {top} ({', '.join(controls + [_port(port) for port in data])});"]
    for port in outputs:
        lines.append(f"  wire [{port['width'] - 1}:0] {port['name']}_rule;")
    lines.append(f"  {reference.module} #({overrides}) rule ({connections});")
    for port in outputs:
        name, msb = port["name"], port["width"] - 1
        stages = [f"{name}_rule"] + [f"{name}_stage{index}" for index in range(1, latency + 1)]
        for stage in stages[1:]:
            lines.append(f"  reg [{msb}:0] {stage};")
        if latency:
            lines.append(f"  always @(posedge {clock}) begin")
            for before, after in zip(stages, stages[1:]):
                lines.append(f"    {after} <= {reset} ? {port['width']}'d0 : {before};")
            lines.append("  end")
        lines.append(f"  assign {name} = {stages[-1]};")
    lines.append("endmodule")
    return top, "\n".join(lines) + "\n"


def write_reference(kind, params, metadata, directory):
    """Write the wrapper of :func:`reference_verilog` and the reference it wraps into
    ``directory``, each in a file named after its module; ``(top, [wrapper, reference])``."""
    directory = Path(directory)
    top, wrapper = reference_verilog(kind, params, metadata)
    reference = REFERENCES[kind]
    wrapper_path, reference_path = directory / f"{top}.v", directory / reference.source
    wrapper_path.write_text(wrapper)
    reference_path.write_text(reference.path.read_text())
    return top, [wrapper_path, reference_path]


def prove(kind, params, *, work_dir, timeout=600):
    """Emit ``kind`` with ``params`` into ``work_dir``, write its reference beside it and
    prove the two equal on every input; a :class:`~.equivalence.Proof`.  A pipelined
    unit is unrolled for ``latency + 1`` cycles."""
    from macforge.gen.emit import emit
    from macforge.gen.registry import get_unit

    resolved = get_unit(kind).resolve(params)
    emitted = emit(kind, params, out_dir=work_dir)
    top, sources = write_reference(kind, resolved, emitted.metadata, work_dir)
    return prove_equivalent([*sources, emitted.verilog_path], top, emitted.top,
                            work_dir=work_dir, steps=emitted.metadata["latency"] + 1,
                            timeout=timeout)
