"""A constant table as logic: one ``Switch`` whose cases group the keys by their row."""

__all__ = ["lookup"]


def lookup(m, key, table, outputs):
    """Drive ``outputs`` from ``table[key]`` in ``m``'s comb domain.

    Parameters
    ----------
    m : Module
    key : Value
        The index, ``len(key)`` bits wide.
    table : dict
        Key value -> tuple of output values, one per output.  Keys left out never occur
        (their rows are zero, shared with the all-zero rows).
    outputs : tuple of Signal
        Driven with the row's values.

    Keys with equal rows share one case, so a decoder comes out as a few wide cases
    rather than one per key; all-zero rows share the default case.
    """
    rows = {}
    for index, row in sorted(table.items()):
        if len(row) != len(outputs):
            raise ValueError(f"table row {index} has {len(row)} values for "
                             f"{len(outputs)} outputs")
        rows.setdefault(tuple(row), []).append(index)
    zero = tuple(0 for _ in outputs)
    with m.Switch(key):
        for row, keys in rows.items():
            if row != zero:
                with m.Case(*keys):
                    m.d.comb += [output.eq(value) for output, value in zip(outputs, row)]
        # A full case (lint wants one): all-zero rows and the keys that never occur.
        with m.Default():
            m.d.comb += [output.eq(0) for output in outputs]
    return outputs
