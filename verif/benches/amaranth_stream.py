"""Stream units on Amaranth's simulator: the benches' scenarios without Verilog.

:func:`run_on_amaranth` gives a kind's :class:`~.stream_run.StreamChecks` a port object
over an async Amaranth testbench, so the fast tier drives the same scenarios, through the
same valid/ready sources, and checks them with the same checks as the cocotb bench.
The metadata is the unit's emitted metadata, the file an outside bench reads.
"""

from amaranth.hdl import ClockDomain, Module
from amaranth.sim import Simulator

from .stream_run import RESET_CYCLES, data_ports

__all__ = ["run_on_amaranth"]


class _AmaranthPort:
    """The port object of :mod:`.stream_run` over an Amaranth testbench context:
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


def run_on_amaranth(component, scenarios, metadata, checks):
    """Run ``scenarios`` one after another on ``component`` and check each with
    ``checks`` (the kind's :class:`~.stream_run.StreamChecks`): results against the
    golden model, timing against ``metadata``.  Raises AssertionError on the first
    failing scenario; returns the measurements of the others."""
    checks.check_metadata(metadata)
    top = Module()
    top.submodules.unit = component
    top.domains.sync = domain = ClockDomain()
    measurements = {}

    async def bench(ctx):
        port = _AmaranthPort(ctx, component, domain)
        await port.reset({entry["name"]: 0 for entry in data_ports(metadata, "in")})
        for scenario in scenarios:
            observed = await checks.run(port, scenario, metadata)
            checks.check_results(scenario, observed, metadata)
            measured = checks.check_timing(scenario, observed, metadata)
            if measured is not None:
                measurements[scenario.name] = measured

    simulator = Simulator(top)
    simulator.add_clock(1e-8)
    simulator.add_testbench(bench)
    simulator.run()
    return measurements
