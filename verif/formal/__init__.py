"""Formal equivalence: emitted units proved equal to plain reference transcriptions.

Where a unit's inputs are too many to simulate (a 16-bit format has 2^32 operand pairs),
a SAT solver proves its emitted Verilog equal to a reference on every input.  The
references (``*_reference.v``) are written from the rules in docs/units.md, one rule
after another, in the simplest Verilog that states them; they share no code and no
structure with the generator's datapaths, so that a proof compares two independent
readings of the rules.  A reference is itself checked against the numpy golden model on
every input of the 8-bit formats, which ties the two readings to the third.

A unit with state (fp_mac's accumulator) is proved one step at a time, from every
state it can reach (:mod:`.steps`).  Where a proof does not finish, every mantissa pair
of chosen exponent classes is simulated instead (:mod:`.mantissa_sweeps`).
"""

from .equivalence import Proof, prove_equivalent, prove_transition
from .references import (REFERENCES, Reference, prove, reference_verilog, run_reference,
                         write_reference)
from .steps import prove_step, prove_step_by_cases

__all__ = ["Proof", "prove_equivalent", "prove_transition", "REFERENCES", "Reference",
           "prove", "reference_verilog", "run_reference", "write_reference", "prove_step",
           "prove_step_by_cases"]
