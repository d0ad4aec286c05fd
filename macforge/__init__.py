"""macforge: an RTL generator for low-precision arithmetic units.

The public API (documented in ``docs/api.md``): :func:`build` a unit's Amaranth component
from parameters, :func:`emit` a unit kind or :func:`emit_component` any component as
Verilog plus metadata, :func:`synthesize` a Verilog file to generic-gate counts.

The repository's top-level folders are installed as this package's subpackages:
``macforge.formats`` (number formats), ``macforge.hdl`` (Amaranth components),
``macforge.gen`` (registry, emission, CLI), ``macforge.verif`` (golden models and
benches), ``macforge.sim`` (simulator runner) and ``macforge.synth`` (Yosys counts).
"""

__all__ = ["UNITS", "Emitted", "build", "emit", "emit_component", "get_unit", "synthesize"]


def __getattr__(name):
    # Loaded on first use: a bench process imports macforge.verif, and should not pay
    # for Amaranth and the registry it never touches.
    if name in __all__:
        from macforge.gen import api
        return getattr(api, name)
    raise AttributeError(f"module 'macforge' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})
