"""Plain-text comparison tables of synthesis results.

This module decides nothing about which units exist: the caller (gen's sweep over the unit
registry) synthesizes whatever it wants and hands over rows.  A row is a mapping such as
``{"unit": "lmul", "format": "e4m3", "cells": 36, "flops": 0, ...}`` (typically the labels
merged with a :func:`synth.yosys.gate_count` result), or a ``(labels, result)`` pair of
mappings, which is merged for you with the labels winning on a clash.

>>> rows = [({"unit": "lmul", "format": "e4m3"}, {"cells": 36, "flops": 0}),
...         ({"unit": "fmul", "format": "e4m3"}, {"cells": 144, "flops": 0})]
>>> print(comparison_table(rows, [("lmul", "fmul")]))
unit  format  cells  flops
----  ------  -----  -----
lmul  e4m3       36      0
fmul  e4m3      144      0
<BLANKLINE>
format  pair       cells ratio  flops ratio
------  ---------  -----------  -----------
e4m3    lmul/fmul        0.250            -
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "Column",
    "UNIT_COLUMNS",
    "format_table",
    "ratio_rows",
    "ratio_columns",
    "comparison_table",
]

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
    if isinstance(columns, (str, bytes)) or not isinstance(columns, Sequence) or not columns:
        raise ValueError(f"columns must be a non-empty sequence of Column or str, got {columns!r}")
    columns = [Column(column) if isinstance(column, str) else column for column in columns]
    for index, column in enumerate(columns):
        if not isinstance(column, Column):
            raise TypeError(f"columns[{index}] must be a Column or str, got {column!r}")

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


def _check_pairs(pairs):
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence):
        raise TypeError(f"pairs must be a sequence of (numerator, denominator) unit names, "
                        f"got {pairs!r}")
    for pair in pairs:
        if (isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2
                or not all(isinstance(name, str) for name in pair)):
            raise ValueError(f"each of pairs must be a (numerator, denominator) pair of unit "
                             f"names, got {pair!r}")
        if pair[0] == pair[1]:
            raise ValueError(f"a pair must name two different units, got {tuple(pair)!r}")


def _check_metrics(metrics):
    if (isinstance(metrics, str) or not isinstance(metrics, Sequence) or not metrics
            or not all(isinstance(metric, str) and metric for metric in metrics)):
        raise ValueError(f"metrics must be a non-empty sequence of row keys, got {metrics!r}")


def _ratio(numerator, denominator):
    # No ratio when either side is missing or the baseline is 0 (flops of two
    # combinational units): a "-" says more than inf or nan would.
    if not isinstance(numerator, (int, float)) or not isinstance(denominator, (int, float)):
        return None
    if denominator == 0:
        return None
    return numerator / denominator


def ratio_rows(rows, pairs, *, group_key="format", unit_key="unit", metrics=("cells", "flops")):
    """Per-group ratios of one unit's figures to another's.

    For every group (value of ``group_key``, in order of first appearance) and every
    ``(numerator, denominator)`` pair whose two units both have a row in that group,
    one output row: ``{group_key: group, "pair": "num/den", "numerator": num,
    "denominator": den, "<metric>_ratio": float or None, ...}``.  A group lacking
    either unit of a pair is skipped (a failed or skipped synthesis leaves a gap, not
    a crash); a ratio is None when a value is missing or the denominator is 0.

    Parameters
    ----------
    rows : sequence of mapping or (mapping, mapping)
        Synthesis results labelled with ``unit_key`` and ``group_key``.
    pairs : sequence of (str, str)
        Unit names to compare, e.g. ``[("lmul", "fmul")]``.
    group_key, unit_key : str
        Row keys naming the group (the format) and the unit kind.
    metrics : sequence of str
        Row keys to divide.

    Raises
    ------
    ValueError
        On malformed pairs or metrics, or two rows with the same unit and group (the
        ratio would be ambiguous).
    """
    rows = _as_rows(rows)
    _check_pairs(pairs)
    _check_metrics(metrics)
    for name, key in (("group_key", group_key), ("unit_key", unit_key)):
        if not isinstance(key, str) or not key:
            raise ValueError(f"{name} must be a non-empty str, got {key!r}")

    by_group = {}
    for row in rows:
        group, unit = row.get(group_key), row.get(unit_key)
        units = by_group.setdefault(group, {})
        if unit in units:
            raise ValueError(f"rows hold two results for {unit_key}={unit!r}, "
                             f"{group_key}={group!r}; the ratio would be ambiguous")
        units[unit] = row

    out = []
    for group, units in by_group.items():
        for numerator, denominator in pairs:
            if numerator not in units or denominator not in units:
                continue
            ratio_row = {group_key: group, "pair": f"{numerator}/{denominator}",
                         "numerator": numerator, "denominator": denominator}
            for metric in metrics:
                ratio_row[f"{metric}_ratio"] = _ratio(units[numerator].get(metric),
                                                      units[denominator].get(metric))
            out.append(ratio_row)
    return out


def ratio_columns(*, group_key="format", metrics=("cells", "flops"), digits=3):
    """Columns that show :func:`ratio_rows` output: group, pair, one per metric."""
    _check_metrics(metrics)
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 12:
        raise ValueError(f"digits must be an int in 0..12, got {digits!r}")
    return (Column(group_key, align="left"), Column("pair", align="left"),
            *(Column(f"{metric}_ratio", header=f"{metric} ratio", fmt=f".{digits}f")
              for metric in metrics))


def comparison_table(rows, pairs, *, columns=UNIT_COLUMNS, group_key="format", unit_key="unit",
                     metrics=("cells", "flops"), digits=3):
    """The unit table, then (if any pair matched) the ratio table, a blank line apart.

    Parameters are those of :func:`format_table`, :func:`ratio_rows` and
    :func:`ratio_columns`; ``columns`` is for the unit table.
    """
    text = format_table(rows, columns)
    ratios = ratio_rows(rows, pairs, group_key=group_key, unit_key=unit_key, metrics=metrics)
    if ratios:
        text += "\n\n" + format_table(
            ratios, ratio_columns(group_key=group_key, metrics=metrics, digits=digits))
    return text
