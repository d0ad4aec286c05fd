"""What every macforge unit declares about itself, in one place: :class:`UnitComponent`."""

from amaranth.lib import wiring

from .parameters import Schema

__all__ = ["UnitComponent"]


class UnitComponent(wiring.Component):
    """Base of every unit kind: an Amaranth component that describes itself.

    A subclass is the whole definition of a unit kind on the hardware side.  As class
    attributes it declares ``kind`` (its name on the command line and in metadata),
    ``summary`` (one line of help), ``parameters`` (a :class:`~.parameters.Schema`, which
    the constructor, the command line, the top-module name and the metadata all use) and
    ``report_configs`` (the parameter sets the area report synthesizes).  As properties and
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

    def __init__(self, signature, params):
        self._params = dict(params)
        super().__init__(signature)

    @classmethod
    def check_parameters(cls, values):
        """:meth:`Schema.check` of ``values`` against this unit's parameters."""
        return cls.parameters.check(values, owner=cls.__name__)

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
        """Member name -> the :class:`~macforge.formats.FloatFormat` of its bit patterns."""
        return {}
