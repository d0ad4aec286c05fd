"""Shifters of the floating-point adder: alignment with sticky bit, leading-zero normalize."""

from amaranth.hdl import C, Cat, Mux, Signal

from .named import named

__all__ = ["stages_for", "shift_right_sticky", "normalize_left"]


def stages_for(limit):
    """Number of binary shift stages (1, 2, 4, ...) whose total shift reaches ``limit``."""
    stages = 0
    while (1 << stages) - 1 < limit:
        stages += 1
    return stages


def shift_right_sticky(m, value, amount, *, name):
    """``value >> amount``, every bit shifted out ORed into bit 0 (the sticky bit).

    Each stage's result is a named signal: both the next stage's sticky OR and its
    shift read it, and an expression would be copied into every reader.
    """
    width = len(value)
    # Largest stage first: measured a little smaller than the other order.
    for stage in reversed(range(len(amount))):
        step = 1 << stage
        if step >= width:
            shifted = Cat(value.any(), C(0, width - 1))
        else:
            shifted = Cat(value[:step + 1].any(), value[step + 1:], C(0, step))
        stage_value = Signal(width, name=f"{name}_by{step}")
        m.d.comb += stage_value.eq(Mux(amount[stage], shifted, value))
        value = stage_value
    return value


def normalize_left(m, value, stages, fill, limit=None, *, name):
    """Shift ``value`` left until its top bit is 1; returns (shifted value, shift count).

    The count is decided from its MSB down, one stage per bit: the stage shifting by 2^k
    fires when the top 2^k bits are zero and, given ``limit``, the count stays at most
    ``limit``.  ``fill`` is shifted in at the bottom.  An all-zero ``value`` shifts by
    ``2^stages - 1`` (or the limit).  Stage results are named signals, as in
    :func:`shift_right_sticky`.
    """
    width = len(value)
    if limit is not None and len(limit) > stages:
        # A limit of 2^stages - 1 or more never binds.
        limit = named(m, f"{name}_limit", limit[:stages] | limit[stages:].any().replicate(stages))
    count_bits = []          # most significant first
    for stage in reversed(range(stages)):
        step = 1 << stage
        if step >= width:
            count_bits.append(C(0, 1))
            continue
        fire = Signal(name=f"{name}_by{step}_fires")
        condition = ~value[width - step:].any()
        if limit is not None:
            # The count so far, with this stage's bit set, must not pass the limit.
            candidate = Cat(C(1, 1), *reversed(count_bits))
            condition = condition & (candidate <= limit[stage:])
        stage_value = Signal(width, name=f"{name}_by{step}")
        m.d.comb += [
            fire.eq(condition),
            stage_value.eq(Mux(fire, Cat(fill.replicate(step), value[:width - step]), value)),
        ]
        value = stage_value
        count_bits.append(fire)
    return value, Cat(*reversed(count_bits))
