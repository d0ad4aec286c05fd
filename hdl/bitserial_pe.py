"""Bit-serial dequantization PE after BitMoD (docs/units.md section 7).

Weights are consumed one digit per cycle (:mod:`macforge.formats.serial_digits`): every
digit is zero or a signed power of two ``+-2^k``, so a lane's part of a cycle is its
activation shifted by ``k`` and perhaps negated, and no lane multiplies.  The shift splits
in two: the part every code shares in a cycle (``base``, applied once to the lanes' sum)
and the part that varies by code (``local``, a small multiplexer per lane).  Binary
digits are all base (``k = c`` in cycle c), so a lane is an AND and an XOR; Booth digits
add a 2:1 multiplexer; the floating types' two-term split puts the whole exponent in the
lane.  The digits come from one table per datatype, so every datatype, a mixture's four
included, runs on the same datapath with its own decoder.

Negation is one's complement in the lane plus the negated lanes' count added into the
sum, so the lanes have no adders of their own.
"""

from amaranth.hdl import Cat, Mux, Signal, signed

from macforge.formats import BITS_PER_CYCLE, serial_digits

from .dequant_pe import DEQUANT_PARAMETERS, DequantPE
from .dequantizer import SerialDequantizer
from .lookup import lookup
from .named import named
from .parameters import IntParameter, Schema

__all__ = ["BitSerialPE"]


def _select(m, index, choices, target):
    """``target`` = ``choices[index]``, one full case per choice (the last the default,
    so lint sees every index covered)."""
    with m.Switch(index):
        for number, choice in enumerate(choices):
            with m.Case(number) if number < len(choices) - 1 else m.Default():
                m.d.comb += target.eq(choice)
    return target


class BitSerialPE(DequantPE):
    """Bit-serial dequantization PE: ``lanes`` weights per beat, one digit of each per
    cycle, groups rescaled by a bit-serial dequantizer while the next group streams.

    Parameters are those of :class:`~.dequant_pe.DequantPE`, and:

    bits_per_cycle : {1, 2}
        1: one binary digit of each weight per cycle; 2: one radix-4 Booth digit (integer
        datatypes) or one of the at most two powers of two of a floating value.

    Timing (docs/units.md section 7): ``cycles_per_beat`` = D, the datatype's digit count
    at ``bits_per_cycle``; a group of ``B = group_size / lanes`` beats takes ``max(D * B,
    scale_bits)`` cycles in steady state, the dequantizer working on the previous group
    meanwhile; ``latency`` = ``scale_bits + 1``: the last beat's edge hands the group sum
    over, the next ``scale_bits`` edges add one scale bit each.
    """

    kind = "bitserial_pe"
    summary = ("bit-serial dequantization PE (BitMoD): 3-4 bit weights of per-group "
               "datatypes, digit-serial dot product, bit-serial group rescaling")
    dequantizer_class = SerialDequantizer
    parameters = Schema(
        *DEQUANT_PARAMETERS[:3],
        IntParameter("bits_per_cycle", 1, "weight bits per cycle: 1 (binary digits) or 2 "
                     "(radix-4 Booth digits; powers of two of floating values)",
                     minimum=min(BITS_PER_CYCLE), maximum=max(BITS_PER_CYCLE)),
        *DEQUANT_PARAMETERS[3:],
    )
    report_configs = tuple({"dtype": dtype, "bits_per_cycle": bits_per_cycle}
                           for dtype in ("int4", "fp4_mixed", "fp3_mixed")
                           for bits_per_cycle in BITS_PER_CYCLE)

    def __init__(self, **params):
        params = self.check_parameters(params)
        self._plan = serial_digits(params["dtype"], params["bits_per_cycle"])
        super().__init__(params)

    @classmethod
    def _design_tags(cls, params):
        return [f"b{params['bits_per_cycle']}"]

    @classmethod
    def reference(cls, params):
        return "bitparallel_pe", {name: value for name, value in params.items()
                                  if name != "bits_per_cycle"}

    @property
    def bits_per_cycle(self):
        return self._params["bits_per_cycle"]

    @property
    def cycles_per_beat(self):
        return self._plan.cycles_per_beat

    @property
    def cycles_per_group(self):
        return max(self.cycles_per_beat * self.beats_per_group, self.scale_bits)

    @property
    def cycles_per_group_formula(self):
        return "max(cycles_per_beat * group_size / lanes, scale_bits)"


    def _shifts(self):
        """Per cycle, the shift all its digits share (``base``); and the lane shifts
        (``local``) that digits add to it."""
        plan = self._plan
        bases = [min(plan.cycle_shifts(cycle), default=0)
                 for cycle in range(plan.cycles_per_beat)]
        local = sorted({shift - bases[cycle] for cycle in range(plan.cycles_per_beat)
                        for shift in plan.cycle_shifts(cycle)} | {0})
        return bases, local

    def _digit_table(self, bases, local):
        """Decoder key ``Cat(code, sel, digit)`` -> (nonzero, negative), then the local
        shift's index when there is more than one local shift."""
        plan, dtype = self._plan, self.dtype
        table = {}
        for sel in dtype.selectors:
            for code in range(1 << dtype.code_bits):
                for cycle, digit in enumerate(plan.digits[sel][code]):
                    key = code | sel << dtype.code_bits | cycle << (dtype.code_bits
                                                                   + dtype.selector_bits)
                    shift = abs(digit).bit_length() - 1 - bases[cycle] if digit else local[0]
                    row = (int(digit != 0), int(digit < 0), local.index(shift))
                    table[key] = row if len(local) > 1 else row[:2]
        return table

    def beat_sum(self, m, activations, codes, sel, digit):
        bases, local = self._shifts()
        table = self._digit_table(bases, local)
        terms, negatives = [], []
        for lane, (activation, code) in enumerate(zip(activations, codes)):
            nonzero = Signal(name=f"lane{lane}_nonzero")
            negative = Signal(name=f"lane{lane}_negative")
            decoded = [nonzero, negative]
            shifted = activation  # every digit's shift is the cycle's base: no multiplexer
            if len(local) > 1:
                shift = Signal(range(len(local)), name=f"lane{lane}_shift")
                decoded.append(shift)
                shifted = _select(m, shift, [activation << amount for amount in local],
                                  Signal(signed(self.a_width + local[-1]),
                                         name=f"lane{lane}_shifted"))
            lookup(m, Cat(code, sel, digit), table, tuple(decoded))
            magnitude = Mux(nonzero, shifted, 0)
            terms.append(named(m, f"lane{lane}_term", Mux(negative, ~magnitude, magnitude)))
            negatives.append(negative)
        # ~x = -x - 1: the negated lanes' count completes their two's complement.
        lanes_sum = named(m, "lanes_sum", sum(terms) + sum(negatives))
        if len(set(bases)) == 1:
            return lanes_sum << bases[0]
        return _select(m, digit, [lanes_sum << base for base in bases],
                       Signal(signed(len(lanes_sum) + max(bases)), name="digit_sum"))
