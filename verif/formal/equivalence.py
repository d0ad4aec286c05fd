"""Prove two Verilog modules with the same ports equal, with Yosys's SAT solver.

The two are joined in a miter (``miter -equiv``: the same inputs into both, an
assertion that every output pair agrees) and ``sat`` searches for inputs that break the
assertion.  None found is a proof over every input; one found is a counterexample,
which comes back as the values of every port of both modules.

A clocked pair is unrolled for ``steps`` cycles from all registers cleared (the state
reset leaves), with free inputs in every cycle and reset low, and the outputs compared
in the last cycle: for a feed-forward pipeline of latency L, ``steps = L + 1`` covers
every input reaching the output (cycle L + 1's output depends only on cycle 1's inputs,
and those are free).  Earlier cycles show what cleared banks compute, which the rules
leave open: fmul's four-bank pipeline shows 2^-bias, not +0, for the operation issued
in the last cycle of a reset (its cleared first bank reads as 1.0 x 1.0 x 2^-bias).

A unit whose state lives on (an accumulator) is not covered by any number of cycles
from reset.  :func:`prove_transition` takes one clock edge from a free state instead:
every register starts at any value for which given assumptions hold, and given
conditions must hold after the edge.  With the conditions "the unit's next state is the
reference's step" and "the assumptions hold again", that is an induction over every
input sequence.
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from macforge.synth.tools import run_yosys_script

__all__ = ["Proof", "prove_equivalent", "prove_transition"]

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
        When not proved: port -> value in each unrolled cycle (a sequence's first entry
        is the registers' initial state, None for a port).  In a miter inputs are
        ``in_<port>``, the reference's outputs ``gold_<port>``, the unit's
        ``gate_<port>``; in a transition, the checked module's own ports.
    """

    proved: bool
    seconds: float
    log: Path
    counterexample: dict = field(default_factory=dict)

    def describe(self):
        """The counterexample, one ``port=0x..`` per port and cycle, for a message."""
        return ", ".join(
            f"{name}={' '.join('-' if value is None else hex(value) for value in values)}"
            for name, values in sorted(self.counterexample.items()))


def _read(sources):
    reads = "\n".join(f"read_verilog {Path(source).name}" for source in sources)
    return f"""{reads}
hierarchy -check
proc
flatten
"""


def _miter_script(sources, reference_top, unit_top, steps, reset):
    sequence = (f" -seq {steps} -set-init-zero -set in_{reset} 0 -prove-skip {steps - 1}"
                if steps > 1 else "")
    return f"""{_read(sources)}miter -equiv -flatten -make_assert -make_outputs {reference_top} {unit_top} miter
hierarchy -top miter
opt -fast
sat -prove-asserts -show-ports -dump_json {COUNTEREXAMPLE}{sequence} miter
"""


def _transition_script(sources, top, assume_before, prove_after, fixed_before):
    # Two time steps; no -set-init-* option, so every register's first value is free.
    assumptions = "".join(f" -set-at 1 {name} 1" for name in assume_before)
    assumptions += "".join(f" -set-at 1 {name} {value}" for name, value in fixed_before.items())
    conditions = "".join(f" -prove {name} 1" for name in prove_after)
    # wreduce trims the references' 32-bit integer arithmetic to the bits in use: a
    # third fewer variables, and an fp16 accumulator case solved in 32 s instead of 47.
    return f"""{_read(sources)}hierarchy -top {top}
opt -fast
wreduce
opt -full
sat -seq 2 -prove-skip 1{assumptions}{conditions} -show-ports -dump_json {COUNTEREXAMPLE} {top}
"""


def _counterexample(path):
    """Port -> one integer per cycle, from ``sat -dump_json``'s WaveDrom description:
    a wave character per cycle, ``0``/``1`` for a 1-bit signal, ``=`` for the next of a
    wider one's ``data``, ``.`` repeating the last, ``4`` for no value (a port in the
    initial-state column of a sequence, which takes an empty ``data`` entry); anything
    else ends the wave."""
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
            elif character == "4":
                if "data" in signal:
                    next(data)
                values.append(None)
            else:
                break
        ports[signal["name"]] = values
    return ports


def prove_equivalent(sources, reference_top, unit_top, *, work_dir, steps=1, reset="rst",
                     timeout=600):
    """Prove the modules ``reference_top`` and ``unit_top``, both defined in ``sources``
    (Verilog files copied into ``work_dir``), equal on every input; a :class:`Proof`.

    ``steps``: cycles unrolled for clocked modules (1 for combinational ones), whose
    reset port is ``reset``.  RuntimeError when Yosys fails or gives no verdict.
    """
    return _solve(sources, _miter_script(sources, reference_top, unit_top, steps, reset),
                  work_dir=work_dir, timeout=timeout)


def prove_transition(sources, top, *, assume_before, prove_after, work_dir, fixed_before=None,
                     timeout=600):
    """Prove that one rising clock edge of ``top`` (defined in ``sources``), from every
    register value and input for which each 1-bit signal of ``assume_before`` is 1,
    leaves each 1-bit signal of ``prove_after`` at 1; a :class:`Proof`.

    ``fixed_before``: signal -> Verilog constant, held before the edge too (one case of
    a proof split into cases).  The inputs are free before and after the edge.
    RuntimeError when Yosys fails or gives no verdict.
    """
    script = _transition_script(sources, top, assume_before, prove_after, fixed_before or {})
    return _solve(sources, script, work_dir=work_dir, timeout=timeout)


def _solve(sources, script, *, work_dir, timeout):
    """Copy ``sources`` into ``work_dir``, run ``script`` (ending in one ``sat``) there
    and read its verdict."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    for source in sources:
        source = Path(source)
        if source.parent.resolve() != work_dir.resolve():
            (work_dir / source.name).write_text(source.read_text())
    (work_dir / COUNTEREXAMPLE).unlink(missing_ok=True)
    started = time.perf_counter()
    run_yosys_script(work_dir, "prove.ys", script, timeout=timeout)
    seconds = time.perf_counter() - started
    log = work_dir / "prove.log"
    text = log.read_text()
    if SUCCESS in text:
        return Proof(proved=True, seconds=seconds, log=log)
    if FAILURE in text:
        return Proof(proved=False, seconds=seconds, log=log,
                     counterexample=_counterexample(work_dir / COUNTEREXAMPLE))
    raise RuntimeError(f"Yosys gave no verdict; log: {log}")
