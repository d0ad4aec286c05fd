"""How each unit kind is verified: its golden model and its cocotb bench, one entry each.

The hardware side of a unit kind is its component in ``macforge.hdl``; this table is the
verification side.  A golden model entry takes the unit's checked parameters (as the
component's schema gives them) and returns a callable that takes the input ports' arrays
by name and returns ``{output port: expected array}``; for clocked units element t of an
output is its value after cycle t.  Golden models never import ``hdl``.
"""

from dataclasses import dataclass

from . import golden

__all__ = ["Verification", "VERIFICATION", "UNIT_BENCH"]

UNIT_BENCH = "macforge.verif.benches.unit_bench"
"""The cocotb bench for any fixed-latency unit: vectors in, golden outputs compared."""


@dataclass(frozen=True)
class Verification:
    """A unit kind's golden model factory and the cocotb module that benches it."""

    golden: object
    bench: str = UNIT_BENCH


def _multiplier(model):
    return lambda params: lambda a, b: {
        "y": model(params["format"], a, b, saturate=params["saturate"])}


def _mac(model, names):
    return lambda params: lambda a, b, en, clear: {
        "acc": model(a, b, en, clear, **{name: params[name] for name in names})}


VERIFICATION = {
    "lmul": Verification(_multiplier(golden.lmul)),
    "fmul": Verification(_multiplier(golden.fmul)),
    "int_mac": Verification(_mac(golden.int_mac, ("a_width", "b_width", "signed", "acc_width",
                                                   "overflow"))),
    "fp_mac": Verification(_mac(golden.fp_mac, ("in_format", "acc_format", "mul"))),
    "systolic": Verification(golden.systolic, bench="macforge.verif.benches.systolic_bench"),
    # The bit-parallel reference computes what the bit-serial PE does, on the same stream.
    "bitserial_pe": Verification(golden.bitserial_pe,
                                 bench="macforge.verif.benches.bitserial_bench"),
    "bitparallel_pe": Verification(golden.bitserial_pe,
                                   bench="macforge.verif.benches.bitserial_bench"),
}
