"""bitserial_pe and bitparallel_pe: the emitted Verilog against the golden model, and its
timing against its metadata.

Each configuration is one Verilator build and one simulation running every scenario of
:func:`macforge.verif.bitserial_scenarios.bench_scenarios` (dot products of 1 to 32
groups back to back, random data, the datatype's extremes, idle stretches, a reset inside
a dot product and between two; cycles per beat, cycles per group and latency measured
against the metadata).  Builds dominate the cost, so the matrix covers the parameters
across configurations instead of crossing them: every datatype once, int4 and both
mixtures at both ``bits_per_cycle``, group sizes 4 (groups shorter than ``scale_bits``
cycles), 8 (two beats, the last one waiting for the dequantizer), 32 and 128, 4 lanes and 8, narrow activations and scales with an ``out_width``
that wraps, wide ones, and the bit-parallel reference.

Measured on 2 cores, the whole file: 85 s of CPU when the 20 PEs' C++ is compiled for
the first time (Verilator's runtime library already in ccache), 53 s when ccache holds
it too, 46 s with the builds in place; each simulation runs 180 to 4,500 cycles in 0.04
to 0.24 s, and starting the bench process costs ~1.6 s of each run.
"""

import dataclasses
import json
import zlib

import pytest

from macforge.formats import DTYPES, serial_digits
from macforge.gen.emit import emit
from macforge.gen.registry import get_unit
from macforge.sim import runner
from macforge.sim.runner import METADATA_ENV_VAR
from macforge.verif.benches.amaranth_stream import run_on_amaranth
from macforge.verif.benches.bitserial_checks import DEQUANT_PE
from macforge.verif.benches.stream import VECTORS_ENV
from macforge.verif.benches.stream_cocotb import build_stream_unit
from macforge.verif.coverage import DEQUANT_BENCHES as CONFIGS
from macforge.verif.coverage import bitserial
from macforge.verif.bitserial_scenarios import (bench_scenarios, long_dot_groups,
                                                  smoke_scenarios)
from macforge.verif.stream_work import save
from macforge.verif.tests.conftest import BUILD_ROOT


def _top(config):
    kind, params = config
    unit = get_unit(kind)
    return unit.top_name(unit.resolve(params))


def _build(config):
    """Emit and build ``config`` (once: later calls and sessions find the build); the
    build, the emitted metadata and the resolved parameters."""
    kind, params = config
    unit = get_unit(kind)
    resolved = unit.resolve(params)
    top = unit.top_name(resolved)
    emitted = emit(kind, params, out_dir=BUILD_ROOT / "units" / top)
    built = build_stream_unit(emitted.verilog_path, emitted.metadata,
                              build_root=BUILD_ROOT / "sim")
    return built, emitted.metadata, resolved


@pytest.mark.slow
@pytest.mark.parametrize("config", CONFIGS, ids=[_top(c) for c in CONFIGS])
def test_pe_matches_golden_model_and_metadata(config, tmp_path):
    built, metadata, resolved = _build(config)
    vectors = tmp_path / "vectors.npz"
    save(vectors, bench_scenarios(resolved, metadata,
                                   seed=zlib.crc32(metadata["top"].encode())))
    result = runner.run(built, test_module=get_unit(config[0]).bench, test_dir=tmp_path,
                        extra_env={VECTORS_ENV: str(vectors)})
    assert result.tests == 1 and result.failed == 0
    measured = json.loads((tmp_path / "measurements.json").read_text())
    print(f"{metadata['top']}: " + ", ".join(
        f"{key} {metadata[key]} (measured "
        f"{sorted({v for m in measured.values() for v in m.get(key, [])})})"
        for key in ("latency", "cycles_per_beat", "cycles_per_group")))


def _wrong(scenarios):
    """The scenarios with the first result of the first one off by one bit."""
    first = scenarios[0]
    expected = first.expected.copy()
    expected[0] ^= 1
    return [dataclasses.replace(first, expected=expected), *scenarios[1:]]


def _late(metadata):
    """Metadata promising results one cycle later than they come."""
    return {**metadata, "latency": metadata["latency"] + 1,
            "latency_formula": f"({metadata['latency_formula']}) + 1"}


@pytest.mark.slow
def test_the_bench_fails_on_a_wrong_result_and_a_wrong_latency(tmp_path):
    # The cheapest configuration of the matrix, already built by it.
    config = bitserial("int4", 2, 4)
    assert config in CONFIGS
    built, metadata, resolved = _build(config)
    vectors = tmp_path / "vectors.npz"
    save(vectors, _wrong(smoke_scenarios(resolved, metadata)))
    result = runner.run(built, test_module=get_unit(config[0]).bench, test_dir=tmp_path,
                        extra_env={VECTORS_ENV: str(vectors),
                                   METADATA_ENV_VAR: json.dumps(_late(metadata))},
                        check=False, waveform_on_failure=False)
    assert result.tests == 1 and result.failed == 1
    report = (tmp_path / "mismatches.txt").read_text()
    assert "1 mismatching outputs" in report and "dot=0x0" in report
    assert report.count(f"off their latency {metadata['latency'] + 1}") == 3


