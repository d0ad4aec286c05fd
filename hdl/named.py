"""One helper of the datapaths: a value as a named signal."""

from amaranth.hdl import Signal, Value

__all__ = ["named"]


def named(m, name, value):
    """``value`` as a signal called ``name``, driven in ``m``'s comb domain.

    A value read by several expressions is then built once (an Amaranth expression is
    copied into each reader) and shows up by name in the Verilog.
    """
    value = Value.cast(value)
    signal = Signal(value.shape(), name=name)
    m.d.comb += signal.eq(value)
    return signal
