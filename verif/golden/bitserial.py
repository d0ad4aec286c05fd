"""Golden model of the bit-serial dequantization PE (docs/units.md section 7).

The PE (``bitserial_pe``) and its bit-parallel reference (``bitparallel_pe``) compute
the same thing, so one model serves both.  Weights are 3- or 4-bit codes of a datatype
of :data:`formats.DTYPES`; every ``group_size`` consecutive weights share one unsigned
``scale_bits``-bit integer scale (and, for a mixture datatype, one 2-bit selector ``sel``
picking the group's value table).  Activations are signed ``a_width``-bit integers.  A
dot product of K = n * group_size terms is

    out = sum over groups g of scale_g * (sum over i in g of a_i * w_i),

exact, then wrapped to an ``out_width``-bit two's complement pattern.  How many bits a
cycle consumes (``bits_per_cycle``) changes when the result appears, never what it is.

The datatype table is the one number definition the model shares with the hardware:
what a code means is stated once, in :mod:`formats.weight_dtype`.  Nothing else comes
from ``hdl``: a golden model that shared logic with the hardware would check nothing.
"""

import numpy as np

from macforge.formats import DTYPES, WeightDtype

__all__ = ["group_dot_product", "bitserial_pe", "check_bitserial_params"]

# The model's own limits.  They are at least as wide as the unit's; wider activations and
# scales than the hardware takes are allowed so that the exact (Python integer) path can
# be tested with short vectors.
_MIN_A_WIDTH, _MAX_A_WIDTH = 2, 32
_MIN_SCALE_BITS, _MAX_SCALE_BITS = 1, 32
_MIN_OUT_WIDTH, _MAX_OUT_WIDTH = 1, 48

# Largest magnitude an int64 holds for certain: |x| < 2^63.
_INT64_LIMIT = 1 << 63


def _check_int(name, value, low, high=None):
    allowed = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be {allowed}, not {value!r}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be {allowed}, not {value!r}")
    return int(value)


def check_bitserial_params(*, dtype, a_width, group_size, scale_bits, out_width):
    """Validate the value parameters; return ``(dtype, a_width, group_size, scale_bits,
    out_width)`` with ``dtype`` a :class:`WeightDtype` (a name is parsed).

    Raises
    ------
    TypeError, ValueError
        Naming the parameter, quoting the bad value and saying what is allowed.
    """
    dtype = WeightDtype.parse(dtype, parameter="dtype")
    return (dtype,
            _check_int("a_width", a_width, _MIN_A_WIDTH, _MAX_A_WIDTH),
            _check_int("group_size", group_size, 1),
            _check_int("scale_bits", scale_bits, _MIN_SCALE_BITS, _MAX_SCALE_BITS),
            _check_int("out_width", out_width, _MIN_OUT_WIDTH, _MAX_OUT_WIDTH))


def _integers(name, values, low, high, allowed):
    """``values`` as an int64 array of at least one dimension, or raise unless every
    element is an integer in ``[low, high)``; ``allowed`` says what the argument holds."""
    array = np.asarray(values)
    if array.ndim == 0:
        raise ValueError(f"{name} must be an array whose last axis runs over its terms, "
                         f"not the scalar {values!r}")
    if array.dtype == object:
        # Python integers too wide for int64 (or mixed types) land here: check them one
        # by one, exactly, before narrowing.
        for element in array.flat:
            if (not isinstance(element, (int, np.integer))
                    or isinstance(element, (bool, np.bool_))):
                raise TypeError(f"{name} must hold integers ({allowed}), not {element!r}")
            if not low <= element < high:
                raise ValueError(f"{name} must hold {allowed}, not {int(element)!r}")
        return array.astype(np.int64)
    if array.size == 0:
        # An empty list is float64 to numpy; the shape checks say what is wrong with it.
        return array.astype(np.int64)
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must hold integers ({allowed}), not an array of {array.dtype}")
    outside = (array < low) | (array >= high)
    if np.any(outside):
        raise ValueError(f"{name} must hold {allowed}, not {int(array[outside].flat[0])!r}")
    return array.astype(np.int64)


