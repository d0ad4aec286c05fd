# amaranth: UnusedElaboratable=no
"""Metadata from the component: ports from the signature, timing from what it declares,
clock and reset from the domains it uses; any component, not only registered units."""

import json
import re

import pytest
from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

import macforge
from macforge.hdl.parameters import IntParameter, Schema
from macforge.hdl.unit import UnitComponent


class _Stream(wiring.Signature):
    def __init__(self, width):
        super().__init__({"valid": Out(1), "ready": In(1), "data": Out(width)})


class _Lanes(wiring.Component):
    """Array and nested members, one register stage: latency 1."""

    a: In(4).array(3)
    source: In(_Stream(6))
    y: Out(6)

    latency = 1

    def port_roles(self):
        return {"a": "addend", "source": "input stream", "source.ready": "taking a beat",
                "y": "registered sum"}

    def elaborate(self, platform):
        m = Module()
        m.d.comb += self.source.ready.eq(1)
        with m.If(self.source.valid):
            m.d.sync += self.y.eq(self.a[0] + self.a[1] + self.a[2] + self.source.data)
        return m


class _Inverter(wiring.Component):
    """``y = ~x``, combinational or registered; says nothing of its latency."""

    x: In(3)
    y: Out(3)

    def __init__(self, *, registered):
        self._registered = registered
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        domain = m.d.sync if self._registered else m.d.comb
        domain += self.y.eq(~self.x)
        return m


class _Beats(UnitComponent):
    """A stream unit: one beat every ``cycles`` cycles (a counter), handshake valid/ready."""

    kind = "beats"
    summary = "test stream unit"
    parameters = Schema(IntParameter("cycles", 2, "cycles per beat", minimum=1, maximum=8))

    def __init__(self, **params):
        params = self.check_parameters(params)
        super().__init__({"in_valid": In(1), "in_ready": Out(1), "data": In(4),
                          "out_valid": Out(1), "out": Out(4)}, params)

    @property
    def latency(self):
        return self._params["cycles"]

    @property
    def latency_formula(self):
        return "cycles"

    @property
    def handshake(self):
        return "valid_ready"

    @property
    def throughput(self):
        return {"cycles_per_beat": self._params["cycles"]}

    def elaborate(self, platform):
        m = Module()
        count = Signal(range(self._params["cycles"] + 1))
        m.d.comb += self.in_ready.eq(count == 0)
        m.d.sync += self.out_valid.eq(0)
        with m.If(self.in_valid & self.in_ready):
            m.d.sync += [count.eq(self._params["cycles"] - 1), self.out.eq(self.data)]
        with m.Elif(count != 0):
            m.d.sync += count.eq(count - 1)
            with m.If(count == 1):
                m.d.sync += self.out_valid.eq(1)
        return m


def _verilog_ports(verilog, top):
    header = verilog[verilog.index(f"module {top}("):].split(";", 1)[0]
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", header.split("(", 1)[1]))


def test_array_and_nested_members_get_their_verilog_names(tmp_path):
    emitted = macforge.emit_component(_Lanes(), name="lanes", out_dir=tmp_path)
    meta = json.loads(emitted.metadata_path.read_text())
    ports = {port["name"]: port for port in meta["ports"]}
    assert list(ports) == ["clk", "rst", "a__0", "a__1", "a__2", "source__valid",
                           "source__ready", "source__data", "y"]
    assert set(ports) == _verilog_ports(emitted.verilog_path.read_text(), "lanes")
    assert (ports["a__2"]["width"], ports["a__2"]["dir"]) == (4, "in")
    assert ports["a__2"]["role"] == "addend, element 2"
    assert ports["source__ready"] == {"name": "source__ready", "dir": "out", "width": 1,
                                      "role": "taking a beat"}
    assert ports["source__data"]["role"] == "input stream"
    assert (meta["latency"], meta["ii"], meta["clock"], meta["reset"]) == (1, 1, "clk", "rst")
    assert meta["kind"] == "_Lanes" and meta["params"] == {}


def test_clock_and_reset_come_from_the_domains_used(tmp_path):
    meta = macforge.emit_component(_Inverter(registered=False), name="comb", out_dir=tmp_path).metadata
    assert (meta["latency"], meta["clock"], meta["reset"]) == (0, None, None)
    assert [port["name"] for port in meta["ports"]] == ["x", "y"]


def test_a_clocked_component_must_state_its_latency(tmp_path):
    with pytest.raises(ValueError, match=r"_Inverter uses the clock but states no latency"):
        macforge.emit_component(_Inverter(registered=True), name="undeclared", out_dir=tmp_path)


def test_a_stream_unit_states_handshake_and_throughput(tmp_path):
    meta = macforge.emit_component(_Beats(cycles=3), name="beats", out_dir=tmp_path).metadata
    assert meta["handshake"] == "valid_ready"
    assert meta["ii"] is None
    assert (meta["latency"], meta["latency_formula"], meta["cycles_per_beat"]) == (3, "cycles", 3)
    assert meta["params"] == {"cycles": 3} and meta["kind"] == "beats"


@pytest.mark.parametrize("name", ["9lives", "has space", "", None])
def test_emit_component_rejects_a_bad_module_name(name, tmp_path):
    with pytest.raises(ValueError, match="top module name must be a Verilog identifier"):
        macforge.emit_component(_Inverter(registered=False), name=name, out_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_every_unit_port_has_a_role(tmp_path):
    for kind in macforge.UNITS:
        component = macforge.build(kind)
        roles = component.port_roles()
        assert set(roles) == set(component.signature.members), kind
        assert all(roles.values()), kind


def test_build_checks_parameters_before_any_hardware():
    with pytest.raises(ValueError, match=r"acc_width must be .* not 12"):
        macforge.build("int_mac", acc_width=12)
    with pytest.raises(TypeError, match=r"lmul has no parameter 'widht'"):
        macforge.build("lmul", widht=3)
