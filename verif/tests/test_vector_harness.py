"""The vector harness: its Verilog, and a bench through it that fails on a wrong result,
on outputs read one cycle off the unit's latency, and with a waveform to look at."""

import numpy as np
import pytest

from macforge.gen.emit import emit
from macforge.gen.registry import get_unit
from macforge.verif.benches.stream import run_vectors
from macforge.verif.benches.vector_harness import (DEPTH, HARNESS_TOP, build_in_harness,
                                                   harness_verilog, read_results,
                                                   write_vectors)
from macforge.verif.tests.conftest import BUILD_ROOT, built_unit

# The MACs' first pipelined configuration, already built by their regression.
PIPELINED = ("int_mac", {"pipeline_stages": 1})


def test_the_harness_connects_every_port_and_reads_after_the_latency(tmp_path):
    emitted = emit(*PIPELINED, out_dir=tmp_path)
    verilog = harness_verilog(emitted.metadata)
    assert (f"{emitted.top} unit(.clk(clk), .rst(rst), .a(a), .b(b), .en(en), .clear(clear), "
            f".acc(acc));") in verilog
    latency = emitted.metadata["latency"]
    assert f"acc_results[harness_cycle - {latency}] <= acc;" in verilog
    combinational = harness_verilog(emit("lmul", {"format": "e4m3"}, out_dir=tmp_path).metadata)
    # No clock of its own: the harness brings one and reads each output a cycle later.
    assert "module macforge_vector_harness(input clk," in combinational
    assert "y_results[harness_cycle - 1] <= y;" in combinational


def test_vector_counts_are_checked(tmp_path):
    metadata = emit("lmul", {"format": "e4m3"}, out_dir=tmp_path).metadata
    with pytest.raises(ValueError, match="as many vectors"):
        write_vectors({"a": np.zeros(3), "b": np.zeros(4)}, metadata, tmp_path)
    with pytest.raises(ValueError, match=f"1 to {DEPTH} vectors, not 0"):
        write_vectors({"a": np.zeros(0), "b": np.zeros(0)}, metadata, tmp_path)
    # Negative values are two's complement patterns of the port's width.
    assert write_vectors({"a": np.array([-1, 5]), "b": np.array([0, 255])}, metadata,
                         tmp_path) == 2
    assert (tmp_path / "vectors_a.hex").read_text() == "ff\n5\n"


def test_results_are_read_past_the_simulators_annotations(tmp_path):
    """Icarus writes a "// 0x00000010" line every 16 words; Verilator "@" addresses."""
    metadata = emit("lmul", {"format": "e4m3"}, out_dir=tmp_path).metadata
    words = [f"{value:02x}" for value in range(20)]
    (tmp_path / "results_y.hex").write_text(
        "// 0x00000000\n" + "\n".join(words[:16]) + "\n// 0x00000010\n@10\n"
        + "\n".join(words[16:]) + "\n")
    assert read_results(metadata, 20, tmp_path)["y"].tolist() == list(range(20))


def _run(built, inputs, expected, tmp_path):
    tmp_path.mkdir()
    return run_vectors(built, get_unit(PIPELINED[0]).bench, inputs, expected, tmp_path,
                       check=False)


def _vectors():
    rng = np.random.default_rng(7)
    count = 500
    inputs = {"a": rng.integers(0, 256, count), "b": rng.integers(0, 256, count),
              "en": rng.integers(0, 2, count), "clear": (rng.random(count) < 0.05).astype(int)}
    return inputs, get_unit(PIPELINED[0]).golden_model(PIPELINED[1])(**inputs)


@pytest.mark.slow
def test_the_bench_fails_on_a_wrong_result_and_leaves_a_waveform(tmp_path):
    inputs, expected = _vectors()
    assert _run(built_unit(*PIPELINED), inputs, expected, tmp_path / "right").failed == 0
    expected["acc"][321] ^= 1 << 7
    result = _run(built_unit(*PIPELINED), inputs, expected, tmp_path / "wrong")
    assert result.failed == 1 and result.waveform is not None and result.waveform.is_file()
    report = (tmp_path / "wrong" / "mismatches.txt").read_text()
    assert report.startswith("1 mismatching outputs in 500 vectors") and "vector 321:" in report


@pytest.mark.slow
def test_outputs_read_a_cycle_off_the_latency_fail(tmp_path):
    inputs, expected = _vectors()
    emitted = emit(*PIPELINED, out_dir=tmp_path / "unit")
    late = {**emitted.metadata, "latency": emitted.metadata["latency"] + 1}
    built = build_in_harness(emitted.verilog_path, late, build_root=BUILD_ROOT / "sim")
    assert built.top == HARNESS_TOP
    result = _run(built, inputs, expected, tmp_path / "late")
    assert result.failed == 1
    assert "mismatching outputs in 500 vectors" in (tmp_path / "late" / "mismatches.txt").read_text()
