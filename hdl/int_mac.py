"""Integer multiply-accumulate unit (docs/units.md section 5)."""

from .int_arithmetic import IntMacArithmetic
from .mac import MAC_PIPELINE_STAGES, MultiplyAccumulator
from .parameters import BoolParameter, ChoiceParameter, IntParameter, Schema

__all__ = ["IntMAC"]

_MIN_OPERAND_WIDTH, _MAX_OPERAND_WIDTH = 2, 16
_MAX_ACC_WIDTH = 48


class IntMAC(MultiplyAccumulator):
    """Integer multiply-accumulate: ``acc <- f((clear ? 0 : acc) + a * b)`` while ``en``.

    ``f`` wraps modulo ``2^acc_width`` or saturates to the accumulator's range (docs/units.md
    section 5).  One accumulation per clock at every pipelining depth.  The step is
    :class:`~macforge.hdl.int_arithmetic.IntMacArithmetic` (one adder tree for the
    partial products and the accumulator, an incrementer above it); ``en`` is the
    accumulator's flip-flop enable.

    Parameters
    ----------
    a_width, b_width : int
        Operand widths, 2 to 16 (default 8).
    signed : bool
        Two's complement operands and accumulator (True, default) or all unsigned.
    acc_width : int
        Accumulator width, ``a_width + b_width`` to 48 (default 32).
    overflow : {"wrap", "saturate"}
        Wrap modulo ``2^acc_width`` (default) or clamp to ``[-2^(W-1), 2^(W-1) - 1]``
        (signed) / ``[0, 2^W - 1]`` (unsigned).
    pipeline_stages : int
        Register banks on the multiply side (default 0).  The first one holds the
        product in carry-save form (two rows, no carry-propagate adder before it), the
        second the operands; more stack on the product.  ``en`` and ``clear`` travel with
        their operands, so back-to-back accumulation holds at every depth.
    multiplier : {"tree", "dsp"}
        ``tree`` (default): Booth or AND partial products summed with the accumulator in
        one carry-save tree, the fewest generic gates, but an FPGA tool sees no multiply
        to put in a DSP block.  ``dsp``: the product is one multiply operator (``a * b``
        in the Verilog), which iCE40 and ECP5 synthesis map to DSP blocks, then one row
        of the same tree.

    Attributes
    ----------
    a : Signal(a_width), in
        Operand bit pattern.
    b : Signal(b_width), in
        Operand bit pattern.
    en : Signal(1), in
        Accumulate on this cycle's rising edge (``latency`` edges later).
    clear : Signal(1), in
        With ``en``: accumulate onto zero instead of ``acc``.
    acc : Signal(acc_width), out
        Accumulator bit pattern; ``rst`` (synchronous, active high) sets it to 0.
    """

    kind = "int_mac"
    summary = "integer multiply-accumulate: acc <- (clear ? 0 : acc) + a * b"
    # The INT8 MAC, and its multiply in a DSP block for the FPGA flows.
    report_configs = ({}, {"multiplier": "dsp"})
    parameters = Schema(
        IntParameter("a_width", 8, "bits of a", minimum=_MIN_OPERAND_WIDTH,
                     maximum=_MAX_OPERAND_WIDTH),
        IntParameter("b_width", 8, "bits of b", minimum=_MIN_OPERAND_WIDTH,
                     maximum=_MAX_OPERAND_WIDTH),
        BoolParameter("signed", True, "two's complement operands and accumulator "
                      "(--no-signed: all unsigned)"),
        IntParameter("acc_width", 32, f"accumulator bits, from a_width + b_width to "
                     f"{_MAX_ACC_WIDTH}", minimum=2 * _MIN_OPERAND_WIDTH, maximum=_MAX_ACC_WIDTH),
        ChoiceParameter("overflow", "wrap", "accumulator overflow: wrap modulo 2^acc_width "
                        "or saturate to its range", options=("wrap", "saturate")),
        MAC_PIPELINE_STAGES,
        ChoiceParameter("multiplier", "tree", "tree: partial products and the accumulator "
                        "in one carry-save tree (fewest gates); dsp: one multiply operator, "
                        "which FPGA synthesis maps to DSP blocks", options=("tree", "dsp")),
    )

    def __init__(self, **params):
        super().__init__(self.check_parameters(params))

    @classmethod
    def check_joint(cls, params, *, owner):
        product_width = params["a_width"] + params["b_width"]
        if params["acc_width"] < product_width:
            raise ValueError(f"acc_width must be an integer from a_width + b_width "
                             f"({product_width}) to {_MAX_ACC_WIDTH} (narrower would truncate "
                             f"the product), not {params['acc_width']!r}")
        return params

    @classmethod
    def arithmetic(cls, params):
        return IntMacArithmetic(**{name: params[name] for name in cls.parameters.names})

    @classmethod
    def top_name(cls, params):
        # int_mac_s8x8_acc32 reads better than a list of width tags.
        name = (f"int_mac_{'s' if params['signed'] else 'u'}"
                f"{params['a_width']}x{params['b_width']}_acc{params['acc_width']}")
        if params["overflow"] != "wrap":
            name += "_sat"
        if params["pipeline_stages"]:
            name += f"_p{params['pipeline_stages']}"
        if params["multiplier"] != "tree":
            name += f"_{params['multiplier']}"
        return name

    @property
    def a_width(self):
        return self._params["a_width"]

    @property
    def b_width(self):
        return self._params["b_width"]

    @property
    def signed(self):
        return self._params["signed"]

    @property
    def acc_width(self):
        return self._params["acc_width"]

    @property
    def overflow(self):
        return self._params["overflow"]

