"""The metadata file ``<top>.json``: what a bench needs to drive a unit, from the unit itself.

Ports come from the component's signature, flattened the way Amaranth names them in the
Verilog (``a: In(8).array(4)`` is ``a__0`` .. ``a__3``; a nested member ``s.valid`` is
``s__valid``), and are checked against the ports the Verilog really has.  Timing comes
from what the component declares (``latency``, ``ii``, ``handshake``, throughput keys);
clock and reset from the clock domains the design actually uses.  Roles and number
formats come from the component's ``port_roles()`` and ``port_formats()``.

Any Amaranth component can be described, a user's composition of units included; a
component that uses the clock must declare its ``latency``.
"""

from amaranth.hdl import Value
from amaranth.lib import wiring

from .amaranth_private import port_name

__all__ = ["CLOCK_PORT", "RESET_PORT", "FIXED_LATENCY_HANDSHAKE", "MetadataError",
           "metadata"]

CLOCK_PORT = "clk"
RESET_PORT = "rst"
# No valid/ready signals: operations are timed by latency and ii alone.
FIXED_LATENCY_HANDSHAKE = "none"


class MetadataError(ValueError):
    """A component that cannot be described: the message names it, the member and what
    is supported."""


def _role(roles, path):
    """The role of the longest dotted prefix of ``path`` that ``roles`` names; array
    elements say which element they are."""
    names = [part for part in path if isinstance(part, str)]
    indices = [part for part in path if isinstance(part, int)]
    for length in range(len(names), 0, -1):
        role = roles.get(".".join(names[:length]))
        if role is not None:
            break
    else:
        role = ""
    if indices:
        role = f"{role}, element {', '.join(map(str, indices))}".lstrip(", ")
    return role


def _signature_ports(component):
    roles = component.port_roles() if hasattr(component, "port_roles") else {}
    formats = component.port_formats() if hasattr(component, "port_formats") else {}
    lanes = component.port_lanes() if hasattr(component, "port_lanes") else {}
    ports = []
    for path, member, value in component.signature.flatten(component):
        width = len(Value.cast(value))
        # convert() has refused zero-width members and clk/rst collisions already.
        port = {"name": port_name(path), "dir": "in" if member.flow == wiring.In else "out",
                "width": width, "role": _role(roles, path)}
        fmt = formats.get(path[0])
        if fmt is not None:
            port["format"] = fmt.name
        lane_width = lanes.get(path[0])
        if lane_width is not None:
            port["lanes"] = width // lane_width
            port["lane_width"] = lane_width
        ports.append(port)
    return ports


def metadata(component, converted, *, top):
    """The metadata dict of an emitted component.

    Parameters
    ----------
    component : amaranth.lib.wiring.Component
        The emitted component: a macforge unit (a ``UnitComponent``) or any component.
    converted : macforge.gen.verilog.Converted
        Its Verilog, with the top module's ports and the clock domains used.
    top : str
        The top module's name.

    Raises
    ------
    MetadataError
        When the component uses the clock but states no latency, or the ports of its
        signature are not the ports of the Verilog.
    """
    owner = type(component).__name__
    clocked = "sync" in converted.domains
    latency = getattr(component, "latency", None)
    if latency is None:
        if clocked:
            raise MetadataError(f"{owner} uses the clock but states no latency; give it a "
                                f"'latency' property (rising edges from inputs to outputs)")
        latency = 0
    handshake = getattr(component, "handshake", None)
    ports = _signature_ports(component)
    if clocked:
        ports[:0] = [
            {"name": CLOCK_PORT, "dir": "in", "width": 1, "role": "clock, rising edge"},
            {"name": RESET_PORT, "dir": "in", "width": 1,
             "role": "synchronous reset, active high"},
        ]
    described = sorted((port["name"], port["dir"], port["width"]) for port in ports)
    emitted = sorted(tuple(port) for port in converted.ports)
    if described != emitted:
        raise MetadataError(f"{owner}: the Verilog's ports {emitted} are not the ports its "
                            f"signature describes {described}")
    parameters = getattr(component, "parameters", None)
    meta = {
        "top": top,
        "kind": getattr(component, "kind", None) or owner,
        "params": parameters.to_json(component.params) if parameters else {},
        "latency": latency,
        "ii": getattr(component, "ii", 1),
        "clock": CLOCK_PORT if clocked else None,
        "reset": RESET_PORT if clocked else None,
        "handshake": handshake or FIXED_LATENCY_HANDSHAKE,
    }
    formula = getattr(component, "latency_formula", None)
    if formula is not None:
        meta["latency_formula"] = formula
    meta.update(getattr(component, "throughput", {}))
    meta["ports"] = ports
    return meta