def _check_shapes(a, w, scale, sel, group_size):
    """The terms K, the groups n and the broadcast leading shape, or ValueError."""
    terms = a.shape[-1]
    if w.shape[-1] != terms:
        raise ValueError(f"a (..., K) and w (..., K) must have the same number of terms K, "
                         f"not a {a.shape} and w {w.shape}")
    if terms == 0 or terms % group_size:
        raise ValueError(f"the number of terms K (the last axis of a and w) must be a "
                         f"positive multiple of group_size = {group_size}, not {terms}")
    groups = terms // group_size
    for name, array in (("scale", scale), ("sel", sel)):
        if array is not None and array.shape[-1] != groups:
            raise ValueError(f"{name} must have one entry per group on its last axis, "
                             f"K / group_size = {terms} / {group_size} = {groups}, "
                             f"not {array.shape[-1]} ({name} shape {array.shape})")
    arrays = {name: array for name, array in (("a", a), ("w", w), ("scale", scale),
                                               ("sel", sel)) if array is not None}
    try:
        leading = np.broadcast_shapes(*(array.shape[:-1] for array in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{name} {array.shape}" for name, array in arrays.items())
        raise ValueError(f"the leading dimensions of {shapes} do not broadcast") from None
    return terms, groups, leading


def group_dot_product(a, w, scale, sel=None, *, dtype, a_width, group_size, scale_bits,
                      out_width):
    """Group-scaled dot products, wrapped to ``out_width``-bit patterns.

    ``out = sum over g of scale[g] * sum over i in g of a[i] * value(w[i], sel[g])``,
    exact, modulo 2^out_width, where group g is terms ``g * group_size`` to
    ``(g + 1) * group_size - 1``.

    Parameters
    ----------
    a : array-like of int, shape (..., K)
        Activations: signed values in [-2^(a_width-1), 2^(a_width-1)) or ``a_width``-bit
        two's complement patterns in [0, 2^a_width); both readings are accepted (the
        value is taken modulo 2^a_width and sign-extended).
    w : array-like of int, shape (..., K)
        Weight codes of ``dtype``, in [0, 2^code_bits).
    scale : array-like of int, shape (..., K / group_size)
        Each group's unsigned scale, in [0, 2^scale_bits).
    sel : array-like of int, shape (..., K / group_size), or None
        Each group's selector 0 to 3 (0 er_pos, 1 er_neg, 2 ea_pos, 3 ea_neg): required
        for a mixture datatype, refused for a plain one.
    dtype : WeightDtype or str
        The weights' datatype (an entry or a name of :data:`formats.DTYPES`).
    a_width : int
        Activation width, 2 to 32.
    group_size : int
        Terms per group, >= 1; K must be a positive multiple of it.
    scale_bits : int
        Scale width, 1 to 32.
    out_width : int
        Output width, 1 to 48.

    Leading dimensions of all the arrays broadcast against each other.

    Returns
    -------
    numpy.ndarray of int64, shape (...,)
        The ``out_width``-bit two's complement patterns of the results, in
        [0, 2^out_width).

    Raises
    ------
    TypeError, ValueError
        Naming the argument, quoting the bad value and saying what is allowed.
    """
    dtype, a_width, group_size, scale_bits, out_width = check_bitserial_params(
        dtype=dtype, a_width=a_width, group_size=group_size, scale_bits=scale_bits,
        out_width=out_width)
    half = 1 << (a_width - 1)
    a = _integers("a", a, -half, 2 * half,
                  f"a_width = {a_width} bit activations: signed values in [{-half}, {half}) "
                  f"or two's complement patterns in [0, {2 * half}), so within "
                  f"[{-half}, {2 * half})")
    code_limit = 1 << dtype.code_bits
    w = _integers("w", w, 0, code_limit,
                  f"{dtype.code_bits}-bit {dtype.name} codes in [0, {code_limit})")
    scale = _integers("scale", scale, 0, 1 << scale_bits,
                      f"scale_bits = {scale_bits} bit unsigned scales in [0, {1 << scale_bits})")
    if dtype.mixed:
        if sel is None:
            raise ValueError(f"sel is required for the mixture datatype {dtype.name}: one "
                             f"selector per group, 0 to {len(dtype.tables) - 1} (0 er_pos, "
                             f"1 er_neg, 2 ea_pos, 3 ea_neg)")
        sel = _integers("sel", sel, 0, len(dtype.tables),
                        f"{dtype.name} selectors 0 to {len(dtype.tables) - 1} (0 er_pos, "
                        f"1 er_neg, 2 ea_pos, 3 ea_neg)")
    elif sel is not None:
        mixtures = ", ".join(name for name, entry in DTYPES.items() if entry.mixed)
        raise ValueError(f"sel must be None for the plain datatype {dtype.name} (one value "
                         f"table); only a mixture ({mixtures}) takes a selector per group")
    terms, groups, leading = _check_shapes(a, w, scale, sel, group_size)

    # Values: the activation modulo 2^a_width, sign-extended; the weight from the table.
    a = ((a + half) & (2 * half - 1)) - half
    a = np.broadcast_to(a, leading + (terms,)).reshape(leading + (groups, group_size))
    w = np.broadcast_to(w, leading + (terms,)).reshape(leading + (groups, group_size))
    scale = np.broadcast_to(scale, leading + (groups,))
    if sel is None:
        weights = dtype.decode(w)
    else:
        weights = dtype.decode(w, np.broadcast_to(sel, leading + (groups,))[..., None])

    # Exactness.  |a_i| <= 2^(a_width-1) <= 2^31 and |w_i| <= max_magnitude (16), so every
    # product a_i * w_i fits an int64 with room to spare.  Every partial sum of a group's
    # products is bounded by group_bound below, and every partial sum of the scaled group
    # sums (whatever order numpy adds them in) by total_bound.  Each sum runs in int64
    # when its bound is below 2^63, so no intermediate can overflow; otherwise it runs on
    # Python integers (object arrays), which are exact at any size.  a_width 16,
    # scale_bits 16 and K 4096, for example, bound the total by 2^31 * 65535 < 2^47 and
    # stay in int64; 32-bit activations and scales, or K past 2^28, take Python integers.
    # (numpy's silent int64 wraparound would still be congruent modulo 2^64, hence modulo
    # 2^out_width, but the model does not lean on how numpy overflows.)
    group_bound = group_size * half * dtype.max_magnitude
    total_bound = groups * ((1 << scale_bits) - 1) * group_bound
    products = a * weights
    if group_bound < _INT64_LIMIT:
        group_sums = products.sum(axis=-1)
    else:
        group_sums = products.astype(object).sum(axis=-1)
    if total_bound < _INT64_LIMIT:
        total = (scale * group_sums).sum(axis=-1)
        # int64 is two's complement, so the mask reduces negative totals modulo
        # 2^out_width too.
        return np.asarray(total & ((1 << out_width) - 1), dtype=np.int64)
    total = np.asarray((scale.astype(object) * np.asarray(group_sums, dtype=object))
                       .sum(axis=-1), dtype=object)
    # Python's % of a positive modulus is never negative: the pattern of the value.
    return np.asarray(total % (1 << out_width), dtype=object).astype(np.int64)


def bitserial_pe(params):
    """The golden model of a ``bitserial_pe`` or ``bitparallel_pe`` unit with checked
    parameters.

    Parameters
    ----------
    params : dict
        ``dtype`` (a WeightDtype or its name), ``a_width``, ``lanes``, ``group_size``,
        ``scale_bits``, ``out_width``, ``sel`` (the unit has a ``sel`` port: True exactly
        for a mixture datatype) and, for ``bitserial_pe``, ``bits_per_cycle``.
        ``lanes`` and ``bits_per_cycle`` set how the unit takes its terms and how fast it
        works through them, never the result, so the model ignores them.

    Returns
    -------
    callable
        ``model(a=(..., K), w=(..., K), scale=(..., K / group_size), sel=None or
        (..., K / group_size)) -> {"out": (...,)}``: the ``out_width``-bit patterns of
        :func:`group_dot_product`.
    """
    dtype, a_width, group_size, scale_bits, out_width = check_bitserial_params(
        dtype=params["dtype"], a_width=params["a_width"], group_size=params["group_size"],
        scale_bits=params["scale_bits"], out_width=params["out_width"])
    has_sel = params["sel"]
    if not isinstance(has_sel, (bool, np.bool_)):
        raise TypeError(f"sel must be True or False (the unit has a sel port), not {has_sel!r}")
    if bool(has_sel) != dtype.mixed:
        raise ValueError(f"sel = {bool(has_sel)} does not fit dtype {dtype.name}: a unit has "
                         f"a sel port exactly when its datatype is a mixture")
    keywords = {"dtype": dtype, "a_width": a_width, "group_size": group_size,
                "scale_bits": scale_bits, "out_width": out_width}

    def model(a, w, scale, sel=None):
        return {"out": group_dot_product(a, w, scale, sel, **keywords)}

    return model
