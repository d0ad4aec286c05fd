# amaranth: UnusedElaboratable=no
"""The unit registry: for each unit kind, its component, parameter schema, golden model,
bench and the configurations the report sweeps.  The CLI, validation, metadata and the
report are derived from these entries; adding a unit is one entry here plus its
component, golden model and bench."""

from dataclasses import dataclass

from macforge.hdl.fmul import FMul
from macforge.hdl.fp_mac import (ACC_FORMAT_NAMES, FPMAC, MAX_IN_EXPONENT_BITS, MAX_IN_MANTISSA_BITS,
                         MUL_KINDS)
from macforge.hdl.int_mac import IntMAC
from macforge.hdl.lmul import LMul
from macforge.verif import golden

from .params import BoolParameter, ChoiceParameter, FormatParameter, IntParameter

__all__ = ["Unit", "UNITS", "get_unit"]


@dataclass(frozen=True)
class Unit:
    """One unit kind.

    Attributes
    ----------
    kind : str
        Name on the command line and in metadata (``"lmul"``).
    summary : str
        One line for ``--help``.
    parameters : tuple of Parameter
        Schema, in command-line and top-name order.
    component : callable
        ``component(**params)`` -> the Amaranth component (params already parsed).
    golden_factory : callable
        ``golden_factory(params)`` -> callable taking the input ports' arrays as keyword
        arguments and returning a dict of output port -> expected array.
    port_roles : dict
        Port name -> role text, with ``{parameter}`` fields filled from the parameters,
        or a callable ``role(resolved) -> str``.
    port_formats : dict
        Port name -> the parameter holding the number format of its bit patterns.
    bench : str
        The cocotb module that checks the emitted Verilog.
    report_configs : tuple of dict
        Parameter sets ``make report`` synthesizes.
    naming : callable or None
        ``naming(resolved) -> str`` for the top module; None: the kind, then each
        parameter's tag (formats always, other parameters when not at their default).
    """

    kind: str
    summary: str
    parameters: tuple
    component: object
    golden_factory: object
    port_roles: dict
    port_formats: dict
    bench: str
    report_configs: tuple = ()
    naming: object = None

    def parameter(self, name):
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(name)

    def resolve(self, params=None):
        """Parse and complete a parameter dict; unknown names and bad values raise ValueError."""
        params = dict(params or {})
        known = [parameter.name for parameter in self.parameters]
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ValueError(f"{self.kind} has no parameter {unknown[0]!r}; "
                             f"its parameters are {', '.join(known)}")
        resolved = {}
        for parameter in self.parameters:
            value = params.get(parameter.name)
            resolved[parameter.name] = parameter.parse(parameter.default if value is None else value)
        return resolved

    def top_name(self, resolved):
        """Top module name for resolved parameters (see ``naming``)."""
        if self.naming is not None:
            return self.naming(resolved)
        tags = [parameter.tag(resolved[parameter.name]) for parameter in self.parameters]
        return "_".join([self.kind] + [tag for tag in tags if tag])

    def params_json(self, resolved):
        return {parameter.name: parameter.to_json(resolved[parameter.name])
                for parameter in self.parameters}

    def build(self, resolved):
        # A component whose constructor rejects a combination of parameters is never
        # elaborated; the first line of this file keeps Amaranth from warning about it
        # (emission elaborates every component it accepts).
        return self.component(**resolved)

    def golden_model(self, params):
        """The golden model for these parameters: ``model(**inputs) -> {output: array}``.

        For clocked units element t of an output is its value after cycle t.
        """
        return self.golden_factory(self.resolve(params))

    def port_role(self, name, resolved):
        role = self.port_roles[name]
        if callable(role):
            return role(resolved)
        fields = {key: self.parameter(key).to_json(value) for key, value in resolved.items()}
        return role.format(**fields)

    def port_format(self, name, resolved):
        """Name of the number format a port carries, or None for plain integers/bits."""
        parameter = self.port_formats.get(name)
        return None if parameter is None else resolved[parameter].name


_FORMAT = FormatParameter("format", "e4m3", "number format of operands and result "
                          "(e4m3, e5m2, fp16, bf16, fp32, e<E>m<M>[fn|ieee])")
_PIPELINE_STAGES = IntParameter("pipeline_stages", 0, "register stages; the latency in cycles",
                                minimum=0, maximum=16, tag_prefix="p")
_MULTIPLIER_PORTS = {"a": "operand, {format} bits", "b": "operand, {format} bits",
                     "y": "product, {format} bits"}
_MULTIPLIER_REPORT = tuple({"format": name} for name in ("e4m3", "e5m2", "fp16", "bf16"))


def _multiplier(kind, summary, component, golden_function, *, saturate_default):
    """A two-operand floating-point unit: a, b -> y in one format."""
    return Unit(
        kind=kind,
        summary=summary,
        parameters=(
            _FORMAT,
            BoolParameter("saturate", saturate_default,
                          "overflow gives max finite instead of inf/NaN", tags=("sat", "nosat")),
            _PIPELINE_STAGES,
        ),
        component=component,
        golden_factory=lambda p: (lambda a, b: {"y": golden_function(p["format"], a, b,
                                                                      saturate=p["saturate"])}),
        port_roles=_MULTIPLIER_PORTS,
        port_formats={"a": "format", "b": "format", "y": "format"},
        bench="macforge.verif.benches.unit_bench",
        report_configs=_MULTIPLIER_REPORT,
    )


