"""docs/verification.md, written from the tables the regression runs.

Every row of the page comes from :mod:`macforge.verif.coverage`, the lists the tests
parametrize over, and the vector counts from :mod:`macforge.verif.unit_vectors`, the
functions that make the vectors; a test compares the committed page with this text, so
the page cannot claim a check the regression does not make.

Run ``python -m macforge.gen.verification_page`` to rewrite the page.
"""

from pathlib import Path

from macforge.verif import coverage
from macforge.verif.formal.mantissa_sweeps import pairs_per_class, sweep_classes
from macforge.verif.unit_vectors import EXHAUSTIVE_LIMIT, UNIT_VECTORS, exhaustive, operand_pairs

from .registry import get_unit

__all__ = ["PAGE", "page_text", "main"]

PAGE = Path(__file__).resolve().parent.parent / "docs" / "verification.md"

_INTRODUCTION = f"""\
# How each unit is verified

<!-- Written by `python -m macforge.gen.verification_page` from verif/coverage.py, the
     tables the tests run; a test fails when this page and those tables differ. -->

Every unit is checked on its emitted Verilog against its numpy golden model, which
implements [units.md](units.md) bit for bit. Four methods are used:

- **Every input**: a unit with at most {EXHAUSTIVE_LIMIT:,} operand pairs (every 8- and
  9-bit-input unit) gets every pair, streamed through the Verilog vector harness; a MAC
  gets each pair onto a cleared and onto a random accumulator, then random sequences and
  the accumulator's edge cases.
- **Sampled**: a wider unit gets every pair of its format's special values and a seeded
  random sample.
- **Proved**: a SAT solver (Yosys `sat` on a miter) proves the emitted Verilog equal, on
  every input, to a reference written separately from the generator in plain Verilog
  (`verif/formal`). Each reference is itself checked against the golden model on every
  input of the 8-bit formats.
- **Stream scenarios**: the stream units (systolic arrays, dequantization PEs) run, in
  one simulation per configuration, work of every size the scenarios list, back to back
  and with idle cycles, special values and extremes, and a reset in the middle; their
  timing is checked against their metadata.

`make test` runs everything below but what is said to be `make test-long`'s.
`macforge verify UNIT [parameters]` runs the same vectors or scenarios on any
configuration you emit, and `macforge emit --bench DIR` writes them as a cocotb test
that runs without macforge.
"""


_STEP_PROOF = """\
### How the accumulate step is proved

An accumulator's value depends on every earlier operation, so no number of cycles
unrolled from reset proves anything about it. The step proof (`verif/formal/steps.py`)
starts instead from any accumulator value in a set S: the canonical NaN, the
infinities, and the finite multiples of 2^q up to 2^k, q and k from the product bounds
of [units.md](units.md) section 6.2. It proves that one clock edge gives the value the
reference's step gives (with `en` low, with `clear`, with `rst`), and that this value is
in S again; with +0 in S, that covers every input sequence. The unit leaves out logic
for values outside S, and a test shows the proof failing without the set. One solver
call over all of S does not finish; one call per accumulator exponent field does.

Out of reach, with the times in the table below: fp16 `fmul`, whose 11 x 11 significand
product the unit and the reference build differently (neither Yosys's SAT solver nor
ABC's `iprove` settles it; the mantissa sweeps cover it instead), and the bf16
accumulator with exact products.
"""


def _top(kind, params):
    unit = get_unit(kind)
    return unit.top_name(unit.resolve(params))


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _vector_count(kind, params, **options):
    inputs = UNIT_VECTORS[kind](get_unit(kind).resolve(params), **options)
    return len(next(iter(inputs.values())))


def _mark_long(text, long):
    return f"{text} (`make test-long`)" if long else text


def _sweep_text(params, overflow_only):
    fmt = get_unit("fmul").resolve(params)["format"]
    classes = sweep_classes(fmt, overflow_only=overflow_only)
    vectors = len(classes) * pairs_per_class(fmt)
    which = "exponent classes that can overflow" if overflow_only else "exponent classes"
    return f"every mantissa pair of {len(classes)} {which}: {vectors:,} vectors"


def _formal_rows(kind, rows, blank):
    """Add the proofs and sweeps of ``kind`` to ``rows`` (top -> cells), the formal cell
    last; ``blank`` fills the cells of a configuration only proved."""
    def add(params, text):
        row = rows.setdefault(_top(kind, params), [*blank, ""])
        row[-1] = f"{row[-1]}; {text}" if row[-1] else text

    proved = set()
    for proof_kind, params in coverage.FORMAL_PROOFS:
        if proof_kind == kind:
            add(params, "proved")
            proved.add(_top(kind, params))
    for proof_kind, params in coverage.LONG_FORMAL_PROOFS:
        # The long sweep proves every lmul format: the rows already here say so, the
        # rest is one sentence below the table.
        if proof_kind == kind and _top(kind, params) in rows.keys() - proved:
            add(params, _mark_long("proved", True))
    for (sweep_kind, params), overflow_only in coverage.MANTISSA_SWEEPS:
        if sweep_kind == kind:
            add(params, _mark_long(_sweep_text(params, overflow_only), True))
    for step_kind, params in coverage.LONG_STEP_PROOFS:
        if step_kind == kind:
            add(params, _mark_long("accumulate step proved", True))
    for row in rows.values():
        row[-1] = row[-1] or "—"


