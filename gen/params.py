"""Parameter schemas: one description per unit parameter, from which the CLI flags,
``--help``, validation, top-module names and metadata are all derived."""

import argparse
from dataclasses import dataclass, field

from macforge.formats import FloatFormat

__all__ = ["Parameter", "FormatParameter", "BoolParameter", "IntParameter", "ChoiceParameter"]


@dataclass(frozen=True)
class Parameter:
    """A named unit parameter with a default and a help text.

    Subclasses define :meth:`parse` (any accepted spelling -> the canonical Python value,
    or ValueError/TypeError naming the parameter, the value and what is allowed),
    :meth:`to_json` and :meth:`tag` (a short piece of the top-module name, or None when
    the value should not appear in it).
    """

    name: str
    default: object
    help: str

    @property
    def flag(self):
        return "--" + self.name.replace("_", "-")

    def parse(self, value):
        raise NotImplementedError

    def to_json(self, value):
        return value

    def tag(self, value):
        return None

    def add_argument(self, parser):
        parser.add_argument(self.flag, dest=self.name, default=None, metavar=self.metavar,
                            help=f"{self.help} (default: {self.to_json(self.default)})")

    @property
    def metavar(self):
        return self.name.upper()


@dataclass(frozen=True)
class FormatParameter(Parameter):
    """A floating-point format, spelled as in :mod:`formats` (``e4m3``, ``e3m4fn``, ...).

    ``max_exponent_bits`` / ``max_mantissa_bits`` narrow SPEC section 2's ranges for units
    that accept only small formats; ``choices`` restricts to a fixed list of names.
    """

    max_exponent_bits: int | None = None
    max_mantissa_bits: int | None = None
    choices: tuple = ()

    def parse(self, value):
        if self.choices:
            # Only the listed names are allowed, so that is the message for any other.
            try:
                fmt = FloatFormat.parse(value, parameter=self.name)
            except (TypeError, ValueError):
                fmt = None
            if fmt is None or fmt.name not in self.choices:
                raise ValueError(f"{self.name} must be one of {', '.join(self.choices)}, "
                                 f"not {value!r}")
            return fmt
        fmt = FloatFormat.parse(value, parameter=self.name)
        if self.max_exponent_bits is not None and fmt.exponent_bits > self.max_exponent_bits \
                or self.max_mantissa_bits is not None and fmt.mantissa_bits > self.max_mantissa_bits:
            raise ValueError(f"{self.name} must have at most {self.max_exponent_bits} exponent "
                             f"and {self.max_mantissa_bits} mantissa bits, not {value!r}")
        return fmt

    def to_json(self, value):
        return FloatFormat.parse(value).name

    def tag(self, value):
        return value.name

    @property
    def metavar(self):
        return "FORMAT"


@dataclass(frozen=True)
class BoolParameter(Parameter):
    """A switch, ``--name`` / ``--no-name`` on the command line.

    ``tags`` gives the top-name piece for (True, False) when the value is not the default.
    """

    tags: tuple = ("", "")

    def parse(self, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise TypeError(f"{self.name} must be true or false, not {value!r}")

    def tag(self, value):
        if value == self.default:
            return None
        return self.tags[0] if value else self.tags[1]

    def add_argument(self, parser):
        parser.add_argument(self.flag, dest=self.name, default=None,
                            action=argparse.BooleanOptionalAction,
                            help=f"{self.help} (default: {'on' if self.default else 'off'})")


@dataclass(frozen=True)
class IntParameter(Parameter):
    """An integer in [minimum, maximum]; ``tag_prefix`` names it in the top when non-default."""

    minimum: int = 0
    maximum: int | None = None
    tag_prefix: str = ""

    def parse(self, value):
        allowed = (f"an integer from {self.minimum} to {self.maximum}" if self.maximum is not None
                   else f"an integer >= {self.minimum}")
        if isinstance(value, str):
            try:
                value = int(value, 10)
            except ValueError:
                raise ValueError(f"{self.name} must be {allowed}, not {value!r}") from None
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{self.name} must be {allowed}, not {value!r}")
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            raise ValueError(f"{self.name} must be {allowed}, not {value!r}")
        return value

    def tag(self, value):
        if value == self.default:
            return None
        return f"{self.tag_prefix}{value}"

    @property
    def metavar(self):
        return "N"


@dataclass(frozen=True)
class ChoiceParameter(Parameter):
    """One of a fixed set of strings; named in the top when non-default."""

    choices: tuple = field(default_factory=tuple)

    def parse(self, value):
        if value not in self.choices:
            raise ValueError(f"{self.name} must be one of {', '.join(self.choices)}, not {value!r}")
        return value

    def tag(self, value):
        return None if value == self.default else value

    def add_argument(self, parser):
        parser.add_argument(self.flag, dest=self.name, default=None, choices=self.choices,
                            help=f"{self.help} (default: {self.default})")
