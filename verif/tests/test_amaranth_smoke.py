"""Every registered unit on Amaranth's simulator against its golden model, bit for bit.

A smoke test for the fast tier: no Verilog, no Verilator, a few hundred vectors per
configuration.  It is generic over the registry, so a fixed-latency unit added there is
tested here without an edit: every kind runs at its defaults, pipelined when it has a
``pipeline_stages`` parameter, and in the variants ``VARIANTS`` lists for it, driven one
vector per cycle at its fixed ``latency``.  A stream unit (valid/ready handshake) has no
such generic drive: ``STREAM_UNITS`` names its small configurations, the scenarios that
drive them and the checks of its benches, and a registered stream unit missing there
fails the test, so none is skipped silently.
"""

import numpy as np
import pytest
from amaranth.hdl import ClockDomain, Module, Shape, Value
from amaranth.lib.wiring import In, Out
from amaranth.sim import Simulator

from macforge.formats import FloatFormat
from macforge.gen.registry import UNITS, get_unit
from macforge.gen.emit import emit
from macforge.verif.benches.amaranth_stream import run_on_amaranth
from macforge.verif.benches.stream import check_outputs
from macforge.verif import bitserial_scenarios, systolic_scenarios
from macforge.verif.benches.bitserial_checks import DEQUANT_PE
from macforge.verif.benches.systolic_checks import SYSTOLIC

VECTORS = 400
SEED = 1
SPECIAL_SHARE = 0.3
# MAC control ports by their contract names: mostly enabled and rarely cleared, so sums
# build up for ~20 cycles between clears.  Any other 1-bit input is a coin flip.
CONTROL_RATES = {"en": 0.85, "clear": 0.05}
RESET_CYCLES = 2
PIPELINED = {"pipeline_stages": 2}
# One non-default corner per kind: another format or width, saturation, the L-Mul product.
VARIANTS = {
    "lmul": [{"format": "fp16", "saturate": False, "pipeline_stages": 1}],
    "fmul": [{"format": "bf16", "saturate": True}],
    "int_mac": [{"a_width": 5, "b_width": 7, "signed": False, "acc_width": 14,
                 "overflow": "saturate"},
                {"multiplier": "dsp", "signed": False, "acc_width": 16}],
    "fp_mac": [{"in_format": "e5m2", "acc_format": "fp16", "mul": "lmul", "pipeline_stages": 1}],
}


# Stream units: kind -> (small configurations, scenarios(resolved params, metadata),
# the StreamChecks its benches run and check them with).
STREAM_UNITS = {
    "systolic": ([{"rows": 2, "cols": 2, "dataflow": "os"},
                  {"rows": 2, "cols": 2, "dataflow": "ws", "pe": "fp_mac",
                   "pe_params": {"in_format": "e4m3", "acc_format": "fp16", "mul": "lmul",
                                 "pipeline_stages": 1}}],
                 systolic_scenarios.smoke_scenarios, SYSTOLIC),
    # A mixture with groups shorter than scale_bits cycles (one beat each), and int4 with
    # groups of two beats lasting exactly scale_bits cycles.
    "bitserial_pe": ([{"dtype": "fp3_mixed", "bits_per_cycle": 2, "group_size": 4},
                      {"dtype": "int4", "group_size": 8}],
                     bitserial_scenarios.smoke_scenarios, DEQUANT_PE),
    "bitparallel_pe": ([{"dtype": "fp4_mixed", "group_size": 8}],
                       bitserial_scenarios.smoke_scenarios, DEQUANT_PE),
}


def _is_stream(unit):
    return unit.build(unit.resolve({})).handshake == "valid_ready"


def _configs():
    configs = []
    for kind, unit in UNITS.items():
        if _is_stream(unit):
            continue
        pipelined = [PIPELINED] if set(PIPELINED) <= set(unit.resolve({})) else []
        configs += [(kind, params) for params in [{}, *pipelined, *VARIANTS.get(kind, [])]]
    return configs


CONFIGS = _configs()


def _config_id(config):
    kind, params = config
    settings = [f"{name}={value}" for name, value in params.items()]
    return "-".join([kind, *(settings or ["default"])])


def _ports(component, flow):
    return {name: Shape.cast(member.shape).width
            for name, member in component.signature.members.items()
            if member.is_port and member.flow == flow}


def _special_values(width, resolved):
    """Bit patterns worth hitting on a port of ``width`` bits: the integer extremes, and
    the special values of every number format among the parameters that is that wide."""
    values = {0, 1, (1 << (width - 1)) - 1, 1 << (width - 1), (1 << width) - 1}
    for value in resolved.values():
        if isinstance(value, FloatFormat) and value.width == width:
            values.update(int(pattern) for pattern in value.special_patterns())
    return np.array(sorted(values), dtype=np.int64)


