"""Stream units on Amaranth's simulator: the systolic scenarios without Verilog.

:func:`run_on_amaranth` gives :func:`~.systolic_run.run_scenario` a port object over an
async Amaranth testbench, so the fast tier drives the same scenarios, through the same
valid/ready sources, and checks them with the same checks as the cocotb bench.
:func:`component_metadata` is the part of the emitted metadata those need, read from the
component itself (no conversion to Verilog).
"""

from amaranth.hdl import ClockDomain, Module, Shape
from amaranth.lib.wiring import In
from amaranth.sim import Simulator

from .systolic_checks import check_metadata, check_results, check_timing
from .systolic_run import RESET_CYCLES, run_scenario

__all__ = ["component_metadata", "run_on_amaranth"]


def component_metadata(unit, resolved, component):
    """Parameters, timing and ports (widths, lanes, formats) of a stream unit, as its
    emitted metadata states them."""
    lanes, formats = component.port_lanes(), component.port_formats()
    ports = []
    for name, member in component.signature.members.items():
        width = Shape.cast(member.shape).width
        port = {"name": name, "dir": "in" if member.flow == In else "out", "width": width}
        if name in lanes:
            port.update(lanes=width // lanes[name], lane_width=lanes[name])
        if name in formats:
            port["format"] = formats[name].name
        ports.append(port)
    return {"params": unit.params_json(resolved), "latency": component.latency,
            "latency_formula": component.latency_formula, "handshake": component.handshake,
            **component.throughput, "ports": ports}


class _AmaranthPort:
    """The port object of :mod:`.systolic_run` over an Amaranth testbench context:
    testbench reads see settled combinational logic, and ``tick`` passes one edge."""

    def __init__(self, ctx, component, domain):
        self._ctx = ctx
        self._component = component
        self._domain = domain

    def apply(self, values):
        for name, value in values.items():
            self._ctx.set(getattr(self._component, name), value)

    async def settle(self):
        pass

    def get(self, name):
        return self._ctx.get(getattr(self._component, name))

    async def tick(self):
        await self._ctx.tick()

    async def reset(self, values):
        self.apply(values)
        self._ctx.set(self._domain.rst, 1)
        for _ in range(RESET_CYCLES):
            await self._ctx.tick()
        self._ctx.set(self._domain.rst, 0)


def run_on_amaranth(component, scenarios, metadata):
    """Run ``scenarios`` one after another on ``component`` and check each: rows against
    the golden model, timing against ``metadata``.  Raises AssertionError on the first
    failing scenario; returns the measurements of the others."""
    check_metadata(metadata)
    top = Module()
    top.submodules.unit = component
    top.domains.sync = domain = ClockDomain()
    measurements = {}

    async def bench(ctx):
        port = _AmaranthPort(ctx, component, domain)
        await port.reset({entry["name"]: 0 for entry in metadata["ports"]
                          if entry["dir"] == "in"})
        for scenario in scenarios:
            observed = await run_scenario(port, scenario, metadata)
            check_results(scenario, observed, metadata)
            if not scenario.idle:
                measurements[scenario.name] = check_timing(scenario, observed, metadata)

    simulator = Simulator(top)
    simulator.add_clock(1e-8)
    simulator.add_testbench(bench)
    simulator.run()
    return measurements
