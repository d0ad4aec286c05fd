"""Parameter schemas: each unit parameter described once.

A unit's component declares its parameters as a :class:`Schema` of the classes below.
The same objects validate the component's keyword arguments when it is built, become the
command-line flags and their ``--help``, name the top module, and write the ``params`` of
the metadata file.  Every check raises before any hardware exists, with a message naming
the parameter, the bad value and what is allowed.

Two ways in: :meth:`Parameter.check` takes a Python value of the right type (a component's
keyword argument) and :meth:`Parameter.parse` also accepts the text of a command-line flag
(``"8"``, ``"true"``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from macforge.formats import DTYPES, FloatFormat, WeightDtype

__all__ = ["Flag", "Parameter", "BoolParameter", "ChoiceParameter", "DtypeParameter",
           "FormatParameter", "IntParameter",
           "KindParameter", "SubunitParameters", "CheckedParameters", "Schema"]


@dataclass(frozen=True)
class Flag:
    """A command-line flag standing for a parameter, or for part of one.

    Attributes
    ----------
    dest : str
        Where the command line's parser stores the flag's text.
    parameter : Parameter
        The parameter whose flag, help, default and choices it shows.
    owner : str
        Put before the help: who takes the parameter (``"pe int_mac: "``), or nothing.
    """

    dest: str
    parameter: "Parameter"
    owner: str = ""


@dataclass(frozen=True)
class Parameter:
    """A named unit parameter with a default and a help text.

    Subclasses define :meth:`check` (a Python value -> the canonical value, or
    TypeError/ValueError), and may refine :meth:`parse`, :meth:`to_json` and :meth:`tag`
    (the value's piece of the top-module name, None to leave it out).
    """

    name: str
    default: object
    help: str
    derived: Callable | None = None
    """With a ``default`` of None: the default follows the other parameters, as
    ``derived(values)`` of their checked values (an output width sized from the inputs)."""
    derived_text: str = "derived from the other parameters"
    """How ``--help`` states a derived default."""

    @property
    def flag(self):
        """The command-line flag: ``pipeline_stages`` -> ``--pipeline-stages``."""
        return "--" + self.name.replace("_", "-")

    @property
    def metavar(self):
        return self.name.upper()

    @property
    def choices(self):
        """The allowed values when they are a short list the command line can offer."""
        return None

    def check(self, value):
        raise NotImplementedError

    def parse(self, value):
        """:meth:`check`, also accepting the text a command line gives."""
        return self.check(value)

    def to_json(self, value):
        return value

    def tag(self, value):
        return None

    def flags(self):
        """The command-line flags standing for this parameter: its own."""
        return (Flag(self.name, self),)

    def from_flags(self, given):
        """The value the command line gave, from ``given`` (flag dest -> text, flags not
        given left out); None when it gave none."""
        return given.get(self.name)

    def complete(self, value, values, *, parse):
        """The final value, once every parameter has its own (``values``): for a value
        whose rules depend on another parameter.  ``parse``: command-line text allowed."""
        if value is None and self.derived is not None:
            return self.check(self.derived(values))
        return value

    @property
    def default_text(self):
        """The default as ``--help`` and ``macforge list`` show it."""
        if self.default is None and self.derived is not None:
            return self.derived_text
        return str(self.to_json(self.default))


@dataclass(frozen=True)
class FormatParameter(Parameter):
    """A floating-point format: a :class:`FloatFormat` or its name (``e4m3``, ``e3m4fn``).

    ``max_exponent_bits`` / ``max_mantissa_bits`` narrow the generic ranges for units that
    take only small formats; ``allowed`` restricts to a fixed list of format names.
    """

    max_exponent_bits: int | None = None
    max_mantissa_bits: int | None = None
    allowed: tuple = ()

    @property
    def metavar(self):
        return "FORMAT"

    def check(self, value):
        if self.allowed:
            return self._check_listed(value)
        if not isinstance(value, (str, FloatFormat)):
            raise TypeError(f"{self.name} must be a FloatFormat or a format name such as "
                            f"'e4m3', not {value!r}")
        fmt = FloatFormat.parse(value, parameter=self.name)
        if (self.max_exponent_bits is not None and fmt.exponent_bits > self.max_exponent_bits
                or self.max_mantissa_bits is not None
                and fmt.mantissa_bits > self.max_mantissa_bits):
            shown = value.name if isinstance(value, FloatFormat) else value
            raise ValueError(f"{self.name} must have at most {self.max_exponent_bits} exponent "
                             f"and {self.max_mantissa_bits} mantissa bits, not {shown!r}")
        return fmt

    def _check_listed(self, value):
        listed = ", ".join(self.allowed)
        if not isinstance(value, (str, FloatFormat)):
            raise TypeError(f"{self.name} must be a FloatFormat or one of {listed}, "
                            f"not {value!r}")
        try:
            fmt = FloatFormat.parse(value, parameter=self.name)
        except ValueError:
            fmt = None
        if fmt is None or fmt.name not in self.allowed:
            shown = value.name if isinstance(value, FloatFormat) else value
            raise ValueError(f"{self.name} must be one of {listed}, not {shown!r}")
        return fmt

    def to_json(self, value):
        return FloatFormat.parse(value).name

    def tag(self, value):
        return value.name


@dataclass(frozen=True)
class DtypeParameter(Parameter):
    """A weight datatype (docs/units.md section 7): a
    :class:`~macforge.formats.WeightDtype` or its name (``int4``, ``fp4_mixed``)."""

    @property
    def metavar(self):
        return "DTYPE"

    @property
    def choices(self):
        return tuple(DTYPES)

    def check(self, value):
        if not isinstance(value, (str, WeightDtype)):
            raise TypeError(f"{self.name} must be one of {', '.join(DTYPES)}, not {value!r}")
        return WeightDtype.parse(value, parameter=self.name)

    def to_json(self, value):
        return WeightDtype.parse(value).name

    def tag(self, value):
        return value.name


@dataclass(frozen=True)
class BoolParameter(Parameter):
    """A switch: ``--name`` / ``--no-name`` on the command line.

    ``tags`` gives the top-name piece for (True, False) when the value is not the default.
    """

    tags: tuple = ("", "")

    def check(self, value):
        if not isinstance(value, bool):
            raise TypeError(f"{self.name} must be True or False, not {value!r}")
        return value

    def parse(self, value):
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return self.check(value)

    def tag(self, value):
        if value == self.default:
            return None
        return self.tags[0] if value else self.tags[1]

    @property
    def default_text(self):
        if self.default is None:
            return super().default_text
        return "on" if self.default else "off"


@dataclass(frozen=True)
class IntParameter(Parameter):
    """An integer in ``[minimum, maximum]``; ``tag_prefix`` names it in the top when it is
    not the default."""

    minimum: int = 0
    maximum: int | None = None
    tag_prefix: str = ""

    @property
    def metavar(self):
        return "N"

    @property
    def allowed(self):
        if self.maximum is None:
            return f"an integer >= {self.minimum}"
        return f"an integer from {self.minimum} to {self.maximum}"

    def check(self, value):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{self.name} must be {self.allowed}, not {value!r}")
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            raise ValueError(f"{self.name} must be {self.allowed}, not {value!r}")
        return value

    def parse(self, value):
        if isinstance(value, str):
            try:
                value = int(value, 10)
            except ValueError:
                raise ValueError(f"{self.name} must be {self.allowed}, not {value!r}") from None
        return self.check(value)

    def tag(self, value):
        return None if value == self.default else f"{self.tag_prefix}{value}"


@dataclass(frozen=True)
class ChoiceParameter(Parameter):
    """One of a fixed set of strings; named in the top when it is not the default."""

    options: tuple = field(default_factory=tuple)

    @property
    def choices(self):
        return self.options

    def check(self, value):
        allowed = " or ".join(map(repr, self.choices))
        if not isinstance(value, str):
            raise TypeError(f"{self.name} must be {allowed}, not {value!r}")
        if value not in self.choices:
            raise ValueError(f"{self.name} must be {allowed}, not {value!r}")
        return value

    def tag(self, value):
        return None if value == self.default else value


@dataclass(frozen=True)
class KindParameter(ChoiceParameter):
    """The kind of a sub-unit (a systolic array's PE): one of the unit components
    ``units()`` returns as ``{kind: class}``, asked when needed, so a kind defined later
    joins without an edit here."""

    units: Callable = dict

    @property
    def choices(self):
        return tuple(self.units())


class CheckedParameters(dict):
    """A sub-unit's checked parameter values; ``unit`` is its component class."""

    def __init__(self, unit, values):
        super().__init__(values)
        self.unit = unit


@dataclass(frozen=True)
class SubunitParameters(Parameter):
    """The parameters of the sub-unit that ``kind`` (a :class:`KindParameter` of the same
    schema) chooses, as a dict.  That unit's own schema and rules check them, so a message
    names the sub-unit, the parameter, the value and what is allowed.  On the command line
    each sub-unit parameter is a flag of its own (:meth:`flags`)."""

    kind: KindParameter = None

    def check(self, value):
        if value is None:
            return {}
        if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
            raise TypeError(f"{self.name} must be a dict of parameter names to values, "
                            f"not {value!r}")
        return dict(value)

    def complete(self, value, values, *, parse):
        kind = values[self.kind.name]
        unit = self.kind.units()[kind]
        owner = f"{self.kind.name} {kind!r}"
        checked = (unit.parameters.parse if parse else unit.parameters.check)(value, owner=owner)
        try:
            checked = unit.check_joint(checked, owner=owner)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{owner}: {error}") from None
        return CheckedParameters(unit, checked)

    def flags(self):
        """One flag per distinct parameter name of the sub-unit kinds, ``dest``
        ``<name>.<parameter>``, the first kind that declares a name giving its help."""
        declared = {}
        for kind, unit in self.kind.units().items():
            for parameter in unit.parameters:
                kinds, first = declared.get(parameter.name, ((), parameter))
                declared[parameter.name] = (kinds + (kind,), first)
        return tuple(Flag(f"{self.name}.{parameter.name}", parameter,
                          f"{self.kind.name} {' or '.join(kinds)}: ")
                     for kinds, parameter in declared.values())

    def from_flags(self, given):
        """The sub-unit parameters given as flags; the empty dict takes every default."""
        prefix = f"{self.name}."
        return {dest[len(prefix):]: value for dest, value in given.items()
                if dest.startswith(prefix)}

    def to_json(self, value):
        return value.unit.parameters.to_json(value)

    def tag(self, value):
        return value.unit.top_name(value)

    @property
    def default_text(self):
        return "each parameter's own default"


class Schema:
    """A unit's parameters, in command-line and top-name order.

    Parameters
    ----------
    *parameters : Parameter
        Distinct names.
    """

    def __init__(self, *parameters):
        names = [parameter.name for parameter in parameters]
        for parameter in parameters:
            if not isinstance(parameter, Parameter):
                raise TypeError(f"a schema holds Parameter objects, not {parameter!r}")
            if names.count(parameter.name) > 1:
                raise ValueError(f"parameter {parameter.name!r} is declared twice")
        self._parameters = tuple(parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __len__(self):
        return len(self._parameters)

    def __getitem__(self, name):
        for parameter in self._parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(name)

    @property
    def names(self):
        return tuple(parameter.name for parameter in self._parameters)

    def _complete(self, values, owner, *, parse):
        unknown = sorted(set(values) - set(self.names))
        if unknown:
            raise TypeError(f"{owner} has no parameter {unknown[0]!r}; its parameters are "
                             f"{', '.join(self.names) or 'none'}")
        checked = {}
        for parameter in self._parameters:
            convert = parameter.parse if parse else parameter.check
            value = values.get(parameter.name, parameter.default)
            # A derived default is filled in by complete(), once the others are checked.
            derive = value is None and parameter.derived is not None
            checked[parameter.name] = None if derive else convert(value)
        for parameter in self._parameters:
            checked[parameter.name] = parameter.complete(checked[parameter.name], checked,
                                                         parse=parse)
        return checked

    def check(self, values, *, owner):
        """Validate a component's keyword arguments; return every parameter's value.

        Missing parameters take their defaults; an unknown name, a wrong type or a value
        out of range raises ValueError or TypeError naming it (``owner`` names the unit).
        """
        return self._complete(values, owner, parse=False)

    def parse(self, values, *, owner):
        """:meth:`check` for values that may also be command-line text; None is a default."""
        values = {name: value for name, value in values.items() if value is not None}
        return self._complete(values, owner, parse=True)

    def to_json(self, values):
        """The metadata's ``params``: every parameter by name, as JSON values."""
        return {parameter.name: parameter.to_json(values[parameter.name])
                for parameter in self._parameters}

    def tags(self, values):
        """Top-name pieces of the values (formats always, others when not the default)."""
        return [tag for parameter in self._parameters
                for tag in [parameter.tag(values[parameter.name])] if tag]
