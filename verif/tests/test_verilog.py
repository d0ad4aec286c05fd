# amaranth: UnusedElaboratable=no
"""Verilog emission of any component: hierarchy flattened, names kept, lint-clean,
deterministic, unsupported designs refused, Amaranth's private API guarded.

The units themselves are emitted and linted by test_emit.py.  Components refused before
elaboration are never elaborated (the line above silences Amaranth's warning about that,
for this file only).
"""

import os
import re
import subprocess
import sys

import pytest
import dataclasses

from amaranth.back import rtlil
from amaranth.asserts import AnyConst, Initial
from amaranth.hdl import (Array, Assert, ClockDomain, ClockSignal, Elaboratable, Format,
                          Instance, IOBufferInstance, IOPort, Module, Mux, Print, Signal)
from amaranth.lib import data, memory, wiring
from amaranth.lib.wiring import In, Out

from macforge.gen import amaranth_private
from macforge.gen.verilog import Converted, EmissionError, _Module, convert
from macforge.hdl.int_mac import IntMAC
from macforge.sim.lint import lint_text
from macforge.verif.mac_array import IntMACArray


class _Adder(wiring.Component):
    """A sum truncated to its operands' width (its carry is computed and never read),
    mixed with one operand."""

    def __init__(self, width=4):
        super().__init__({"a": In(width), "b": In(width), "y": Out(width)})

    def elaborate(self, platform):
        m = Module()
        total = Signal(len(self.y), name="total")
        m.d.comb += [total.eq(self.a + self.b), self.y.eq(total ^ self.a)]
        return m


