"""The reference of each unit kind, its wrapper in the unit's ports, and :func:`prove`.

A reference module computes one operation combinationally.  :func:`reference_verilog`
wraps it in a module with the emitted unit's ports (clock and reset included), so the
miter and the vector harness compare like with like:

- a unit that computes outputs from inputs (a multiplier): the reference's outputs are
  delayed by the unit's latency;
- a unit that holds state (a MAC's accumulator): the reference computes one step, the
  next state from the current one and the operation, and the wrapper holds the state in
  a register that takes the step on every clock edge with the enable high, after the
  operation has passed the unit's ``latency - 1`` multiply-side pipeline stages.

A reference takes the format's field widths and kind as parameters and derives the rest
(bias, NaN and infinity patterns, largest finite value) itself, on purpose: those are
exactly what a proof must not take on trust from the generator's format object.
"""

from dataclasses import dataclass
from pathlib import Path

from .equivalence import prove_equivalent

__all__ = ["run_reference", "Reference", "REFERENCES", "reference_verilog", "write_reference", "prove"]

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
    state : str or None
        For a step reference: the output port that is the unit's state.  The module
        takes it as an input of that name and gives the next value as ``next``.
    enable : str or None
        For a step reference: the input port that lets the state take the step; the
        module does not see it.
    """

    source: str
    module: str
    parameters: object
    state: str = None
    enable: str = None

    @property
    def path(self):
        return HERE / self.source


def format_parameters(fmt):
    """A float format as a reference takes it: field widths and kind, nothing derived."""
    return {"EXPONENT_BITS": fmt.exponent_bits, "MANTISSA_BITS": fmt.mantissa_bits,
            "FINITE_ONLY": int(fmt.kind == "fn")}


def _multiplier(params):
    return {**format_parameters(params["format"]), "SATURATE": int(params["saturate"])}


def _fp_mac(params):
    operand = {f"IN_{name}": value for name, value in format_parameters(params["in_format"]).items()}
    acc_format = params["acc_format"]
    return {**operand, "ACC_EXPONENT_BITS": acc_format.exponent_bits,
            "ACC_MANTISSA_BITS": acc_format.mantissa_bits, "LMUL": int(params["mul"] == "lmul")}


REFERENCES = {
    "lmul": Reference("lmul_reference.v", "lmul_reference", _multiplier),
    "fmul": Reference("fmul_reference.v", "fmul_reference", _multiplier),
    "fp_mac": Reference("fp_mac_step_reference.v", "fp_mac_step_reference", _fp_mac,
                        state="acc", enable="en"),
}


def _port(port):
    width = f"[{port['width'] - 1}:0] " if port["width"] > 1 else ""
    return f"{'input' if port['dir'] == 'in' else 'output'} wire {width}{port['name']}"


def _delay(lines, clock, reset, port, source, stages):
    """Declare ``stages`` registers carrying ``source`` (as wide as ``port``) one clock
    edge each, cleared by reset; the last one's name (``source`` for no stage)."""
    names = [source] + [f"{port['name']}_stage{index}" for index in range(1, stages + 1)]
    for name in names[1:]:
        lines.append(f"  reg [{port['width'] - 1}:0] {name};")
    if stages:
        lines.append(f"  always @(posedge {clock}) begin")
        for before, after in zip(names, names[1:]):
            lines.append(f"    {after} <= {reset} ? {port['width']}'d0 : {before};")
        lines.append("  end")
    return names[-1]


def reference_verilog(kind, params, metadata):
    """``(top, text)``: a module instantiating the reference of ``kind`` with ``params``
    (checked parameters), named ``<unit top>_reference`` with the ports of the unit
    ``metadata`` describes: its outputs ``latency`` clock cycles late, or for a step
    reference its state in a register (registers cleared by reset)."""
    reference = REFERENCES[kind]
    top = f"{metadata['top']}_reference"
    clock, reset = metadata["clock"], metadata["reset"]
    data = [port for port in metadata["ports"] if port["name"] not in (clock, reset)]
    controls = [f"input wire {name}" for name in (clock, reset) if name is not None]
    overrides = ", ".join(f".{name}({value})"
                          for name, value in reference.parameters(params).items())
    lines = [f"module {top} ({', '.join(controls + [_port(port) for port in data])});"]
    if reference.state is None:
        _output_wrapper(lines, reference, overrides, metadata, data)
    else:
        _step_wrapper(lines, reference, overrides, metadata, data)
    lines.append("endmodule")
    return top, "\n".join(lines) + "\n"


