# amaranth: UnusedElaboratable=no
"""The unit registry: every unit kind, from its component and its verification entry.

A unit kind is defined where its hardware is: a :class:`~macforge.hdl.unit.UnitComponent`
subclass in a module of ``macforge.hdl`` declares its kind, summary, parameter schema,
ports and report configurations.  :data:`macforge.verif.units.VERIFICATION` adds its golden
model and bench.  The registry finds the components by scanning ``macforge.hdl``, so the
command line, validation, metadata and the report sweep pick a new unit up without an
edit here.
"""

from dataclasses import dataclass

from macforge.hdl.unit import unit_components
from macforge.verif.units import VERIFICATION

__all__ = ["Unit", "UNITS", "get_unit"]


@dataclass(frozen=True)
class Unit:
    """One unit kind: its component class, seen through the registry's eyes.

    Attributes
    ----------
    component : type
        The :class:`UnitComponent` subclass; ``component(**params)`` builds the unit.
    """

    component: type

    @property
    def kind(self):
        return self.component.kind

    @property
    def summary(self):
        return self.component.summary

    @property
    def parameters(self):
        """The component's :class:`~macforge.hdl.parameters.Schema`."""
        return self.component.parameters

    @property
    def report_configs(self):
        return self.component.report_configs

    def resolve(self, params=None):
        """Check and complete a parameter dict (Python values or command-line text; None
        takes the default).  Unknown names raise TypeError, bad values ValueError or
        TypeError, naming the parameter, the value and what is allowed."""
        return self.parameters.parse(dict(params or {}), owner=self.kind)

    def top_name(self, resolved):
        return self.component.top_name(resolved)

    def params_json(self, resolved):
        return self.parameters.to_json(resolved)

    def build(self, resolved):
        """The component for resolved parameters; its constructor checks the rules that
        join several parameters."""
        return self.component(**resolved)

    @property
    def verification(self):
        try:
            return VERIFICATION[self.kind]
        except KeyError:
            raise LookupError(f"unit {self.kind!r} has no entry in "
                              f"macforge.verif.units.VERIFICATION") from None

    @property
    def bench(self):
        """The cocotb module that checks the emitted Verilog."""
        return self.verification.bench

    def golden_model(self, params):
        """The golden model for these parameters: ``model(**inputs) -> {output: array}``."""
        return self.verification.golden(self.resolve(params))


UNITS = {cls.kind: Unit(cls) for cls in unit_components()}


def get_unit(kind):
    """The registry entry for ``kind``, or ValueError listing the known kinds."""
    try:
        return UNITS[kind]
    except (KeyError, TypeError):
        raise ValueError(f"unit {kind!r} is unknown; known units: {', '.join(UNITS)}") from None