# -- multiply-accumulate units (SPEC sections 5 and 6) ----------------------------------

_MAC_PIPELINE_STAGES = IntParameter(
    "pipeline_stages", 0, "register stages on the multiply side; latency is 1 + this",
    minimum=0, maximum=8, tag_prefix="p")
_MAC_CONTROL_ROLES = {
    "en": "accumulate enable: acc updates on a rising edge only while 1",
    "clear": "with en: accumulate onto zero instead of acc",
}


def _integer_kind(resolved):
    return "two's complement" if resolved["signed"] else "unsigned"


def _int_mac_name(resolved):
    name = (f"int_mac_{'s' if resolved['signed'] else 'u'}"
            f"{resolved['a_width']}x{resolved['b_width']}_acc{resolved['acc_width']}")
    if resolved["overflow"] != "wrap":
        name += "_sat"
    if resolved["pipeline_stages"]:
        name += f"_p{resolved['pipeline_stages']}"
    return name


_INT_MAC_PARAMETERS = ("a_width", "b_width", "signed", "acc_width", "overflow")

INT_MAC = Unit(
    kind="int_mac",
    summary="integer multiply-accumulate: acc <- (clear ? 0 : acc) + a * b",
    parameters=(
        IntParameter("a_width", 8, "bits of a", minimum=2, maximum=16),
        IntParameter("b_width", 8, "bits of b", minimum=2, maximum=16),
        BoolParameter("signed", True, "two's complement operands and accumulator "
                      "(--no-signed: all unsigned)"),
        IntParameter("acc_width", 32, "accumulator bits, from a_width + b_width to 48",
                     minimum=4, maximum=48),
        ChoiceParameter("overflow", "wrap", "accumulator overflow: wrap modulo 2^acc_width "
                        "or saturate to its range", choices=("wrap", "saturate")),
        _MAC_PIPELINE_STAGES,
    ),
    component=IntMAC,
    golden_factory=lambda p: (lambda a, b, en, clear: {"acc": golden.int_mac(
        a, b, en, clear, **{name: p[name] for name in _INT_MAC_PARAMETERS})}),
    port_roles={
        "a": lambda p: f"operand, {p['a_width']}-bit {_integer_kind(p)} integer",
        "b": lambda p: f"operand, {p['b_width']}-bit {_integer_kind(p)} integer",
        **_MAC_CONTROL_ROLES,
        "acc": lambda p: (f"accumulator, {p['acc_width']}-bit {_integer_kind(p)} integer, "
                          f"overflow {p['overflow']}s"),
    },
    port_formats={},
    bench="macforge.verif.benches.unit_bench",
    report_configs=({},),
    naming=_int_mac_name,
)

_FP_MAC_PARAMETERS = ("in_format", "acc_format", "mul")

FP_MAC = Unit(
    kind="fp_mac",
    summary="floating-point multiply-accumulate, one rounding: "
            "acc <- RNE((clear ? +0 : acc) + a * b)",
    parameters=(
        FormatParameter("in_format", "e4m3",
                        f"format of a and b: e4m3, e5m2 or any e<E>m<M>[fn|ieee] with "
                        f"E <= {MAX_IN_EXPONENT_BITS}, M <= {MAX_IN_MANTISSA_BITS}",
                        max_exponent_bits=MAX_IN_EXPONENT_BITS,
                        max_mantissa_bits=MAX_IN_MANTISSA_BITS),
        FormatParameter("acc_format", "fp32",
                        f"accumulator format ({', '.join(ACC_FORMAT_NAMES)})",
                        choices=ACC_FORMAT_NAMES),
        ChoiceParameter("mul", "exact", "product: exact, or the L-Mul approximation",
                        choices=MUL_KINDS),
        _MAC_PIPELINE_STAGES,
    ),
    component=FPMAC,
    golden_factory=lambda p: (lambda a, b, en, clear: {"acc": golden.fp_mac(
        a, b, en, clear, **{name: p[name] for name in _FP_MAC_PARAMETERS})}),
    port_roles={
        "a": "operand, {in_format} bits",
        "b": "operand, {in_format} bits",
        **_MAC_CONTROL_ROLES,
        "acc": "accumulator, {acc_format} bits; NaN sticks until clear",
    },
    port_formats={"a": "in_format", "b": "in_format", "acc": "acc_format"},
    bench="macforge.verif.benches.unit_bench",
    report_configs=tuple({"in_format": in_format, "acc_format": acc_format, "mul": mul}
                         for in_format in ("e4m3", "e5m2")
                         for acc_format in ACC_FORMAT_NAMES
                         for mul in MUL_KINDS),
)

UNITS = {unit.kind: unit for unit in [
    _multiplier("lmul", "L-Mul approximate multiplier: one integer addition of the bit patterns",
                LMul, golden.lmul, saturate_default=True),
    _multiplier("fmul", "exact floating-point multiplier, round to nearest even, subnormals",
                FMul, golden.fmul, saturate_default=False),
    INT_MAC,
    FP_MAC,
]}


def get_unit(kind):
    """The registry entry for ``kind``, or ValueError listing the known kinds."""
    try:
        return UNITS[kind]
    except (KeyError, TypeError):
        raise ValueError(f"unit {kind!r} is unknown; known units: {', '.join(UNITS)}") from None
