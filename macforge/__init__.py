"""macforge: an RTL generator for low-precision arithmetic units.

The public API (documented in ``docs/api.md``): :func:`build` a unit's Amaranth component
from parameters, :func:`emit` a unit kind or :func:`emit_component` any component as
Verilog plus metadata, :func:`synthesize` a Verilog file to generic-gate counts.

The repository's top-level folders are installed as this package's subpackages:
``macforge.formats`` (number formats), ``macforge.hdl`` (Amaranth components),
``macforge.gen`` (registry, emission, CLI), ``macforge.verif`` (golden models and
benches), ``macforge.sim`` (simulator runner) and ``macforge.synth`` (Yosys counts).
"""

from macforge.gen.api import UNITS, Emitted, build, emit, emit_component, get_unit, synthesize

__all__ = ["UNITS", "Emitted", "build", "emit", "emit_component", "get_unit", "synthesize"]
