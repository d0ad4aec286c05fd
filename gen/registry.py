# amaranth: UnusedElaboratable=no
"""The unit registry: every unit kind, from its component and its verification entry.

A unit kind is defined where its hardware is: a :class:`~macforge.hdl.unit.UnitComponent`
subclass in a module of ``macforge.hdl`` declares its kind, summary, parameter schema,
ports and report configurations.  :data:`macforge.verif.units.VERIFICATION` adds its golden
model and bench.  The registry finds the components by scanning ``macforge.hdl``, so the
command line, validation, metadata and the report sweep pick a new unit up without an
edit here.
"""

import importlib
import inspect
import pkgutil
from dataclasses import dataclass

from macforge import hdl
from macforge.hdl.unit import UnitComponent
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


def _unit_components():
    """Every UnitComponent subclass that names a kind, ordered by module and class name."""
    found = []
    for module_info in sorted(pkgutil.iter_modules(hdl.__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{hdl.__name__}.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (issubclass(cls, UnitComponent) and cls.__module__ == module.__name__
                    and "kind" in vars(cls) and cls.kind is not None):
                found.append(cls)
    kinds = [cls.kind for cls in found]
    duplicates = sorted({kind for kind in kinds if kinds.count(kind) > 1})
    if duplicates:
        raise RuntimeError(f"unit kind {duplicates[0]!r} is declared by more than one component")
    return found


UNITS = {cls.kind: Unit(cls) for cls in _unit_components()}


def get_unit(kind):
    """The registry entry for ``kind``, or ValueError listing the known kinds."""
    try:
        return UNITS[kind]
    except (KeyError, TypeError):
        raise ValueError(f"unit {kind!r} is unknown; known units: {', '.join(UNITS)}") from None