def _reference_text(kind, tables, what):
    checked = [(_top(kind, params), long) for table, long in tables
               for check_kind, params in table if check_kind == kind]
    if not checked:
        return ""
    names = ", ".join(_mark_long(f"`{top}`", long) for top, long in checked)
    return f"\n\n{what} {names}."


def _multiplier_section(kind):
    """Simulated configurations, proofs and sweeps of one multiplier, a row each."""
    rows = {}
    for bench_kind, params, vectors in coverage.MULTIPLIER_BENCHES:
        if bench_kind != kind:
            continue
        if vectors == "exhaustive":
            count = operand_pairs(kind, get_unit(kind).resolve(params))
            simulated = f"every operand pair: {count:,}"
        else:
            count = _vector_count(kind, params, random_count=vectors)
            simulated = f"special values and {vectors:,} random: {count:,} pairs"
        rows[_top(kind, params)] = [simulated, ""]
    _formal_rows(kind, rows, ["—"])
    text = _table(["configuration", "simulated", "formal"],
                  [[f"`{top}`", *cells] for top, cells in rows.items()])
    long = [params for proof_kind, params in coverage.LONG_FORMAL_PROOFS if proof_kind == kind]
    if kind == "lmul":
        formats = {params["format"] for params in long}
        text += (f"\n\n`make test-long` proves every format of at most "
                 f"{coverage.PROOF_MAX_WIDTH} bits, named and generic ({len(formats)} "
                 f"formats), under both overflow rules: {len(long)} proofs.")
    return text + _reference_text(
        kind, [(coverage.REFERENCE_CHECKS, False), (coverage.LONG_REFERENCE_CHECKS, True)],
        "The reference is checked against the golden model on every operand pair of")


def _mac_section(kind, configurations):
    rows = []
    for params in configurations:
        resolved = get_unit(kind).resolve(params)
        pairs = operand_pairs(kind, resolved)
        operands = (f"every operand pair ({pairs:,}) twice" if exhaustive(kind, resolved)
                    else f"sampled ({pairs:,} pairs)")
        rows.append([f"`{_top(kind, params)}`", operands,
                     f"{_vector_count(kind, params):,}"])
    header = ["configuration", "operands", "cycles"]
    if not any(step_kind == kind for step_kind, _ in coverage.LONG_STEP_PROOFS):
        return _table(header, rows)
    by_top = {row[0].strip("`"): [*row[1:], ""] for row in rows}
    _formal_rows(kind, by_top, ["—", "—"])
    return (_table([*header, "formal"], [[f"`{top}`", *cells] for top, cells in by_top.items()])
            + _reference_text(kind, [(coverage.STEP_REFERENCE_CHECKS, False),
                                     (coverage.LONG_STEP_REFERENCE_CHECKS, True)],
                              "The step reference, in a register of its own, is checked "
                              "against the golden model on the regression's vectors of"))


def _stream_section(configurations):
    return _table(["configuration"], [[f"`{_top(kind, params)}`"]
                                      for kind, params in configurations])


def page_text():
    """The page, as Markdown."""
    sections = [
        _INTRODUCTION,
        "## L-Mul multiplier (`lmul`)\n\n" + _multiplier_section("lmul"),
        "## Exact multiplier (`fmul`)\n\n" + _multiplier_section("fmul"),
        "## Integer MAC (`int_mac`)\n\nCycles are the bench's whole run: the operand pairs "
        "onto a cleared and onto a random accumulator (where every pair is run), the "
        "accumulator's bounds, and random sequences with `en` low and `clear` now and "
        "then.\n\n" + _mac_section("int_mac", coverage.INT_MAC_BENCHES),
        "## Floating-point MAC (`fp_mac`)\n\nEvery input format is at most 9 bits wide, so "
        "every configuration gets every operand pair, onto a cleared and onto a random "
        "accumulator, then random sequences and the accumulator's edge cases (overflow, "
        "inf + -inf, NaN until cleared, exact cancellation).\n\n"
        + _mac_section("fp_mac", coverage.FP_MAC_BENCHES),
        _STEP_PROOF,
        "## Proof attempts\n\nMeasured once on 2 cores, not run by the tests: what reached "
        "a verdict, and how long the ones that did not ran before they were stopped.\n\n"
        + _table(["configuration", "method", "outcome", "seconds"],
                 [[f"`{_top(kind, params)}`", method, outcome, f"{seconds:,}"]
                  for (kind, params), method, outcome, seconds in coverage.PROOF_ATTEMPTS]),
        "## Systolic array (`systolic`)\n\nStream scenarios, one simulation each.\n\n"
        + _stream_section([("systolic", params) for params in coverage.SYSTOLIC_BENCHES]),
        "## Dequantization PEs (`bitserial_pe`, `bitparallel_pe`)\n\nStream scenarios, one "
        "simulation each; cycles per beat, cycles per group and latency are measured "
        "against the metadata.\n\n" + _stream_section(coverage.DEQUANT_BENCHES),
    ]
    return "\n\n".join(section.rstrip("\n") for section in sections) + "\n"


def main():
    PAGE.write_text(page_text())
    print(PAGE)


if __name__ == "__main__":
    main()