class _Pair(wiring.Component):
    """Two kinds of submodule, one of them holding a submodule of its own."""

    def __init__(self):
        super().__init__({"a": In(8), "b": In(8), "en": In(1), "acc": Out(32), "y": Out(4)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.mac = mac = IntMAC()
        m.submodules.outer = outer = _Outer()
        m.d.comb += [mac.a.eq(self.a), mac.b.eq(self.b), mac.en.eq(self.en),
                     mac.clear.eq(0), self.acc.eq(mac.acc),
                     outer.a.eq(self.a[:4]), outer.b.eq(self.b[4:]), self.y.eq(outer.y)]
        return m


class _Outer(wiring.Component):
    def __init__(self):
        super().__init__({"a": In(4), "b": In(4), "y": Out(4)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.inner = inner = _Adder()
        stage = Signal(4, name="stage")
        m.d.comb += [inner.a.eq(self.a), inner.b.eq(~self.b)]
        m.d.sync += stage.eq(inner.y)
        m.d.comb += self.y.eq(stage)
        return m


def _emit_twice(factory, name):
    first = convert(factory(), name=name)
    second = convert(factory(), name=name)
    assert first.text == second.text
    return first


def _assert_clean(converted, name):
    assert lint_text(converted.text, top=name) == []
    for absolute in {os.getcwd(), os.path.expanduser("~"), sys.prefix}:
        assert absolute not in converted.text
    assert converted.text.count("\nmodule ") == 1
    assert "lint_off" not in converted.text


@pytest.mark.slow
@pytest.mark.parametrize("factory,name", [
    (lambda: IntMACArray(3), "int_mac_array_3"),
    (_Pair, "pair"),
    (lambda: IntMACArray(2, a_width=4, b_width=6, signed=False, acc_width=12,
                         pipeline_stages=2), "int_mac_array_u4x6"),
], ids=["repeated", "nested-mixed", "repeated-pipelined"])
def test_hierarchical_designs_emit_one_clean_deterministic_module(factory, name):
    _assert_clean(_emit_twice(factory, name), name)


def test_submodule_signals_keep_their_path_as_a_plain_name():
    text = convert(IntMACArray(2), name="array").text
    # The accumulator register of each PE, by the name a waveform shows.
    assert "  reg [31:0] pe_0__acc;\n" in text
    assert "  reg [31:0] pe_1__acc;\n" in text
    assert "pe_1__acc <= " in text
    # No Yosys hierarchy spelling is left: no dotted or $flatten names.
    assert "$flatten" not in text
    assert not re.search(r"\\pe_\d+\.", text)
    nested = convert(_Pair(), name="pair").text
    assert "  wire [3:0] outer__inner__total;\n" in nested
    assert re.search(r"^  (wire|reg) \[3:0\] outer__stage;$", nested, re.MULTILINE)


def test_array_members_are_ports_in_signature_order():
    converted = convert(IntMACArray(2), name="array")
    assert isinstance(converted, Converted)
    assert converted.ports == (
        ("a__0", "in", 8), ("a__1", "in", 8), ("b__0", "in", 8), ("b__1", "in", 8),
        ("en", "in", 1), ("clear", "in", 1), ("clk", "in", 1), ("rst", "in", 1),
        ("acc__0", "out", 32), ("acc__1", "out", 32))
    assert converted.domains == ("sync",)
    header = converted.text[converted.text.index("module array("):].split(";", 1)[0]
    assert re.findall(r"\w+", header)[2:] == [port for port, _, _ in converted.ports]
    with pytest.raises(dataclasses.FrozenInstanceError):
        converted.text = ""


def test_combinational_design_has_no_clock_domain():
    converted = convert(_Adder(), name="adder")
    assert converted.domains == ()
    assert converted.ports == (("a", "in", 4), ("b", "in", 4), ("y", "out", 4))


def _sink(text):
    """The entries of ``_unused_ok``, as written."""
    match = re.search(r"wire _unused_ok = &\{ 1'b0,(.*?), 1'b0 \};", text, re.DOTALL)
    if match is None:
        return []
    return [entry.strip() for entry in re.split(r",\s", match.group(1))]


def _unread_by_verilator(text, name):
    """What Verilator itself reports unread once the sink is gone, spelled like a sink
    entry."""
    start = text.index("  // Bits computed by the generated logic but read by nothing.")
    bare = text[:start] + text[text.index("endmodule", start):]
    entries = []
    for warning in lint_text(bare, top=name):
        assert warning.code == "UNUSEDSIGNAL", warning
        # 'x' whole, or 'x'[13,11,9:8]: several ranges of one signal.
        match = re.search(r"not used: '([^']+)'(?:\[([\d:,]+)\])?", warning.message)
        signal, selects = match.groups()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", signal):
            signal = f"\\{signal} "
        entries += [f"{signal}[{select}]" for select in selects.split(",")] if selects else [
            signal.strip()]
    return entries


@pytest.mark.slow
@pytest.mark.parametrize("factory,name", [(_Pair, "pair"), (lambda: IntMACArray(2), "array")],
                         ids=["nested-mixed", "repeated"])
def test_the_sink_lists_exactly_the_bits_verilator_finds_unread(factory, name):
    text = convert(factory(), name=name).text
    sink = _sink(text)
    assert sink
    assert sorted(_unread_by_verilator(text, name)) == sorted(sink)


def test_a_truncated_carry_is_the_only_unread_value_of_an_adder():
    text = convert(_Adder(), name="adder").text
    # ``total`` is the low 4 bits of a 5-bit sum: logic reads ``total``; the sum, whose
    # carry nothing else holds, is unread.
    carry, = _sink(text)
    assert re.fullmatch(r"\\\$\d+", carry)
    assert "assign y = total ^ a;" in text


class _Sync(wiring.Component):
    """One register; ``setup`` adds the domain or logic under test."""

    def __init__(self, setup, signature=None):
        self._setup = setup
        super().__init__(signature or {"a": In(4), "y": Out(4)})

    def elaborate(self, platform):
        m = Module()
        self._setup(self, m)
        return m


class _FastChild(wiring.Component):
    def __init__(self):
        super().__init__({"a": In(4), "y": Out(4)})

    def elaborate(self, platform):
        m = Module()
        m.d.fast += self.y.eq(self.a)
        return m


def _fast_in_child(self, m):
    m.submodules.child = child = _FastChild()
    m.d.comb += [child.a.eq(self.a), self.y.eq(child.y)]


def _local_sync_in_children(self, m):
    m.submodules.child = child = _Sync(_local_sync)
    m.submodules.sibling = sibling = _Sync(_local_sync)
    m.d.comb += [child.a.eq(self.a), sibling.a.eq(child.y), self.y.eq(sibling.y)]


def _local_sync(self, m):
    m.domains.sync = ClockDomain(local=True)
    m.d.sync += self.y.eq(self.a)


def _with_domain(**domain_options):
    def setup(self, m):
        m.domains.sync = ClockDomain(**domain_options)
        m.d.sync += self.y.eq(self.a)
    return setup


def _instance(self, m):
    m.submodules.blackbox = Instance("vendor_ram", i_a=self.a, o_y=self.y)


def _any_const(self, m):
    m.d.comb += self.y.eq(AnyConst(4))


def _initial(self, m):
    m.d.comb += self.y.eq(Initial())


def _signed_division(self, m):
    m.d.comb += self.y.eq(self.a.as_signed() // 3)


def _io_buffer(self, m):
    m.submodules.buffer = IOBufferInstance(IOPort(1, name="pin"), i=self.y[0], o=self.a[0],
                                           oe=1)


def _clocked_with_clk_member(self, m):
    m.d.sync += self.y.eq(self.clk)


def _fast(self, m):
    m.d.fast += self.y.eq(self.a)


def _nothing(self, m):
    pass


UNEMITTABLE = [
    ("fast-domain", lambda: _Sync(_fast), ["_Sync", "'fast'", "'sync'"]),
    ("fast-domain-in-submodule", lambda: _Sync(_fast_in_child),
     ["_Sync", "'fast'", "child", "'sync'"]),
    ("async-reset", lambda: _Sync(_with_domain(async_reset=True)),
     ["_Sync", "'sync'", "asynchronous reset", "synchronous active-high reset"]),
    ("reset-less", lambda: _Sync(_with_domain(reset_less=True)),
     ["_Sync", "'sync'", "no reset", "synchronous active-high reset"]),
    ("falling-edge", lambda: _Sync(_with_domain(clk_edge="neg")),
     ["_Sync", "'sync'", "falling edge", "rising-edge"]),
    ("second-sync-domain", lambda: _Sync(_local_sync_in_children),
     ["_Sync", "second 'sync'", "sibling", "one clock domain"]),
    ("zero-width-member", lambda: _Sync(_nothing, {"a": In(4), "nothing": In(0), "y": Out(4)}),
     ["_Sync", "'nothing'", "zero width", "at least one bit"]),
    ("zero-width-array-member", lambda: _Sync(_nothing, {"a": In(0).array(2), "y": Out(4)}),
     ["_Sync", "'a.0'", "zero width"]),
    ("clk-member-of-clocked-design",
     lambda: _Sync(_clocked_with_clk_member, {"clk": In(4), "y": Out(4)}),
     ["_Sync", "'clk'", "reserved"]),
    ("external-instance", lambda: _Sync(_instance),
     ["_Sync", "'vendor_ram'", "blackbox", "not part of the design"]),
    ("any-const", lambda: _Sync(_any_const), ["_Sync", "AnyConst", "formal"]),
    ("initial", lambda: _Sync(_initial), ["_Sync", "Initial", "formal"]),
    ("signed-floor-division", lambda: _Sync(_signed_division),
     ["_Sync", "signed", "//", "unsigned division"]),
    ("io-buffer", lambda: _Sync(_io_buffer), ["_Sync", "I/O buffer", "inout"]),
]


@pytest.mark.parametrize("factory,words", [(f, w) for _, f, w in UNEMITTABLE],
                         ids=[i for i, _, _ in UNEMITTABLE])
def test_unemittable_designs_are_refused_with_a_message(factory, words):
    with pytest.raises(EmissionError) as raised:
        convert(factory(), name="t")
    assert isinstance(raised.value, ValueError)
    for word in words:
        assert word in str(raised.value)


class _NoSignature(Elaboratable):
    def elaborate(self, platform):
        return Module()


@pytest.mark.parametrize("component,name,words", [
    (_NoSignature(), "t", ["_NoSignature", "Signature", "wiring.Component"]),
    (_Adder(), "two words", ["name", "'two words'", "identifier"]),
    (_Adder(), "reg", ["'reg'", "keyword"]),
], ids=["no-signature", "bad-name", "keyword-name"])
def test_what_is_not_a_component_or_a_module_name_is_refused(component, name, words):
    with pytest.raises(EmissionError) as raised:
        convert(component, name=name)
    for word in words:
        assert word in str(raised.value)


# Constructs beyond the units' own: each must come out as one lint-clean module.

def _memory(self, m):
    m.submodules.memory = store = memory.Memory(shape=8, depth=16, init=[1, 2, 3])
    write, read, peek = store.write_port(), store.read_port(), store.read_port(domain="comb")
    m.d.comb += [write.addr.eq(self.a[:4]), write.data.eq(self.b), write.en.eq(self.a[7]),
                 read.addr.eq(self.a[:4]), peek.addr.eq(self.b[:4]), self.y.eq(read.data ^ peek.data)]


def _switch_and_fsm(self, m):
    with m.Switch(self.a[:2]):
        with m.Case(0):
            m.d.comb += self.y.eq(self.b)
        with m.Case(1, 2):
            m.d.comb += self.y.eq(self.b + 1)
        with m.Default():
            m.d.comb += self.y.eq(0)
    count = Signal(8, name="count")
    with m.FSM():
        with m.State("IDLE"):
            with m.If(self.a[0]):
                m.next = "RUN"
        with m.State("RUN"):
            m.d.sync += count.eq(count + 1)
            with m.If(self.a[1]):
                m.next = "IDLE"
    m.d.comb += self.z.eq(count)


def _selects(self, m):
    registers = Array(Signal(8, name=f"register{index}") for index in range(4))
    for index, register in enumerate(registers):
        m.d.sync += register.eq(self.b + index)
    m.d.comb += [self.y.eq(registers[self.a[:2]]),
                 self.z.eq(Mux(self.a[7], self.b.bit_select(self.a[:3], 4),
                               self.b.word_select(self.a[3], 4)))]


def _signed_arithmetic(self, m):
    a, b = self.a.as_signed(), self.b.as_signed()
    m.d.comb += [self.y.eq(a * b + (a >> self.b[:3]) - abs(a)), self.z.eq((a < b) + a % 5)]


def _print_and_assert(self, m):
    m.d.sync += [self.y.eq(self.a), Print(Format("a={}", self.a))]
    m.d.comb += Assert(self.a != 255)


class _Increment(Elaboratable):
    """A plain elaboratable submodule, added without a name."""

    def __init__(self):
        self.x = Signal(8)
        self.y = Signal(8)

    def elaborate(self, platform):
        m = Module()
        m.d.sync += self.y.eq(self.x + 1)
        return m


def _unnamed_submodules(self, m):
    first, second = _Increment(), _Increment()
    m.submodules += [first, second]
    m.d.comb += [first.x.eq(self.a), second.x.eq(first.y), self.y.eq(second.y)]


def _combinational_clock(self, m):
    m.d.comb += self.y.eq(ClockSignal())


def _swap_halves(self, m):
    m.d.comb += [self.y.low.eq(self.x.high), self.y.high.eq(self.x.low)]


_Pixel = data.StructLayout({"low": 4, "high": 4})
_OPERANDS = {"a": In(8), "b": In(8), "y": Out(8), "z": Out(8)}
CONSTRUCTS = [
    ("memory", _memory, _OPERANDS, ("sync",)),
    ("switch-and-fsm", _switch_and_fsm, _OPERANDS, ("sync",)),
    ("array-and-variable-selects", _selects, _OPERANDS, ("sync",)),
    ("signed-arithmetic", _signed_arithmetic, {"a": In(8), "b": In(8), "y": Out(16),
                                               "z": Out(8)}, ()),
    ("print-and-assert", _print_and_assert, {"a": In(8), "y": Out(8)}, ("sync",)),
    ("unnamed-submodules", _unnamed_submodules, {"a": In(8), "y": Out(8)}, ("sync",)),
    ("struct-members", _swap_halves, {"x": In(_Pixel), "y": Out(_Pixel)}, ()),
    ("clock-read-combinationally", _combinational_clock, {"y": Out(1)}, ("sync",)),
]


@pytest.mark.slow
@pytest.mark.parametrize("setup,signature,domains", [c[1:] for c in CONSTRUCTS],
                         ids=[c[0] for c in CONSTRUCTS])
def test_other_constructs_emit_clean(setup, signature, domains):
    converted = _emit_twice(lambda: _Sync(setup, signature), "t")
    _assert_clean(converted, "t")
    assert converted.domains == domains
    ports = {name for name, _, _ in converted.ports}
    assert ports >= {"y"} | ({"clk", "rst"} if domains else set())


def test_emission_runs_no_simulator_or_linter():
    # A fresh interpreter: what converting a design imports, and no process but Yosys.
    script = ("import sys\n"
              "from macforge.gen.verilog import convert\n"
              "from macforge.verif.mac_array import IntMACArray\n"
              "convert(IntMACArray(2), name='array')\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('cocotb', 'cocotb_tools', 'verilator') or m.startswith('macforge.sim')))\n")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               check=True)
    assert completed.stdout.strip() == "[]"


# The passes over Yosys's Verilog, on small hand-written modules.

def _clean(body, ports=("a", "y")):
    declarations = "".join(f"  input a;\n  wire a;\n" if port == "a" else
                           f"  output y;\n  wire y;\n" for port in ports)
    text = f"module t({', '.join(ports)});\n{declarations}{body}endmodule\n"
    return _Module(text, name="t", owner="T").clean(list(ports))[0]


def test_only_unread_temporaries_are_deleted():
    result = _clean("  wire \\$1 ;\n  wire [1:0] \\$2 ;\n  wire kept;\n"
                    "  assign \\$1  = ~ a;\n  assign \\$2  = { \\$1 , a };\n"
                    "  assign kept = a;\n  assign y = \\$1 ;\n")
    # $1 is read by y: kept.  $2 is read by nothing: deleted.  ``kept`` is a name the
    # design gave: kept, and listed as unread.
    assert "\\$2" not in result
    assert result.count("\\$1 ") == 3
    assert _sink(result) == ["kept"]


def test_deleting_a_temporary_deletes_the_chain_it_alone_read():
    result = _clean("  wire \\$1 ;\n  wire \\$2 ;\n  wire \\$3 ;\n"
                    "  assign \\$1  = ~ a;\n  assign \\$2  = \\$1  & a;\n"
                    "  assign \\$3  = \\$2  | a;\n  assign y = a;\n")
    assert "$" not in result
    assert _sink(result) == []


def test_logic_reads_the_name_behind_a_truncated_temporary():
    result = _clean("  wire [2:0] \\$5 ;\n  wire [1:0] total;\n  wire [2:0] z;\n"
                    "  wire [1:0] w;\n  assign \\$5  = { a, a, a } + 3'h1;\n"
                    "  assign total = \\$5 [1:0];\n"
                    "  assign y = \\$5 [1] & \\$5 [2];\n  assign z = \\$5  ^ { a, a, a };\n"
                    "  assign w = \\$5 [1:0];\n")
    # Bits inside the name's range read the name; the carry bit and the whole
    # temporary still read the temporary; the driver and the alias are untouched.
    assert "  assign y = total[1] & \\$5 [2];\n" in result
    assert "  assign z = \\$5  ^ { a, a, a };\n" in result
    assert "  assign w = total;\n" in result
    assert "  assign \\$5  = { a, a, a } + 3'h1;\n" in result
    assert "  assign total = \\$5 [1:0];\n" in result
    assert sorted(_sink(result)) == ["w", "z"]


def test_the_sink_lists_unread_bit_ranges():
    result = _clean("  wire [7:0] wide;\n  assign wide = { a, a, a, a, a, a, a, a };\n"
                    "  assign y = wide[5] & wide[2];\n")
    assert _sink(result) == ["wide[7:6]", "wide[4:3]", "wide[1:0]"]


def test_a_statement_the_passes_do_not_know_is_refused():
    with pytest.raises(EmissionError) as raised:
        _clean("  function [1:0] twice;\n    input a;\n    twice = { a, a };\n"
               "  endfunction\n  assign y = a;\n")
    assert "T" in str(raised.value)
    assert "function [1:0] twice;" in str(raised.value)


# Amaranth's private API, used by emission only through gen/amaranth_private.py.

def test_amaranths_private_api_is_as_emission_expects():
    # On an Amaranth release that moved any of it, this names what moved.
    assert amaranth_private.check() is None


def test_a_moved_private_api_is_named(monkeypatch):
    monkeypatch.delattr(rtlil.ModuleEmitter, "shorten_operand")
    with pytest.raises(amaranth_private.AmaranthChanged) as raised:
        amaranth_private.check()
    assert "ModuleEmitter.shorten_operand" in str(raised.value)
    assert "Amaranth 0.5" in str(raised.value)


def test_operands_keep_their_full_width():
    with amaranth_private.full_width_operands():
        text = amaranth_private.rtlil_text(amaranth_private.prepare(_Adder(), name="adder"),
                                           name="adder")
    trimmed = amaranth_private.rtlil_text(amaranth_private.prepare(_Adder(), name="adder"),
                                          name="adder")
    # Amaranth widens both operands of a + b to the sum's 5 bits; its RTLIL backend
    # trims the constant zero again unless told not to.
    assert "    connect \\A { 1'0 \\a [3:0] }\n" in text
    assert "    connect \\A \\a [3:0]\n" in trimmed
