"""A MAC unit's step proved equal to its step reference from every reachable state.

An accumulator's value after n operations depends on all n, so no number of cycles
unrolled from reset covers it.  :func:`prove_step` proves instead, for one clock edge
from any accumulator value in an invariant set S (``fp_mac_invariant.v``):

1. the unit's accumulator after the edge is what the reference's step gives (the step
   with ``en`` = 1, whatever ``clear`` is; the old value with ``en`` = 0; +0 with
   ``rst`` = 1), and
2. that value is in S again.

Together with +0 in S (2. with ``rst`` = 1), every value the accumulator reaches from
reset is in S, so on every input sequence the unit's accumulator is the one the
reference's steps give: a proof by induction, not a bounded check.  S is the canonical
NaN, the infinities and the finite multiples of 2^q up to 2^k in magnitude, with q and k
from :func:`macforge.formats.products.product_bounds` (the unit leaves out logic for
the values outside S, docs/units.md section 6.2); 2. shows q and k are right rather than
taking them on trust.  The step check holds the unit's accumulator register as its only
state, so it applies to units without multiply-side pipeline registers (latency 1).

One SAT call over every accumulator value did not finish in 12 minutes (fp16, exact
products): the reference's frame and the unit's align-and-normalize adder agree only
after a case analysis on the exponents.  :func:`prove_step_by_cases` hands the solver
that analysis: one proof per accumulator exponent field.
"""

import dataclasses
from fractions import Fraction
from pathlib import Path

from macforge.formats.products import product_bounds

from .equivalence import prove_transition
from .references import HERE, REFERENCES

__all__ = ["INVARIANT_SOURCE", "invariant_parameters", "step_check_verilog", "prove_step",
           "prove_step_by_cases"]

INVARIANT_SOURCE = "fp_mac_invariant.v"
INVARIANT_MODULE = "fp_mac_invariant"
ASSUMED = "held"
PROVED = ("agreed", "closed")


def invariant_parameters(params, *, bounded=None):
    """The invariant set S of an fp_mac configuration (checked ``params``), as
    ``fp_mac_invariant``'s Verilog parameters.

    q: every product is a multiple of 2^q.  k: the smallest power 2^k whose binade's
    half ulp exceeds every product, so a sum never climbs past 2^k (the argument of
    :func:`macforge.formats.reach.accumulator_reach`).  ``bounded``: whether S holds
    only values up to 2^k; by default where 2^k is below infinity.  Unbounded, S holds
    every finite value.
    """
    acc_format = params["acc_format"]
    quantum, largest = product_bounds(params["in_format"], params["mul"])
    k = 0
    while Fraction(2) ** (k - acc_format.mantissa_bits - 1) <= largest:
        k += 1
    if bounded is None:
        bounded = Fraction(2) ** k <= acc_format.exact_value(acc_format.max_finite)
    # 2^(emax + 1) is above every finite value: no bound at all.
    top = acc_format.exponent_field_max - acc_format.bias
    return {"ACC_EXPONENT_BITS": acc_format.exponent_bits,
            "ACC_MANTISSA_BITS": acc_format.mantissa_bits,
            "QUANTUM": quantum, "BOUND": k if bounded else top + 1}


