"""Prove two Verilog modules with the same ports equal, with Yosys's SAT solver.

The two are joined in a miter (``miter -equiv``: the same inputs into both, an
assertion that every output pair agrees) and ``sat`` searches for inputs that break the
assertion.  None found is a proof over every input; one found is a counterexample,
which comes back as the values of every port of both modules.

A clocked pair is unrolled for ``steps`` cycles from all registers cleared, with free
inputs in every cycle: for a feed-forward pipeline of latency L, ``steps = L + 1``
covers every input reaching the output (cycle L + 1's output depends only on cycle 1's
inputs, and those are free).
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from macforge.synth.tools import run_yosys_script

__all__ = ["Proof", "prove_equivalent"]

SUCCESS = "SAT proof finished - no model found: SUCCESS!"
FAILURE = "SAT proof finished - model found: FAIL!"
COUNTEREXAMPLE = "counterexample.json"


@dataclass(frozen=True)
class Proof:
    """What :func:`prove_equivalent` established.

    Attributes
    ----------
    proved : bool
        Every output equal on every input (and, clocked, in every unrolled cycle).
    seconds : float
        Wall time of the Yosys run, parsing and solving.
    log : Path
        Yosys's log.
    counterexample : dict
        When not proved: port -> value in each unrolled cycle.  Inputs are ``in_<port>``,
        the reference's outputs ``gold_<port>``, the unit's ``gate_<port>``.
    """

    proved: bool
    seconds: float
    log: Path
    counterexample: dict = field(default_factory=dict)

    def describe(self):
        """The counterexample, one ``port=0x..`` per port and cycle, for a message."""
        return ", ".join(f"{name}={' '.join(hex(value) for value in values)}"
                         for name, values in sorted(self.counterexample.items()))


def _script(sources, reference_top, unit_top, steps):
    reads = "\n".join(f"read_verilog {Path(source).name}" for source in sources)
    sequence = f" -seq {steps} -set-init-zero" if steps > 1 else ""
    return f"""{reads}
hierarchy -check
proc
flatten
miter -equiv -flatten -make_assert -make_outputs {reference_top} {unit_top} miter
hierarchy -top miter
opt -fast
sat -prove-asserts -show-ports -dump_json {COUNTEREXAMPLE}{sequence} miter
"""


def _counterexample(path):
    """Port -> one integer per cycle, from ``sat -dump_json``'s WaveDrom description:
    a wave character per cycle, ``0``/``1`` for a 1-bit signal, ``=`` for the next of a
    wider one's ``data``, ``.`` repeating the last; it ends in a marker character."""
    ports = {}
    for signal in json.loads(Path(path).read_text())["signal"]:
        data, values = iter(signal.get("data", [])), []
        for character in signal["wave"]:
            if character in "01":
                values.append(int(character))
            elif character == "=":
                values.append(int(next(data), 2))
            elif character == "." and values:
                values.append(values[-1])
            else:
                break
        ports[signal["name"]] = values
    return ports


def prove_equivalent(sources, reference_top, unit_top, *, work_dir, steps=1, timeout=600):
    """Prove the modules ``reference_top`` and ``unit_top``, both defined in ``sources``
    (Verilog files copied into ``work_dir``), equal on every input; a :class:`Proof`.

    ``steps``: cycles unrolled for clocked modules (1 for combinational ones).
    RuntimeError when Yosys fails or gives no verdict.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    for source in sources:
        source = Path(source)
        if source.parent.resolve() != work_dir.resolve():
            (work_dir / source.name).write_text(source.read_text())
    (work_dir / COUNTEREXAMPLE).unlink(missing_ok=True)
    started = time.perf_counter()
    run_yosys_script(work_dir, "prove.ys", _script(sources, reference_top, unit_top, steps),
                     timeout=timeout)
    seconds = time.perf_counter() - started
    log = work_dir / "prove.log"
    text = log.read_text()
    if SUCCESS in text:
        return Proof(proved=True, seconds=seconds, log=log)
    if FAILURE in text:
        return Proof(proved=False, seconds=seconds, log=log,
                     counterexample=_counterexample(work_dir / COUNTEREXAMPLE))
    raise RuntimeError(f"Yosys gave no verdict; log: {log}")
