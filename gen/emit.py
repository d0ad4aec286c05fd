"""Emit a unit: ``<top>.v`` and its metadata ``<top>.json`` (SPEC section 1)."""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from amaranth.hdl import Shape
from amaranth.lib import wiring

from .registry import get_unit
from .verilog import convert

__all__ = ["Emitted", "Prepared", "check_output_dir", "emit", "metadata", "prepare",
           "prepare_output_dir", "write"]

CLOCK_PORT = "clk"
RESET_PORT = "rst"
HANDSHAKE = "none: fixed latency, a new operation may be applied every ii cycles"


@dataclass(frozen=True)
class Emitted:
    """What :func:`emit` wrote."""

    top: str
    verilog_path: Path
    metadata_path: Path
    metadata: dict


def check_output_dir(out_dir):
    """Check, without creating anything, that ``out_dir`` is or can become a writable
    directory; return it as a Path.  Raises ValueError naming the directory and why."""
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise ValueError(f"out {str(out_dir)!r} is not a directory")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"out {str(out_dir)!r} cannot be created: {str(existing)!r} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"out {str(out_dir)!r} cannot be created: {str(existing)!r} is not writable")
    return path


def prepare_output_dir(out_dir):
    """:func:`check_output_dir`, then create the directory; return it as a Path."""
    path = check_output_dir(out_dir)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"out {str(out_dir)!r} cannot be created: {error.strerror or error}") from None
    return path


def metadata(unit, resolved, component, top):
    """The SPEC section 1 metadata dict for an elaborated-to-be component."""
    latency = component.latency
    ports = []
    if latency > 0:
        ports.append({"name": CLOCK_PORT, "dir": "in", "width": 1, "role": "clock, rising edge"})
        ports.append({"name": RESET_PORT, "dir": "in", "width": 1,
                      "role": "synchronous reset, active high"})
    for name, member in component.signature.members.items():
        port = {
            "name": name,
            "dir": "in" if member.flow == wiring.In else "out",
            "width": Shape.cast(member.shape).width,
            "role": unit.port_role(name, resolved),
        }
        if unit.port_format(name, resolved) is not None:
            port["format"] = unit.port_format(name, resolved)
        ports.append(port)
    return {
        "top": top,
        "kind": unit.kind,
        "params": unit.params_json(resolved),
        "latency": latency,
        "ii": 1,
        "clock": CLOCK_PORT if latency > 0 else None,
        "reset": RESET_PORT if latency > 0 else None,
        "handshake": HANDSHAKE,
        "ports": ports,
    }


@dataclass(frozen=True)
class Prepared:
    """A validated unit, ready to be written: nothing has been elaborated yet."""

    unit: object
    resolved: dict
    component: wiring.Component
    top: str
    directory: Path


def prepare(kind, params=None, *, out_dir):
    """Check everything about an emission before any hardware is built.

    Parses the parameters through the unit's schema, constructs the component (whose
    constructor validates eagerly) and checks the output directory.

    Raises
    ------
    ValueError, TypeError
        For an unknown unit, an unknown parameter, a bad value or an unwritable
        directory; the message names the parameter, the value and what is allowed.
    """
    unit = get_unit(kind)
    resolved = unit.resolve(params)
    check_output_dir(out_dir)
    # The constructor validates what the schema cannot: rules across parameters.
    component = unit.build(resolved)
    directory = prepare_output_dir(out_dir)
    return Prepared(unit, resolved, component, unit.top_name(resolved), directory)


def _write_whole(path, text):
    """Write ``path`` so that a concurrent reader (a parallel test worker, a build flow
    watching the directory) sees the old file or the new one, never half of it."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text)
    os.replace(partial, path)


def write(prepared):
    """Elaborate a prepared unit and write ``<top>.v`` and ``<top>.json``."""
    meta = metadata(prepared.unit, prepared.resolved, prepared.component, prepared.top)
    verilog_path = prepared.directory / f"{prepared.top}.v"
    metadata_path = prepared.directory / f"{prepared.top}.json"
    _write_whole(verilog_path, convert(prepared.component, name=prepared.top))
    _write_whole(metadata_path, json.dumps(meta, indent=2) + "\n")
    return Emitted(top=prepared.top, verilog_path=verilog_path, metadata_path=metadata_path,
                   metadata=meta)


def emit(kind, params=None, *, out_dir):
    """Validate, elaborate and write one unit: :func:`prepare`, then :func:`write`.

    Parameters
    ----------
    kind : str
        A unit kind of :data:`gen.registry.UNITS`.
    params : dict, optional
        Parameter values by name (strings as on the command line, or Python values);
        missing ones take their defaults.
    out_dir : path-like
        Directory for ``<top>.v`` and ``<top>.json``; created if missing.

    Returns
    -------
    Emitted
    """
    return write(prepare(kind, params, out_dir=out_dir))
