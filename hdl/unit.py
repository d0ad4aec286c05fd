"""What every macforge unit declares about itself, in one place: :class:`UnitComponent`."""

import importlib
import inspect
import pkgutil

from amaranth.lib import wiring

from .parameters import Schema

__all__ = ["UnitComponent", "unit_components"]


class UnitComponent(wiring.Component):
    """Base of every unit kind: an Amaranth component that describes itself.

    A subclass is the whole definition of a unit kind on the hardware side.  As class
    attributes it declares ``kind`` (its name on the command line and in metadata),
    ``summary`` (one line of help), ``parameters`` (a :class:`~.parameters.Schema`, which
    the constructor, the command line, the top-module name and the metadata all use) and
    ``report_configs`` (the parameter sets the area report synthesizes; ``make report``
    takes the ``quick_report_configs`` among them, all of them by default).  As properties and
    methods it states its timing and what its ports carry; emission writes the metadata
    file from them and from the signature.

    Parameters
    ----------
    signature : wiring.Signature
        The unit's ports.
    params : dict
        Every parameter's checked value, as :meth:`Schema.check` returns them.
    """

    kind = None
    summary = None
    parameters = Schema()
    report_configs = ({},)
    quick_report_configs = None
    """The report configurations of the default sweep; None: all of them."""

    def __init__(self, signature, params):
        self._params = dict(params)
        super().__init__(signature)

    @classmethod
    def check_parameters(cls, values):
        """:meth:`Schema.check` of ``values`` against this unit's parameters, then
        :meth:`check_joint`."""
        return cls.check_joint(cls.parameters.check(values, owner=cls.__name__),
                               owner=cls.__name__)

    @classmethod
    def check_joint(cls, params, *, owner):
        """Check the rules that join several of the schema's checked values; return
        them.  Raises ValueError naming the parameter, the value and what is allowed."""
        return params

    @classmethod
    def parts(cls, params):
        """``(count, kind, params)`` when the unit is ``count`` copies of another unit
        kind plus glue (an array of PEs), for the report's cells per copy; else None."""
        return None

    @classmethod
    def reference(cls, params):
        """``(kind, params)`` of the unit this one is measured against on the same work
        (a bit-serial PE's bit-parallel twin), for the report; else None."""
        return None

    @classmethod
    def top_name(cls, params):
        """Top-module name for checked parameters: the kind, then each parameter's tag
        (formats always, other parameters when not at their default)."""
        return "_".join([cls.kind, *cls.parameters.tags(params)])

    @property
    def params(self):
        """Every parameter's value (formats as :class:`~macforge.formats.FloatFormat`)."""
        return dict(self._params)

    @property
    def latency(self):
        """Rising clock edges from inputs to the matching output; 0 is combinational."""
        raise NotImplementedError(f"{type(self).__name__} does not state its latency")

    @property
    def ii(self):
        """Cycles between independent operations; None for stream units, whose throughput
        keys say how fast beats are taken."""
        return None if self.handshake == "valid_ready" else 1

    @property
    def handshake(self):
        """``"valid_ready"`` for stream units; None for fixed-latency units."""
        return None

    @property
    def latency_formula(self):
        """The latency in the unit's parameters (text), or None when it is a constant."""
        return None

    @property
    def throughput(self):
        """Extra metadata keys of a stream unit (``cycles_per_beat``, ...); empty otherwise."""
        return {}

    def port_roles(self):
        """Top-level member name (or dotted path of a nested member) -> what it carries."""
        return {}

    def port_formats(self):
        """Member name -> the :class:`~macforge.formats.FloatFormat` of its bit patterns
        (of each lane, for a packed port)."""
        return {}

    def port_lanes(self):
        """Member name -> lane width, for ports that pack several values: lane ``l`` is
        bits ``[l*w, (l+1)*w)``."""
        return {}


def unit_components(base=UnitComponent):
    """Every subclass of ``base`` that names a kind, in the modules of ``macforge.hdl``,
    ordered by module and class name.  A unit kind is found where it is defined, so adding
    one touches its own module only."""
    package = importlib.import_module(__package__)
    found = []
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (issubclass(cls, base) and cls.__module__ == module.__name__
                    and "kind" in vars(cls) and cls.kind is not None):
                found.append(cls)
    kinds = [cls.kind for cls in found]
    duplicates = sorted({kind for kind in kinds if kinds.count(kind) > 1})
    if duplicates:
        raise RuntimeError(f"unit kind {duplicates[0]!r} is declared by more than one component")
    return found