# Fast tier: the same checks on Amaranth's simulator.

SMOKE = bitserial("fp3_mixed", 2, 4)


def _on_amaranth(config, make_scenarios, metadata=None, tmp_path=None):
    kind, params = config
    unit = get_unit(kind)
    resolved = unit.resolve(params)
    emitted = emit(kind, params, out_dir=tmp_path / "unit").metadata
    metadata = metadata(emitted) if metadata else emitted
    return run_on_amaranth(unit.build(resolved), make_scenarios(resolved, emitted), metadata,
                           DEQUANT_PE)


def test_a_wrong_result_fails_on_amaranth(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # check_outputs writes mismatches.txt into the cwd
    with pytest.raises(AssertionError, match="1 mismatching outputs"):
        _on_amaranth(SMOKE, lambda p, m: _wrong(smoke_scenarios(p, m)), tmp_path=tmp_path)


# A wrong promise of each timing number, and what the bench says about it.
_WRONG_TIMING = {"latency": (1, "off their latency"),
                 "cycles_per_group": (-1, "not cycles_per_group ="),
                 "cycles_per_beat": (1, "not cycles_per_beat =")}


@pytest.mark.parametrize("key", sorted(_WRONG_TIMING))
def test_wrong_timing_fails_on_amaranth(key, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = bitserial("int4", 1, 8)  # groups of two beats: cycles per beat are measured
    delta, words = _WRONG_TIMING[key]

    def promise(metadata):
        wrong = {**metadata, key: metadata[key] + delta}
        if f"{key}_formula" in metadata:
            wrong[f"{key}_formula"] = f"({metadata[f'{key}_formula']}) + {delta}"
        else:  # cycles_per_beat: the group's formula reads it, the group's number stays
            wrong["cycles_per_group_formula"] = str(metadata["cycles_per_group"])
        return wrong

    with pytest.raises(AssertionError, match=words):
        _on_amaranth(config, smoke_scenarios, promise, tmp_path)


def test_short_groups_of_several_beats_wait_on_their_last_beat_only(tmp_path, monkeypatch):
    # int4, two digits per beat, two beats per group: 4 cycles of beats, 8 scale bits.
    # The first beat of a group is taken 2 cycles after the last group's, the last one
    # 6 cycles after the first, when the dequantizer frees.
    monkeypatch.chdir(tmp_path)
    measured = _on_amaranth(bitserial("int4", 2, 8), smoke_scenarios, tmp_path=tmp_path)
    timed = [values for values in measured.values() if "last_beat_spacing" in values]
    assert timed and all(values["cycles_per_beat"] == [2] and values["last_beat_spacing"] == [6]
                         and values["cycles_per_group"] == [8] for values in timed)


def _groups_cycles(params):
    """(cycles of a group's beats, scale_bits) of a bit-serial configuration."""
    beats = params["group_size"] // params["lanes"]
    digits = serial_digits(params["dtype"], params["bits_per_cycle"]).cycles_per_beat
    return digits * beats, params["scale_bits"]


def test_the_matrix_covers_every_dtype_and_both_regimes():
    resolved = [(kind, get_unit(kind).resolve(params)) for kind, params in CONFIGS]
    serial = [params for kind, params in resolved if kind == "bitserial_pe"]
    assert {params["dtype"].name for params in serial} == set(DTYPES)
    for dtype in ("int4", "fp4_mixed", "fp3_mixed"):
        assert {p["bits_per_cycle"] for p in serial if p["dtype"].name == dtype} == {1, 2}
    assert {p["group_size"] for p in serial} == {4, 8, 32, 128}
    assert {p["lanes"] for p in serial} > {4}
    assert any(p["a_width"] != 8 and p["scale_bits"] != 8 and p["out_width"] < 16
               for p in serial)
    assert 2 <= sum(kind == "bitparallel_pe" for kind, _ in resolved) <= 3
    # Groups whose beats take fewer cycles than scale_bits (the dequantizer sets the
    # pace), exactly as many, and more; with both bits_per_cycle in the first and last.
    regimes = {}
    for params in serial:
        beats, scale = _groups_cycles(params)
        regimes.setdefault((beats > scale) - (beats < scale), set()).add(
            params["bits_per_cycle"])
    assert regimes == {-1: {1, 2}, 0: {1, 2}, 1: {1, 2}}
    # Every configuration streams a dot product of 32 groups.
    for kind, params in resolved:
        component = get_unit(kind).build(params)
        assert long_dot_groups({"cycles_per_group": component.cycles_per_group}) == 32
    # A group of several beats that waits on its last one for the dequantizer.
    assert any(p["group_size"] > p["lanes"] and _groups_cycles(p)[0] < p["scale_bits"]
               for p in serial)
