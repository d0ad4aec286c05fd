"""What the dequantization PEs share (docs/units.md section 7): parameters, ports, and the
stream of beats that fills group partial sums and hands them to a dequantizer.

:class:`DequantPE` is written once; a PE kind supplies how a beat's weights meet its
activations (:meth:`DequantPE.beat_sum`, over ``cycles_per_beat`` cycles) and its
:mod:`dequantizer <.dequantizer>`.  The bit-serial PE (:mod:`.bitserial_pe`) and the
bit-parallel reference it is measured against (:mod:`.bitparallel_pe`) are those two
choices.

Control.  The PE works on the offered beat while ``in_valid`` is high (the source holds
the beat still until it is taken), one digit per cycle, and raises ``in_ready`` in the
beat's last cycle, so nothing of the beat is registered.  The last beat of a group is
taken only when the dequantizer takes the group's sum on the same edge; the next group
starts on the next cycle from a cleared partial sum.
"""

from amaranth.hdl import C, Module, Mux, Signal, signed
from amaranth.lib.wiring import In, Out

from macforge.formats import MAX_WEIGHT_MAGNITUDE, signed_range, signed_width

from .named import named
from .parameters import BoolParameter, DtypeParameter, IntParameter
from .unit import UnitComponent

__all__ = ["DequantPE", "DEQUANT_PARAMETERS", "default_out_width", "DEFAULT_OUT_K",
           "MAX_OUT_WIDTH"]

DEFAULT_OUT_K = 4096
"""The default ``out_width`` never wraps for dot products of up to this many terms."""
MAX_OUT_WIDTH = 48
_MAX_A_WIDTH = 16
_MAX_LANES = 32
_MAX_GROUP_SIZE = 4096
_MAX_SCALE_BITS = 16


def _product_range(a_width, low, high):
    a_low, a_high = signed_range(a_width)
    corners = [a * w for a in (a_low, a_high) for w in (low, high)]
    return min(corners), max(corners)


def default_out_width(values):
    """The narrowest ``out_width`` that never wraps for ``DEFAULT_OUT_K`` terms of any
    datatype (weights of magnitude up to 16) at the given ``a_width`` and ``scale_bits``:
    32 for 8-bit activations and scales."""
    low, high = _product_range(values["a_width"], -MAX_WEIGHT_MAGNITUDE, MAX_WEIGHT_MAGNITUDE)
    largest_scale = (1 << values["scale_bits"]) - 1
    return signed_width(DEFAULT_OUT_K * low * largest_scale, DEFAULT_OUT_K * high * largest_scale)


DEQUANT_PARAMETERS = (
    DtypeParameter("dtype", "fp4_mixed", "weight datatype; fp4_mixed and fp3_mixed choose "
                   "er_pos/er_neg/ea_pos/ea_neg per group with sel"),
    IntParameter("a_width", 8, f"bits of a two's complement activation, 2 to {_MAX_A_WIDTH}",
                 minimum=2, maximum=_MAX_A_WIDTH, tag_prefix="a"),
    IntParameter("lanes", 4, f"weights and activations per beat, 1 to {_MAX_LANES}",
                 minimum=1, maximum=_MAX_LANES, tag_prefix="l"),
    IntParameter("group_size", 128, f"weights sharing one scale (and selector), a multiple "
                 f"of lanes up to {_MAX_GROUP_SIZE}", minimum=1, maximum=_MAX_GROUP_SIZE,
                 tag_prefix="g"),
    IntParameter("scale_bits", 8, f"bits of a group's unsigned scale, 1 to {_MAX_SCALE_BITS}",
                 minimum=1, maximum=_MAX_SCALE_BITS, tag_prefix="s"),
    IntParameter("out_width", None, f"bits of the two's complement result, which wraps "
                 f"beyond them, up to {MAX_OUT_WIDTH}", minimum=2, maximum=MAX_OUT_WIDTH,
                 tag_prefix="o", derived=default_out_width,
                 derived_text=f"never wraps for K <= {DEFAULT_OUT_K}; 32 for 8-bit a and scale"),
    BoolParameter("sel", None, "a 2-bit sel port choosing each group's datatype",
                  derived=lambda values: values["dtype"].mixed,
                  derived_text="on for fp4_mixed and fp3_mixed, which need it; off for the "
                  "others, which cannot have it"),
)
"""The parameters every dequantization PE takes, in command-line order."""


