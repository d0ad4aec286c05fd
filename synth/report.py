"""Plain-text comparison tables of synthesis results.

This module decides nothing about which units exist: the caller (gen's sweep over the unit
registry) synthesizes whatever it wants and hands over rows.  A row is a mapping such as
``{"unit": "lmul", "format": "e4m3", "cells": 36, "flops": 0, ...}`` (typically the labels
merged with a :func:`synth.yosys.gate_count` result), or a ``(labels, result)`` pair of
mappings, which is merged for you with the labels winning on a clash.

>>> rows = [({"unit": "lmul", "format": "e4m3"}, {"cells": 36, "flops": 0}),
...         ({"unit": "fmul", "format": "e4m3"}, {"cells": 144, "flops": 0})]
>>> print(format_table(rows, UNIT_COLUMNS))
unit  format  cells  flops
----  ------  -----  -----
lmul  e4m3       36      0
fmul  e4m3      144      0
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Column", "UNIT_COLUMNS", "format_table", "format_markdown"]

MISSING = "-"
_ALIGNMENTS = ("left", "right")


@dataclass(frozen=True)
class Column:
    """One table column.

    Parameters
    ----------
    key : str
        Row key to show.
    header : str or None
        Header text; None uses ``key``.
    align : str
        ``"left"`` or ``"right"``.
    fmt : str
        Format spec applied to present values (``".3f"``); ``""`` uses ``str``.  A value
        that is None or absent from the row prints as ``-``.
    """

    key: str
    header: str | None = None
    align: str = "right"
    fmt: str = ""

    def __post_init__(self):
        if not isinstance(self.key, str) or not self.key:
            raise ValueError(f"Column key must be a non-empty str, got {self.key!r}")
        if self.header is not None and not isinstance(self.header, str):
            raise TypeError(f"Column header must be a str or None, got {self.header!r}")
        if self.align not in _ALIGNMENTS:
            raise ValueError(f"Column align must be one of {_ALIGNMENTS}, got {self.align!r}")
        if not isinstance(self.fmt, str):
            raise TypeError(f"Column fmt must be a format-spec str, got {self.fmt!r}")

    @property
    def title(self):
        return self.key if self.header is None else self.header

    def render(self, row):
        value = row.get(self.key)
        if value is None:
            return MISSING
        return format(value, self.fmt) if self.fmt else str(value)


UNIT_COLUMNS = (
    Column("unit", align="left"),
    Column("format", align="left"),
    Column("cells"),
    Column("flops"),
)


def _as_row(row, index):
    if isinstance(row, Mapping):
        return dict(row)
    if (isinstance(row, Sequence) and not isinstance(row, str) and len(row) == 2
            and isinstance(row[0], Mapping) and isinstance(row[1], Mapping)):
        labels, result = row
        return {**result, **labels}
    raise TypeError(
        f"rows[{index}] must be a mapping or a (labels, result) pair of mappings, "
        f"got {row!r}")


def _as_rows(rows):
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Sequence):
        raise TypeError(f"rows must be a sequence of rows, got {type(rows).__name__}")
    return [_as_row(row, index) for index, row in enumerate(rows)]


def _columns(columns):
    if isinstance(columns, (str, bytes)) or not isinstance(columns, Sequence) or not columns:
        raise ValueError(f"columns must be a non-empty sequence of Column or str, got {columns!r}")
    columns = [Column(column) if isinstance(column, str) else column for column in columns]
    for index, column in enumerate(columns):
        if not isinstance(column, Column):
            raise TypeError(f"columns[{index}] must be a Column or str, got {column!r}")
    return columns


def format_markdown(rows, columns):
    """Render ``rows`` as a Markdown table (the same rows and columns as
    :func:`format_table`); ``|`` in a value is escaped."""
    rows = _as_rows(rows)
    columns = _columns(columns)

    def line(texts):
        return "| " + " | ".join(text.replace("|", "\\|") for text in texts) + " |"

    rule = "|" + "|".join(":---" if column.align == "left" else "---:" for column in columns) + "|"
    out = [line([column.title for column in columns]), rule]
    out.extend(line([column.render(row) for column in columns]) for row in rows)
    return "\n".join(out)


def format_table(rows, columns):
    """Render ``rows`` as an aligned plain-text table.

    Parameters
    ----------
    rows : sequence of mapping or (mapping, mapping)
        One entry per table line; see the module docstring.
    columns : sequence of Column or str
        What to show, in order; a bare str is ``Column(key)`` (right-aligned).

    Returns
    -------
    str
        Header, a dashed rule, then one line per row; columns two spaces apart, no
        trailing whitespace, no final newline.
    """
    rows = _as_rows(rows)
    columns = _columns(columns)

    cells = [[column.render(row) for column in columns] for row in rows]
    widths = [max([len(column.title), *(len(line[i]) for line in cells)])
              for i, column in enumerate(columns)]

    def line(texts):
        padded = [text.ljust(width) if column.align == "left" else text.rjust(width)
                  for text, width, column in zip(texts, widths, columns)]
        return "  ".join(padded).rstrip()

    out = [line([column.title for column in columns]), line(["-" * width for width in widths])]
    out.extend(line(texts) for texts in cells)
    return "\n".join(out)
