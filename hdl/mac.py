"""What the multiply-accumulate units share: the MAC step, ports, pipelining, latency.

A MAC kind is two things here.  :class:`MacArithmetic` is its step ``(acc, a, b) -> acc'``
as hardware, in two halves a pipeline may cut between; :class:`MultiplyAccumulator` is the
standalone unit that closes the step over its accumulator register.  Every loop built
from a step (the standalone unit, a systolic array's output-stationary PE keeping its
sum, its weight-stationary PE passing the sum down) uses the same two halves, so a MAC
kind is defined once and the array never names one.
"""

from amaranth.hdl import Module
from amaranth.lib.wiring import In, Out

from .parameters import IntParameter
from .unit import UnitComponent, unit_components

__all__ = ["MacArithmetic", "MultiplyAccumulator", "MAC_PIPELINE_STAGES", "mac_units"]

MAC_PIPELINE_STAGES = IntParameter(
    "pipeline_stages", 0, "register stages on the multiply side; latency is 1 + this",
    minimum=0, maximum=8, tag_prefix="p")


class MacArithmetic:
    """One MAC kind's step ``acc' = acc + a * b``, as the loops around it need it.

    Parameters
    ----------
    a_width, b_width, acc_width : int
        Bits of the operand and accumulator bit patterns.
    pipeline_stages : int
        Register banks :meth:`multiply` puts on the multiply side.
    """

    def __init__(self, *, a_width, b_width, acc_width, pipeline_stages):
        self.a_width = a_width
        self.b_width = b_width
        self.acc_width = acc_width
        self.pipeline_stages = pipeline_stages

    def operand_meaning(self, name):
        """What operand ``name`` (``"a"`` or ``"b"``) holds, for port roles."""
        raise NotImplementedError

    def sum_meaning(self):
        """What the accumulator holds, for port roles."""
        raise NotImplementedError

    def formats(self):
        """``{"a", "b", "acc"} -> FloatFormat`` for the ones that hold floats."""
        return {}

    def multiply(self, m, a, b, *controls):
        """The product of the operand bit patterns ``a`` and ``b``, in whatever form
        :meth:`accumulate` takes it, after ``pipeline_stages`` register banks.

        Returns ``(product, controls)``: ``controls`` (1-bit values such as ``en``) pass
        the same registers, so they arrive with the product.
        """
        raise NotImplementedError

    def accumulate(self, m, acc, product, *, clear, terms=None):
        """The next accumulator, combinationally: ``(clear ? 0 : acc) + product``.

        Parameters
        ----------
        acc : Value
            The accumulator, :meth:`sum_width` ``(terms - 1)`` bits (``acc_width`` when
            ``terms`` is None).
        product : object
            From :meth:`multiply`.
        clear : Value
            1: add the product to zero (+0) instead.
        terms : int, optional
            The number of products the result can hold, when it is bounded (a
            weight-stationary column sums one per PE row): a kind may then prove a
            narrower result than the accumulator, :meth:`sum_width` ``(terms)`` bits, that
            :meth:`widen` turns into the accumulator's pattern.  None: any number.
        """
        raise NotImplementedError

    def sum_width(self, terms=None):
        """Bits of a sum of at most ``terms`` products (None: any number): every kind
        has ``acc_width``; integer kinds prove fewer where that cannot overflow."""
        return self.acc_width

    def widen(self, value):
        """The accumulator bit pattern of a :meth:`sum_width`-bit sum."""
        return value


def mac_units():
    """``{kind: class}`` of every MAC unit kind: the PEs a systolic array can be built of."""
    return {cls.kind: cls for cls in unit_components(MultiplyAccumulator)}


class MultiplyAccumulator(UnitComponent):
    """Base of the MACs: ``acc <- (clear ? 0 : acc) + a * b`` on each edge with ``en``.

    The ports are the MAC ports of the unit contract (``a``, ``b``, ``en``, ``clear`` ->
    ``acc``); the accumulator register is one edge and ``pipeline_stages`` register banks
    on the multiply side add to it, while one accumulation per clock holds at every depth.
    A subclass states its step as :meth:`arithmetic`; the loop around it is here.

    Parameters
    ----------
    params : dict
        Checked parameters, ``pipeline_stages`` among them.
    """

    def __init__(self, params):
        arithmetic = self.arithmetic(params)
        super().__init__({
            "a": In(arithmetic.a_width),
            "b": In(arithmetic.b_width),
            "en": In(1),
            "clear": In(1),
            "acc": Out(arithmetic.acc_width),
        }, params)

    @classmethod
    def arithmetic(cls, params):
        """The :class:`MacArithmetic` of this kind for checked parameters."""
        raise NotImplementedError

    @property
    def pipeline_stages(self):
        return self._params["pipeline_stages"]

    @property
    def latency(self):
        """Rising edges from applying a, b, en, clear to their effect on ``acc``:
        ``1 + pipeline_stages``."""
        return 1 + self.pipeline_stages

    def port_roles(self):
        return {
            "a": self.operand_role("a"),
            "b": self.operand_role("b"),
            "en": "accumulate enable: acc updates on a rising edge only while 1",
            "clear": "with en: accumulate onto zero instead of acc",
            "acc": self.accumulator_role(),
        }

    def operand_role(self, name):
        return f"operand, {self.arithmetic(self._params).operand_meaning(name)}"

    def accumulator_role(self):
        return f"accumulator, {self.arithmetic(self._params).sum_meaning()}"

    def port_formats(self):
        return self.arithmetic(self._params).formats()

    def elaborate(self, platform):
        m = Module()
        arithmetic = self.arithmetic(self._params)
        # en and clear travel with the product through the multiply side's registers.
        product, (en, clear) = arithmetic.multiply(m, self.a, self.b, self.en, self.clear)
        next_acc = arithmetic.accumulate(m, self.acc, product, clear=clear)
        with m.If(en):
            m.d.sync += self.acc.eq(next_acc)
        return m
