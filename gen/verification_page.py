"""docs/verification.md, written from the tables the regression runs.

Every row of the page comes from :mod:`macforge.verif.coverage`, the lists the tests
parametrize over, and the vector counts from :mod:`macforge.verif.unit_vectors`, the
functions that make the vectors; a test compares the committed page with this text, so
the page cannot claim a check the regression does not make.

Run ``python -m macforge.gen.verification_page`` to rewrite the page.
"""

from pathlib import Path

from macforge.verif import coverage
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


def _multiplier_section(kind):
    """Simulated configurations and proofs of one multiplier, one row per configuration."""
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
        rows[_top(kind, params)] = [simulated, "—"]
    for proof_kind, params in coverage.FORMAL_PROOFS:
        if proof_kind == kind:
            rows.setdefault(_top(kind, params), ["—", ""])[1] = "proved"
    text = _table(["configuration", "simulated", "formal"],
                  [[f"`{top}`", *cells] for top, cells in rows.items()])
    long = [params for proof_kind, params in coverage.LONG_FORMAL_PROOFS if proof_kind == kind]
    if long:
        formats = {params["format"] for params in long}
        text += (f"\n\n`make test-long` proves every format of at most "
                 f"{coverage.PROOF_MAX_WIDTH} bits, named and generic ({len(formats)} "
                 f"formats), under both overflow rules: {len(long)} proofs.")
    checked = [_top(kind, params) for check_kind, params in coverage.REFERENCE_CHECKS
               if check_kind == kind]
    if checked:
        text += ("\n\nThe reference is checked against the golden model on every operand "
                 "pair of " + ", ".join(f"`{top}`" for top in checked) + ".")
    return text


def _mac_section(kind, configurations):
    rows = []
    for params in configurations:
        resolved = get_unit(kind).resolve(params)
        pairs = operand_pairs(kind, resolved)
        operands = (f"every operand pair ({pairs:,}) twice" if exhaustive(kind, resolved)
                    else f"sampled ({pairs:,} pairs)")
        rows.append([f"`{_top(kind, params)}`", operands,
                     f"{_vector_count(kind, params):,}"])
    return _table(["configuration", "operands", "cycles"], rows)


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
