"""Run an accumulator's golden step function over a cycle sequence, vectorized.

A multiply-accumulate unit updates ``acc`` on every cycle with ``en = 1`` and holds it
otherwise; a cycle with ``en = 1`` and ``clear = 1`` starts from zero, so the state after
it does not depend on anything before.  The sequence is cut at those cycles into
independent segments, and the segments advance together: one vectorized step per
position within a segment instead of one Python step per cycle.
"""

import numpy as np

__all__ = ["run_accumulator"]


def run_accumulator(step, en, clear, operands, *, initial=0):
    """The accumulator value after every cycle.

    Parameters
    ----------
    step : callable
        ``step(acc, clear, *operands) -> acc``: the next state of an enabled cycle, over
        int64 arrays (``clear`` is a bool array; the step applies it).
    en, clear : array-like of 0/1
        Per-cycle controls.
    operands : sequence of array-like
        Per-cycle operand arrays (e.g. ``(a, b)``), each as long as ``en``.
    initial : int
        State before the first cycle (the reset value).

    Returns
    -------
    numpy.ndarray of int64: element t is ``acc`` after cycle t.
    """
    en = np.asarray(en, dtype=bool)
    clear = np.asarray(clear, dtype=bool)
    operands = [np.asarray(operand, dtype=np.int64) for operand in operands]
    cycles = en.size
    if clear.size != cycles or any(operand.size != cycles for operand in operands):
        raise ValueError("en, clear and every operand must have one entry per cycle")
    result = np.empty(cycles, dtype=np.int64)
    if cycles == 0:
        return result
    # Cycle t belongs to segment[t]: a new segment begins at every enabled clear.
    _, segment = np.unique(np.cumsum(en & clear), return_inverse=True)
    first_cycle = np.flatnonzero(np.r_[True, segment[1:] != segment[:-1]])
    position = np.arange(cycles) - first_cycle[segment]
    # Visit cycles position by position; within one position, one cycle per segment.
    order = np.argsort(position, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(position))]
    state = np.full(first_cycle.size, initial, dtype=np.int64)
    for begin, end in zip(bounds[:-1], bounds[1:]):
        at = order[begin:end]
        owner = segment[at]
        stepped = step(state[owner], clear[at], *(operand[at] for operand in operands))
        state[owner] = np.where(en[at], stepped, state[owner])
        result[at] = state[owner]
    return result