def _step_wrapper(lines, reference, overrides, metadata, data):
    """The state register around a step reference: the operation passes ``latency - 1``
    stages (the unit's multiply side), then the state takes the step where the enable is
    high; reset clears the state and the stages."""
    clock, reset, latency = metadata["clock"], metadata["reset"], metadata["latency"]
    if clock is None or latency < 1:
        raise ValueError(f"a step reference needs a clocked unit, latency >= 1, not {latency!r}")
    state = next(port for port in data if port["name"] == reference.state)
    operation = {port["name"]: _delay(lines, clock, reset, port, port["name"], latency - 1)
                 for port in data if port["dir"] == "in"}
    name, msb = state["name"], state["width"] - 1
    connections = [f".{port}({signal})" for port, signal in operation.items()
                   if port != reference.enable]
    connections += [f".{name}({name}_state)", f".next({name}_rule)"]
    lines += [f"  reg [{msb}:0] {name}_state;",
              f"  wire [{msb}:0] {name}_rule;",
              f"  {reference.module} #({overrides}) rule ({', '.join(connections)});",
              f"  always @(posedge {clock})",
              f"    {name}_state <= {reset} ? {state['width']}'d0"
              f" : {operation[reference.enable]} ? {name}_rule : {name}_state;",
              f"  assign {name} = {name}_state;"]


def _output_wrapper(lines, reference, overrides, metadata, data):
    """The reference's outputs, ``latency`` clock edges late."""
    clock, reset, latency = metadata["clock"], metadata["reset"], metadata["latency"]
    outputs = [port for port in data if port["dir"] == "out"]
    connections = ", ".join(
        f".{port['name']}({port['name']}{'_rule' if port['dir'] == 'out' else ''})"
        for port in data)
    for port in outputs:
        lines.append(f"  wire [{port['width'] - 1}:0] {port['name']}_rule;")
    lines.append(f"  {reference.module} #({overrides}) rule ({connections});")
    for port in outputs:
        last = _delay(lines, clock, reset, port, f"{port['name']}_rule", latency)
        lines.append(f"  assign {port['name']} = {last};")


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
    unit is unrolled for ``latency + 1`` cycles and compared in the last."""
    from macforge.gen.emit import emit
    from macforge.gen.registry import get_unit

    resolved = get_unit(kind).resolve(params)
    emitted = emit(kind, params, out_dir=work_dir)
    top, sources = write_reference(kind, resolved, emitted.metadata, work_dir)
    return prove_equivalent([*sources, emitted.verilog_path], top, emitted.top,
                            work_dir=work_dir, steps=emitted.metadata["latency"] + 1,
                            reset=emitted.metadata["reset"], timeout=timeout)


def run_reference(kind, params, inputs, *, work_dir, build_root):
    """Simulate the reference of ``kind`` with ``params`` (as given), wrapped in the
    unit's ports, on ``inputs`` in the vector harness, against the unit's golden model:
    the check that ties a reference to the golden model.  The runner's
    :class:`~macforge.sim.runner.RunResult`, raising on a failure."""
    from macforge.gen.emit import emit
    from macforge.gen.registry import get_unit
    from macforge.verif.benches.stream import run_vectors
    from macforge.verif.benches.vector_harness import build_in_harness

    work_dir = Path(work_dir)
    unit = get_unit(kind)
    emitted = emit(kind, params, out_dir=work_dir / "unit")
    top, (wrapper, reference) = write_reference(kind, unit.resolve(params), emitted.metadata,
                                                work_dir)
    built = build_in_harness(wrapper, {**emitted.metadata, "top": top},
                             build_root=build_root, sources=[reference])
    run_dir = work_dir / "run"
    run_dir.mkdir(exist_ok=True)
    return run_vectors(built, unit.bench, inputs, unit.golden_model(params)(**inputs), run_dir)
