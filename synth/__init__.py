"""Gate counts of Verilog designs through Yosys, and comparison tables of the results.

synth knows nothing of Amaranth or of macforge's units: it takes a Verilog file and a top
module name (:func:`gate_count`), and formats results it is handed (:mod:`synth.report`).
"""

from .report import UNIT_COLUMNS, Column, format_markdown, format_table
from .yosys import SynthError, gate_count, is_flop_type, short_type_name

__all__ = [
    "SynthError",
    "gate_count",
    "is_flop_type",
    "short_type_name",
    "Column",
    "UNIT_COLUMNS",
    "format_table",
    "format_markdown",
]
