"""Partial products and their reduction, for multipliers that sum them with other terms.

Bits are kept as columns (lists of equally weighted 1-bit values) so that partial
products, an accumulator and constants can all go into one tree of full adders and a
single carry-propagate adder.
"""

from amaranth.hdl import Cat, Const, Mux, Signal

__all__ = ["and_columns", "booth_columns", "compress", "rows"]


def booth_columns(m, a, b, width, *, signed):
    """Radix-4 Booth partial products of a * b, as columns of bits, and the constant
    that completes them; everything modulo 2^width.

    The narrower operand is recoded into digits -2..2, each selecting 0, +-a or +-2a
    from the other (the multiplicand): a row one bit wider than the multiplicand, in
    ones' complement, plus its negate bit in the row's lowest column.  Each row's sign
    bit is inverted and 2^(its column) subtracted in the constant, instead of
    sign-extending every row across the tree.  Unsigned operands are first made
    two's complement by a zero sign bit.
    """
    if len(a) < len(b):
        a, b = b, a
    # Both as two's complement: an unsigned operand gains a zero sign bit.
    extension = [a[-1]] if signed else [Const(0, 1)] * 2
    multiplicand = [a[i] for i in range(len(a))] + extension
    recoded = [b[i] for i in range(len(b))] + ([] if signed else [Const(0, 1)])
    recoded += recoded[-1:] * (len(recoded) % 2)
    columns = [[] for _ in range(width)]
    constant = 0
    previous = Const(0, 1)
    for digit in range(len(recoded) // 2):
        low, high = recoded[2 * digit], recoded[2 * digit + 1]
        one = Signal(name=f"booth{digit}_one")      # digit is +-1
        two = Signal(name=f"booth{digit}_two")      # digit is +-2
        negate = Signal(name=f"booth{digit}_negate")
        m.d.comb += [
            one.eq(low ^ previous),
            two.eq((high ^ low) & ~(low ^ previous)),
            negate.eq(high),
        ]
        previous = high
        shift = 2 * digit
        for index, bit in enumerate(multiplicand):
            shifted_in = multiplicand[index - 1] if index else Const(0, 1)
            product_bit = Mux(one, bit, two & shifted_in) ^ negate
            if index == len(multiplicand) - 1:
                product_bit = ~product_bit
                constant -= 1 << (shift + index)
            if shift + index < width:
                columns[shift + index].append(product_bit)
        columns[shift].append(negate)
    return columns, constant

def and_columns(a, b, width):
    """Partial products of unsigned a * b: one AND per bit pair."""
    columns = [[] for _ in range(width)]
    for i in range(len(a)):
        for j in range(len(b)):
            columns[i + j].append(a[i] & b[j])
    return columns, 0


def compress(m, columns, name):
    """Reduce columns of equally weighted bits to at most two bits per column.

    A Wallace tree of full adders: each pass puts every three bits of a column through a
    full adder, whose sum stays in the column and whose carry moves one column up.  Bits
    carried past the last column are dropped: the sum is computed modulo 2^len(columns).
    Every adder output is a named signal, so the netlist stays a tree of small gates
    instead of nested expressions.

    Half adders are left out, and each pass takes a column's bits last in, first out,
    with the new sums ahead of the incoming carries: of the orders tried, these gave the
    fewest generic gates (the spread was about 2%).
    """
    level = 0
    while any(len(column) > 2 for column in columns):
        sums = [[] for _ in columns]
        carries = [[] for _ in columns]
        leftovers = [[] for _ in columns]
        for index, column in enumerate(columns):
            pending = column[::-1]
            for first in range(0, len(pending) - 2, 3):
                x, y, z = pending[first:first + 3]
                total = Signal(name=f"{name}{level}_sum{index}_{first // 3}")
                carry = Signal(name=f"{name}{level}_carry{index}_{first // 3}")
                m.d.comb += [total.eq(x ^ y ^ z), carry.eq((x & y) | (z & (x ^ y)))]
                sums[index].append(total)
                if index + 1 < len(columns):
                    carries[index + 1].append(carry)
            leftovers[index] = pending[len(pending) - len(pending) % 3:]
        columns = [sums[index] + carries[index] + leftovers[index] for index in range(len(columns))]
        level += 1
    return columns


def rows(columns):
    """The (at most) two bits of every column as two row vectors."""
    return [Cat(*(column[row] if row < len(column) else Const(0, 1) for column in columns))
            for row in (0, 1)]