def step_check_verilog(kind, params, metadata, *, invariant):
    """``(top, text)``: the unit of ``metadata`` beside its step reference and two
    copies of the invariant, with the unit's ports (its state an output) and outputs
    ``held`` (the accumulator is in S),
    ``agreed`` (the accumulator is the value the reference's step gave it on the last
    edge) and ``closed`` (that value is in S).  ``invariant``: the invariant's
    Verilog parameters (:func:`invariant_parameters`)."""
    reference = REFERENCES[kind]
    clock, reset, latency = metadata["clock"], metadata["reset"], metadata["latency"]
    if clock is None or latency != 1:
        raise ValueError(f"a step proof needs the accumulator as the unit's only register "
                         f"(latency 1), not latency {latency!r}")
    data = [port for port in metadata["ports"] if port["name"] not in (clock, reset)]
    state = next(port for port in data if port["name"] == reference.state)
    name, msb = state["name"], state["width"] - 1
    inputs = [port for port in data if port["dir"] == "in"]
    top = f"{metadata['top']}_step"
    overrides = ", ".join(f".{key}({value})"
                          for key, value in reference.parameters(params).items())
    invariant_overrides = ", ".join(f".{key}({value})" for key, value in invariant.items())
    ports = [f"input wire {clock}", f"input wire {reset}"]
    ports += [f"input wire [{port['width'] - 1}:0] {port['name']}" for port in inputs]
    ports += [f"output wire {output}" for output in (ASSUMED, *PROVED)]
    # The accumulator is a port so that a counterexample shows it before and after.
    ports.append(f"output wire [{msb}:0] {name}")
    unit = ", ".join(f".{port}({port})" for port in (clock, reset, *(p["name"] for p in data)))
    rule = ", ".join([*(f".{port['name']}({port['name']})" for port in inputs
                        if port["name"] != reference.enable),
                      f".{name}({name})", f".next({name}_rule)"])
    lines = [
        f"module {top} ({', '.join(ports)});",
        f"  {metadata['top']} unit ({unit});",
        f"  wire [{msb}:0] {name}_rule;",
        f"  {reference.module} #({overrides}) rule ({rule});",
        f"  reg [{msb}:0] {name}_expected;",
        f"  always @(posedge {clock})",
        f"    {name}_expected <= {reset} ? {state['width']}'d0"
        f" : {reference.enable} ? {name}_rule : {name};",
        f"  {INVARIANT_MODULE} #({invariant_overrides}) now (.{name}({name}), .held({ASSUMED}));",
        f"  {INVARIANT_MODULE} #({invariant_overrides}) after "
        f"(.{name}({name}_expected), .held({PROVED[1]}));",
        f"  assign {PROVED[0]} = {name} == {name}_expected;",
        "endmodule",
    ]
    return top, "\n".join(lines) + "\n"


def prove_step(kind, params, *, work_dir, invariant=None, exponent_field=None, fixed=None,
               timeout=600):
    """Emit ``kind`` with ``params`` into ``work_dir`` and prove its step equal to the
    reference's from every state of the invariant set, and the set closed (module
    docstring); a :class:`~.equivalence.Proof`.  ``invariant`` overrides
    :func:`invariant_parameters`; ``exponent_field``: only the accumulator values with
    this exponent field (one case of :func:`prove_step_by_cases`); ``fixed``: further
    ports held at Verilog constants before the edge (port -> constant)."""
    from macforge.gen.emit import emit
    from macforge.gen.registry import get_unit

    resolved = get_unit(kind).resolve(params)
    emitted = emit(kind, params, out_dir=work_dir)
    top, text = step_check_verilog(kind, resolved, emitted.metadata,
                                   invariant=invariant or invariant_parameters(resolved))
    work_dir = Path(work_dir)
    (work_dir / f"{top}.v").write_text(text)
    sources = [work_dir / f"{top}.v", REFERENCES[kind].path, HERE / INVARIANT_SOURCE,
               emitted.verilog_path]
    fixed = dict(fixed or {})
    if exponent_field is not None:
        acc_format = resolved["acc_format"]
        field = f"{REFERENCES[kind].state}[{acc_format.width - 2}:{acc_format.mantissa_bits}]"
        fixed[field] = f"{acc_format.exponent_bits}'d{exponent_field}"
    return prove_transition(sources, top, assume_before=[ASSUMED], prove_after=PROVED,
                            fixed_before=fixed, work_dir=work_dir, timeout=timeout)


def prove_step_by_cases(kind, params, *, work_dir, timeout=600):
    """:func:`prove_step` once for every accumulator exponent field (together, every
    accumulator value); one :class:`~.equivalence.Proof`: proved when every case is,
    its time the sum of theirs, else the first failing case's counterexample."""
    from macforge.gen.registry import get_unit

    acc_format = get_unit(kind).resolve(params)["acc_format"]
    seconds = 0.0
    for field in range(acc_format.exponent_field_max + 1):
        proof = prove_step(kind, params, work_dir=Path(work_dir) / f"exponent{field}",
                           exponent_field=field, timeout=timeout)
        seconds += proof.seconds
        if not proof.proved:
            return dataclasses.replace(proof, seconds=seconds)
    return dataclasses.replace(proof, seconds=seconds)
