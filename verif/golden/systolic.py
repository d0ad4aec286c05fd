"""Golden model of the systolic array (docs/units.md section 8).

Both dataflows are one accumulation per output element, run in a fixed order from a
cleared accumulator with the PE's own golden MAC step (:func:`int_mac_step` or
:func:`fp_mac_step`), so every step wraps, saturates or rounds as the PE does:

- output-stationary (``os``): PE (i, j) takes ``acc <- MAC(acc, A[i,k], B[k,j])`` for
  k = 0 .. K-1;
- weight-stationary (``ws``): the partial sum flowing down column j takes
  ``psum <- MAC(psum, X[m,r], W[r,j])`` for r = 0 .. R-1.

Floating-point sums depend on their order, so the model never uses ``numpy.matmul``: it
takes one vectorized step per k over all tiles and all PEs.
"""

import inspect

import numpy as np

from .fp_mac import fp_mac, fp_mac_step
from .int_mac import int_mac, int_mac_step

__all__ = ["systolic", "systolic_os", "systolic_ws", "SYSTOLIC_PES", "SYSTOLIC_DATAFLOWS"]

SYSTOLIC_DATAFLOWS = ("os", "ws")


def _keyword_defaults(model):
    """The value parameters of a MAC golden model and their defaults, from its signature,
    so that the array's defaults cannot drift from the PE's own."""
    return {name: parameter.default
            for name, parameter in inspect.signature(model).parameters.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY}


SYSTOLIC_PES = {
    "int_mac": (int_mac_step, _keyword_defaults(int_mac)),
    "fp_mac": (fp_mac_step, _keyword_defaults(fp_mac)),
}
"""PE kind -> (its golden MAC step, {parameter the step takes: default})."""


def _pe_step(pe, pe_params):
    """``step(acc, clear, a, b)`` of the PE, with its value parameters bound.

    Parameters the step does not take (``pipeline_stages``) change when results appear,
    never what they are, so they are dropped; missing ones take the PE's defaults.
    """
    try:
        step, defaults = SYSTOLIC_PES[pe]
    except (KeyError, TypeError):
        raise ValueError(f"pe {pe!r} is unknown; known PEs: {', '.join(SYSTOLIC_PES)}") from None
    pe_params = dict(pe_params or {})
    bound = {name: pe_params.get(name, default) for name, default in defaults.items()}
    return lambda acc, clear, a, b: step(acc, clear, a, b, **bound)


def _accumulate(step, left, right, names):
    """``out[..., i, j]``: the MAC steps over k of ``left[..., i, k]``, ``right[..., k, j]``."""
    left, right = np.asarray(left), np.asarray(right)
    shapes = f"{names[0]} {left.shape} and {names[1]} {right.shape}"
    if left.ndim < 2 or right.ndim < 2 or left.shape[-1] != right.shape[-2]:
        raise ValueError(f"{names[0]} (..., rows, n) and {names[1]} (..., n, cols) must share "
                         f"n, not {shapes}")
    if left.shape[-1] == 0:
        raise ValueError(f"{shapes} accumulate no product; at least one is needed")
    try:
        tiles = np.broadcast_shapes(left.shape[:-2], right.shape[:-2])
    except ValueError:
        raise ValueError(f"the leading (tile) dimensions of {shapes} do not broadcast") from None
    acc = np.zeros(tiles + (left.shape[-2], right.shape[-1]), dtype=np.int64)
    for k in range(left.shape[-1]):
        # The first step clears: acc = 0 (+0), so a -0 first product leaves +0.
        acc = step(acc, k == 0, left[..., :, k, None], right[..., None, k, :])
    return acc


def systolic_os(a, b, *, pe, pe_params):
    """Output-stationary tiles: PE (i, j) accumulates ``A[i,k] * B[k,j]`` for k = 0 .. K-1.

    Parameters
    ----------
    a : array-like of int, shape (..., R, K)
        The PEs' ``a``-operand bit patterns; K >= 1.
    b : array-like of int, shape (..., K, C)
        The PEs' ``b``-operand bit patterns.  Leading (tile) dimensions broadcast.
    pe : {"int_mac", "fp_mac"}
        The PE kind.
    pe_params : dict
        The PE's parameters as its unit takes them (formats as FloatFormat or names);
        missing ones take the PE's defaults, timing-only ones are ignored.

    Returns
    -------
    numpy.ndarray of int64, shape (..., R, C): the accumulator bit patterns.
    """
    return _accumulate(_pe_step(pe, pe_params), a, b, ("a", "b"))


def systolic_ws(x, w, *, pe, pe_params):
    """Weight-stationary: ``Y[m,j]`` accumulates ``X[m,r] * W[r,j]`` for r = 0 .. R-1.

    Parameters
    ----------
    x : array-like of int, shape (..., M, R)
        Activation rows, the PEs' ``a``-operand bit patterns.
    w : array-like of int, shape (..., R, C)
        Weights, the PEs' ``b``-operand bit patterns.  Leading dimensions broadcast.
    pe, pe_params
        As for :func:`systolic_os`.

    Returns
    -------
    numpy.ndarray of int64, shape (..., M, C): the partial sums leaving the bottom row.
    """
    return _accumulate(_pe_step(pe, pe_params), x, w, ("x", "w"))


def _check_lanes(name, array, axis, size, parameter):
    array = np.asarray(array)
    if array.ndim < 2 or array.shape[axis] != size:
        raise ValueError(f"{name} of shape {array.shape} does not fit {parameter} = {size} "
                         f"(axis {axis})")
    return array


def systolic(params):
    """The golden model of a systolic unit with resolved parameters.

    Parameters
    ----------
    params : dict
        ``rows``, ``cols``, ``pe``, ``pe_params`` and ``dataflow`` (``"os"`` or ``"ws"``).

    Returns
    -------
    callable
        os: ``model(a=(..., rows, K), b=(..., K, cols)) -> {"y": (..., rows, cols)}``;
        ws: ``model(x=(..., M, rows), w=(..., rows, cols)) -> {"y": (..., M, cols)}``.
    """
    rows, cols, dataflow = params["rows"], params["cols"], params["dataflow"]
    step = _pe_step(params["pe"], params["pe_params"])
    if dataflow == "os":
        def model(a, b):
            a = _check_lanes("a", a, -2, rows, "rows")
            b = _check_lanes("b", b, -1, cols, "cols")
            return {"y": _accumulate(step, a, b, ("a", "b"))}
    elif dataflow == "ws":
        def model(x, w):
            x = _check_lanes("x", x, -1, rows, "rows")
            w = _check_lanes("w", w, -2, rows, "rows")
            w = _check_lanes("w", w, -1, cols, "cols")
            return {"y": _accumulate(step, x, w, ("x", "w"))}
    else:
        raise ValueError(f"dataflow {dataflow!r} is unknown; known: "
                         f"{', '.join(SYSTOLIC_DATAFLOWS)}")
    return model
