"""Time the golden models on every e4m3 operand pair: ``python -m macforge.verif.golden.benchmark``.

The tests do not assert timings (that would make them flaky); this prints them so that a
lost vectorization shows up as a number, not as a slow test run.
"""

import time

import numpy as np

from macforge.formats import NAMED_FORMATS
from macforge.verif.golden import fmul, lmul


def best_time(function, repeats=7):
    """Fastest of ``repeats`` runs of ``function()``, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    for name in ("e4m3", "e5m2"):
        fmt = NAMED_FORMATS[name]
        patterns = fmt.all_patterns()
        a, b = (grid.ravel() for grid in np.meshgrid(patterns, patterns, indexing="ij"))
        for model in (lmul, fmul):
            for saturate in (False, True):
                seconds = best_time(lambda: model(fmt, a, b, saturate=saturate))
                print(f"{model.__name__}({name}, saturate={saturate!s:5}) on all "
                      f"{a.size} pairs: {seconds * 1e3:7.2f} ms")


if __name__ == "__main__":
    main()