def random_inputs(component, resolved, *, count, seed):
    """Per-cycle values for every input port: uniform bit patterns, special values in
    ``SPECIAL_SHARE`` of the cycles, control ports at ``CONTROL_RATES``."""
    rng = np.random.default_rng(seed)
    inputs = {}
    for name, width in _ports(component, In).items():
        if width == 1:
            inputs[name] = (rng.random(count) < CONTROL_RATES.get(name, 0.5)).astype(np.int64)
            continue
        uniform = rng.integers(0, 1 << width, count, dtype=np.int64)
        special = rng.choice(_special_values(width, resolved), count)
        inputs[name] = np.where(rng.random(count) < SPECIAL_SHARE, special, uniform)
    return inputs


def drive(component, inputs, latency):
    """Apply ``inputs`` (port -> per-cycle array) to ``component`` on Amaranth's simulator.

    A clocked unit (``latency`` > 0) is held in reset for ``RESET_CYCLES`` cycles with the
    first vector already applied, so the run also checks that reset overrides the
    inputs; then one vector is applied per cycle.

    Returns
    -------
    dict
        Output port -> int64 array; element t is the response to vector t, which for a
        clocked unit is the value ``latency`` rising edges after vector t was applied.
    """
    outputs = {name: [] for name in _ports(component, Out)}
    count = len(next(iter(inputs.values())))
    top = Module()
    top.submodules.unit = component
    if latency:
        top.domains.sync = domain = ClockDomain()
    simulator = Simulator(top)

    async def bench(ctx):
        def apply(cycle):
            for name, values in inputs.items():
                ctx.set(Value.cast(getattr(component, name)), int(values[cycle]))

        def sample():
            for name, samples in outputs.items():
                samples.append(ctx.get(Value.cast(getattr(component, name)).as_unsigned()))

        if not latency:
            for cycle in range(count):
                apply(cycle)
                sample()
            return
        apply(0)
        ctx.set(domain.rst, 1)
        for _ in range(RESET_CYCLES):
            await ctx.tick()
        ctx.set(domain.rst, 0)
        for cycle in range(count + latency - 1):
            if cycle < count:
                apply(cycle)
            await ctx.tick()
            if cycle >= latency - 1:
                sample()

    if latency:
        simulator.add_clock(1e-8)
    simulator.add_testbench(bench)
    simulator.run()
    return {name: np.array(samples, dtype=np.int64) for name, samples in outputs.items()}


@pytest.mark.parametrize("kind,params", CONFIGS, ids=[_config_id(c) for c in CONFIGS])
def test_unit_matches_golden_model_on_amaranth_simulator(kind, params, tmp_path, monkeypatch):
    unit = get_unit(kind)
    resolved = unit.resolve(params)
    component = unit.build(resolved)
    inputs = random_inputs(component, resolved, count=VECTORS, seed=SEED)
    expected = unit.golden_model(params)(**inputs)
    observed = drive(component, inputs, component.latency)
    assert set(expected) == set(observed)
    # The benches' own report: mismatches in hex and as values, mismatches.txt in the cwd.
    monkeypatch.chdir(tmp_path)
    check_outputs(inputs, expected, observed, formats=component.port_formats())


def test_variants_name_registered_units():
    assert set(VARIANTS) <= set(UNITS)


STREAM_CONFIGS = [(kind, params) for kind, (configs, _, _) in STREAM_UNITS.items()
                  for params in configs]


def _stream_id(config):
    unit = get_unit(config[0])
    return unit.top_name(unit.resolve(config[1]))


@pytest.mark.parametrize("kind", [kind for kind, unit in UNITS.items() if _is_stream(unit)])
def test_every_stream_unit_has_smoke_configurations(kind):
    assert kind in STREAM_UNITS, (f"stream unit {kind!r} has no entry in STREAM_UNITS: give "
                                  f"it small configurations and scenarios to drive")


@pytest.mark.parametrize("kind,params", STREAM_CONFIGS, ids=[_stream_id(c) for c in STREAM_CONFIGS])
def test_stream_unit_matches_golden_model_on_amaranth_simulator(kind, params, tmp_path,
                                                                monkeypatch):
    unit = get_unit(kind)
    resolved = unit.resolve(params)
    component = unit.build(resolved)
    metadata = emit(kind, params, out_dir=tmp_path / "unit").metadata
    _, make_scenarios, checks = STREAM_UNITS[kind]
    monkeypatch.chdir(tmp_path)  # check_outputs writes mismatches.txt into the cwd
    run_on_amaranth(component, make_scenarios(resolved, metadata), metadata, checks)