class DequantPE(UnitComponent):
    """Base of the dequantization PEs: a dot product of activations and quantized weights,
    rescaled group by group, on a valid/ready stream.

    ``out = sum over groups g of scale_g * (sum over i in g of a_i * w_i)``, exactly, as a
    two's complement integer of ``out_width`` bits that wraps beyond them.  A group is
    ``group_size / lanes`` consecutive beats sharing ``scale`` and, for a mixed datatype,
    ``sel``; ``last`` marks a dot product's last beat (always a group's last).

    Parameters
    ----------
    dtype : str or WeightDtype
        The weights' datatype (``int4``, ``fp4``, ``fp4_er_pos``, ``fp3_mixed``, ...).
    a_width : int
        Activation bits, 2 to 16 (default 8).
    lanes : int
        Weights per beat, 1 to 32 (default 4).
    group_size : int
        Weights per scale, a multiple of ``lanes`` (default 128).
    scale_bits : int
        Bits of the unsigned scale, 1 to 16 (default 8).
    out_width : int
        Result bits, from the widest single product ``a * w`` up to 48; by default the
        narrowest that never wraps for 4096 terms of any datatype (32 at the defaults).
    sel : bool
        Whether there is a ``sel`` port: exactly when ``dtype`` is a mixture (default).

    Attributes
    ----------
    ports : in_valid, in_ready, a, w, scale, [sel], last -> out_valid, out
    """

    def __init__(self, params):
        self._params = params
        dtype = params["dtype"]
        signature = {"in_valid": In(1), "in_ready": Out(1),
                     "a": In(params["lanes"] * params["a_width"]),
                     "w": In(params["lanes"] * dtype.code_bits),
                     "scale": In(params["scale_bits"])}
        if params["sel"]:
            signature["sel"] = In(dtype.selector_bits)
        signature.update({"last": In(1), "out_valid": Out(1),
                          "out": Out(params["out_width"])})
        super().__init__(signature, params)

    @classmethod
    def check_joint(cls, params, *, owner):
        dtype, lanes = params["dtype"], params["lanes"]
        if params["group_size"] % lanes:
            raise ValueError(f"group_size must be a multiple of lanes ({lanes}), not "
                             f"{params['group_size']!r}")
        product_width = signed_width(*_product_range(params["a_width"], dtype.min_value,
                                                     dtype.max_value))
        if not product_width <= params["out_width"] <= MAX_OUT_WIDTH:
            raise ValueError(f"out_width must be an integer from {product_width} (one product "
                             f"of a {params['a_width']}-bit activation and a {dtype.name} "
                             f"weight) to {MAX_OUT_WIDTH}, not {params['out_width']!r}")
        if params["sel"] != dtype.mixed:
            allowed = ("required: a mixed dtype reads each group's datatype from sel"
                       if dtype.mixed else "only for fp4_mixed and fp3_mixed")
            raise ValueError(f"sel must be {dtype.mixed} for dtype {dtype.name!r} ({allowed}), "
                             f"not {params['sel']!r}")
        return params

    @classmethod
    def top_name(cls, params):
        # bitserial_pe_fp4_mixed_b2: the dtype always, then the settings off their default
        # (out_width's default is derived: named only when set to something else).
        tags = [params["dtype"].name, *cls._design_tags(params)]
        for name in ("a_width", "lanes", "group_size", "scale_bits"):
            tag = cls.parameters[name].tag(params[name])
            if tag:
                tags.append(tag)
        if params["out_width"] != default_out_width(params):
            tags.append(f"o{params['out_width']}")
        return "_".join([cls.kind, *tags])

    @classmethod
    def _design_tags(cls, params):
        return []

    @property
    def dtype(self):
        return self._params["dtype"]

    @property
    def lanes(self):
        return self._params["lanes"]

    @property
    def a_width(self):
        return self._params["a_width"]

    @property
    def group_size(self):
        return self._params["group_size"]

    @property
    def scale_bits(self):
        return self._params["scale_bits"]

    @property
    def out_width(self):
        return self._params["out_width"]

    @property
    def beats_per_group(self):
        return self.group_size // self.lanes

    @property
    def group_sum_width(self):
        """Bits of a group partial sum: ``group_size`` products of this datatype."""
        low, high = _product_range(self.a_width, self.dtype.min_value, self.dtype.max_value)
        return signed_width(self.group_size * low, self.group_size * high)

    @property
    def handshake(self):
        return "valid_ready"

    @property
    def cycles_per_beat(self):
        """Cycles the PE spends on each beat."""
        raise NotImplementedError

    dequantizer_class = None
    """The PE kind's dequantizer (:mod:`.dequantizer`)."""

    def dequantizer(self):
        """A new dequantizer for this PE's widths."""
        return self.dequantizer_class(group_sum_width=self.group_sum_width,
                                      scale_bits=self.scale_bits, out_width=self.out_width)

    def beat_sum(self, m, activations, codes, sel, digit):
        """This cycle's part of the beat's dot product: a signed value that, summed over
        the beat's ``cycles_per_beat`` cycles (``digit`` counting them from 0), is
        ``sum over lanes of a_l * w_l``.  ``activations``: signed lane values; ``codes``:
        the lanes' weight codes; ``sel``: the group's selector (zero bits when none)."""
        raise NotImplementedError

    @property
    def latency(self):
        """The dequantizer's: the last beat's edge loads the group sum into it."""
        return self.dequantizer_class.latency(self.scale_bits)

    @property
    def latency_formula(self):
        return self.dequantizer_class.latency_formula

    @property
    def cycles_per_group(self):
        raise NotImplementedError

    @property
    def throughput(self):
        return {"cycles_per_beat": self.cycles_per_beat,
                "cycles_per_group": self.cycles_per_group,
                "cycles_per_group_formula": self.cycles_per_group_formula}

    def port_roles(self):
        dtype = self.dtype
        roles = {
            "in_valid": "a beat is offered (AXI4-Stream valid)",
            "in_ready": "the beat is taken on this rising edge if in_valid is 1",
            "a": f"activation i = beat * {self.lanes} + l in lane l, {self.a_width}-bit "
                 f"two's complement",
            "w": f"weight i in lane l, a {dtype.code_bits}-bit {dtype.name} code",
            "scale": "the group's scale, unsigned, held on every beat of the group",
            "last": "this beat is the dot product's last (always a group's last)",
            "out_valid": "out holds a finished dot product this cycle",
            "out": f"the dot product, two's complement, wrapping at {self.out_width} bits",
        }
        if "sel" in self.signature.members:
            roles["sel"] = ("the group's datatype: 0 er_pos, 1 er_neg, 2 ea_pos, 3 ea_neg, "
                            "held on every beat of the group")
        return roles

    def port_lanes(self):
        return {"a": self.a_width, "w": self.dtype.code_bits}

    def elaborate(self, platform):
        m = Module()
        cycles, beats = self.cycles_per_beat, self.beats_per_group
        dequantizer = m.submodules.dequantizer = self.dequantizer()

        activations = [self.a[lane * self.a_width:(lane + 1) * self.a_width].as_signed()
                       for lane in range(self.lanes)]
        code_bits = self.dtype.code_bits
        codes = [self.w[lane * code_bits:(lane + 1) * code_bits] for lane in range(self.lanes)]
        sel = self.sel if "sel" in self.signature.members else self.w[:0]

        # Counters of one state are constants: no zero-width registers in the Verilog.
        digit = Signal(range(cycles), name="digit") if cycles > 1 else C(0, 0)
        beat = Signal(range(beats), name="beat") if beats > 1 else C(0, 0)
        first_group = Signal(init=1)  # the next group to finish opens a dot product
        beat_done = named(m, "beat_done", digit == cycles - 1)
        group_done = named(m, "group_done", beat == beats - 1)
        m.d.comb += self.in_ready.eq(beat_done & (~group_done | dequantizer.ready))
        taken = named(m, "taken", self.in_valid & self.in_ready)
        # This cycle's digit counts unless it is the beat's last one, waiting for ready.
        counts = named(m, "counts", self.in_valid & (~beat_done | self.in_ready))

        group_sum = Signal(signed(self.group_sum_width))
        part = self.beat_sum(m, activations, codes, sel, digit)
        group_sum_next = named(m, "group_sum_next",
                               (group_sum + part)[:self.group_sum_width].as_signed())
        with m.If(counts):
            m.d.sync += group_sum.eq(group_sum_next)
        if cycles > 1:
            with m.If(self.in_valid & ~beat_done):
                m.d.sync += digit.eq(digit + 1)
            with m.If(taken):
                m.d.sync += digit.eq(0)
        if beats > 1:
            with m.If(taken):
                m.d.sync += beat.eq(Mux(group_done, 0, beat + 1))
        with m.If(taken & group_done):
            m.d.sync += [group_sum.eq(0), first_group.eq(self.last)]

        m.d.comb += [dequantizer.load.eq(taken & group_done),
                     dequantizer.group_sum.eq(group_sum_next),
                     dequantizer.scale.eq(self.scale),
                     dequantizer.first.eq(first_group),
                     dequantizer.last.eq(self.last),
                     self.out.eq(dequantizer.out),
                     self.out_valid.eq(dequantizer.out_valid)]
        return m
