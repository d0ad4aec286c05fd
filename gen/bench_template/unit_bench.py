"""The cocotb test of this bench (README.txt): every vector through the unit, one per
clock cycle, each output compared with the expected value bit for bit.

The harness (macforge_vector_harness.v) does the streaming inside the simulator: when
``start`` is high it loads ``vectors_<port>.hex`` from the simulator's working directory
(run.py makes that this directory), resets the unit if it has a reset, applies one vector
per cycle, saves ``results_<port>.hex`` and raises ``done``.  This test only starts the
clock, awaits ``done`` and compares the files; the expected values are macforge's golden
model's, in ``expected_<port>.hex``.  What the harness needs to know (ports, widths,
clock, vector count) is in ``bench.json``.

It needs cocotb 2.x and nothing else outside Python's standard library.
"""

import json
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge

HERE = Path(__file__).resolve().parent
BENCH = json.loads((HERE / "bench.json").read_text())
CLOCK_PERIOD_NS = 10
MISMATCHES_SHOWN = 10
MISMATCH_REPORT = "mismatches.txt"
# One cycle per vector plus the reset and the latency, twice over: a harness that never
# raises done fails the test instead of hanging the simulator.
TIMEOUT_NS = 2 * CLOCK_PERIOD_NS * (BENCH["vectors"] + BENCH["latency"] + 16)


def read_words(path, count):
    """The ``count`` values of a ``$readmemh`` / ``$writememh`` file: ints, or the word
    as written where it is not hex (an x or z bit from a four-state simulator).  Comments
    (Icarus writes ``// 0x00000010`` every 16 values) and ``@`` addresses are skipped."""
    words = [word for line in path.read_text().splitlines()
             for word in line.split("//", 1)[0].split() if not word.startswith("@")]
    if len(words) != count:
        raise AssertionError(f"{path.name} holds {len(words)} values, not {count}")
    values = []
    for word in words:
        try:
            values.append(int(word, 16))
        except ValueError:
            values.append(word)
    return values


def shown(value, width):
    """A value as the report shows it: hex, as wide as its port."""
    if isinstance(value, str):
        return value
    return f"0x{value:0{(width + 3) // 4}x}"


def mismatch_report(run_dir):
    """The report of every output that differs from the expected one (the first
    :data:`MISMATCHES_SHOWN` of each port in full), or "" when all match."""
    count = BENCH["vectors"]
    inputs = {port["name"]: read_words(run_dir / f"vectors_{port['name']}.hex", count)
              for port in BENCH["inputs"]}
    lines = []
    total = 0
    for port in BENCH["outputs"]:
        name, width = port["name"], port["width"]
        expected = read_words(HERE / f"expected_{name}.hex", count)
        got = read_words(run_dir / f"results_{name}.hex", count)
        wrong = [index for index in range(count) if got[index] != expected[index]]
        total += len(wrong)
        for index in wrong[:MISMATCHES_SHOWN]:
            operands = ", ".join(f"{operand['name']}="
                                 f"{shown(inputs[operand['name']][index], operand['width'])}"
                                 for operand in BENCH["inputs"])
            lines.append(f"vector {index}: {operands}: {name} expected "
                         f"{shown(expected[index], width)} got {shown(got[index], width)}")
    if not total:
        return ""
    return (f"{total} mismatching outputs in {count} vectors of {BENCH['top']}; "
            f"first ones:\n" + "\n".join(lines) + "\n")


@cocotb.test(timeout_time=TIMEOUT_NS, timeout_unit="ns")
async def outputs_match_expected(dut):
    run_dir = Path.cwd()  # where the harness reads and writes its files
    for port in BENCH["inputs"]:
        if not (run_dir / f"vectors_{port['name']}.hex").is_file():
            raise AssertionError(f"no vectors_{port['name']}.hex in {run_dir}: run the "
                                 f"simulator in the bench directory, as run.py does")
    for port in BENCH["outputs"]:
        # A result file from an earlier run must not pass for this run's.
        (run_dir / f"results_{port['name']}.hex").unlink(missing_ok=True)
    dut.count.value = BENCH["vectors"]
    dut.start.value = 1
    Clock(getattr(dut, BENCH["clock"]), CLOCK_PERIOD_NS, unit="ns").start()
    await RisingEdge(dut.done)
    report = mismatch_report(run_dir)
    if report:
        (run_dir / MISMATCH_REPORT).write_text(report)
        raise AssertionError(report)
    dut._log.info("%d vectors: every output matches the expected value", BENCH["vectors"])
