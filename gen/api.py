"""macforge's public Python API; the ``macforge`` command is a thin layer over it.

::

    import macforge

    mac = macforge.build("fp_mac", in_format="e4m3", acc_format="fp16")   # a Component
    unit = macforge.emit("lmul", {"format": "bf16"}, out_dir="build/u")  # .v + .json
    mine = macforge.emit_component(MyArray(), name="my_array", out_dir="build/u")
    counts = macforge.synthesize(unit.verilog_path, top=unit.top)        # generic gates

Units are the kinds of :data:`UNITS` (``macforge list`` prints them with their
parameters).  Bad parameters raise ValueError or TypeError naming the parameter, the value
and what is allowed, before any hardware is built.
"""

from macforge.synth import gate_count

from .emit import Emitted, emit, emit_component
from .registry import UNITS, get_unit

__all__ = ["UNITS", "Emitted", "build", "emit", "emit_component", "get_unit", "synthesize"]


def build(kind, **params):
    """The Amaranth component of unit ``kind`` with ``params`` (defaults for the rest).

    The component can be simulated with Amaranth, placed inside a design of your own and
    emitted with :func:`emit_component`.
    """
    unit = get_unit(kind)
    return unit.build(unit.resolve(params))


def synthesize(verilog_path, *, top, work_dir=None):
    """Generic-gate counts of ``top`` in a Verilog file, from Yosys.

    Returns a dict with ``cells`` (flip-flops included), ``flops`` and ``by_type``, among
    others (see :func:`macforge.synth.gate_count`).
    """
    return gate_count(verilog_path, top, work_dir=work_dir)
