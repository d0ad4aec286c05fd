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
        (their rows are left at zero for the synthesizer to share).
    outputs : tuple of Signal
        Driven with the row's values.

    Keys with equal rows share one case, so a decoder comes out as a few wide cases
    rather than one per key; all-zero rows are the outputs' comb default.
    """
    rows = {}
    for index, row in sorted(table.items()):
        if len(row) != len(outputs):
            raise ValueError(f"table row {index} has {len(row)} values for "
                             f"{len(outputs)} outputs")
        rows.setdefault(tuple(row), []).append(index)
    with m.Switch(key):
        for row, keys in rows.items():
            if not any(row):
                continue  # the outputs' default
            with m.Case(*keys):
                m.d.comb += [output.eq(value) for output, value in zip(outputs, row)]
    return outputs
