"""Emit a unit or any component: ``<top>.v``, its metadata ``<top>.json``, and the
hand-off files ``<top>.core`` and ``<top>.f`` (:mod:`.handoff`)."""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from amaranth.lib import wiring

from .handoff import write_handoff
from .metadata import metadata
from .registry import UNITS, get_unit
from .verilog import check_module_name, convert

__all__ = ["Emitted", "Prepared", "check_output_dir", "emit", "emit_component", "prepare",
           "prepare_output_dir", "write"]

@dataclass(frozen=True)
class Emitted:
    """What :func:`emit` wrote."""

    top: str
    verilog_path: Path
    metadata_path: Path
    metadata: dict


def check_output_dir(out_dir, *, name="out"):
    """Check, without creating anything, that ``out_dir`` is or can become a writable
    directory; return it as a Path.  Raises ValueError naming the directory (as the option
    ``name``) and why."""
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{name} {str(out_dir)!r} is not a directory")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"{name} {str(out_dir)!r} cannot be created: {str(existing)!r} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{name} {str(out_dir)!r} cannot be created: {str(existing)!r} is not writable")
    return path


def prepare_output_dir(out_dir, *, name="out"):
    """:func:`check_output_dir`, then create the directory; return it as a Path."""
    path = check_output_dir(out_dir, name=name)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"{name} {str(out_dir)!r} cannot be created: {error.strerror or error}") from None
    return path


@dataclass(frozen=True)
class Prepared:
    """A checked component, ready to be written: nothing has been elaborated yet."""

    component: wiring.Component
    top: str
    directory: Path


def prepare(kind, params=None, *, out_dir):
    """Check everything about emitting a unit kind before any hardware is built.

    Parses the parameters through the unit's schema, constructs the component (whose
    constructor checks the rules that join several parameters) and checks the output
    directory.

    Raises
    ------
    ValueError, TypeError
        For an unknown unit, an unknown parameter, a bad value or an unwritable
        directory; the message names the parameter, the value and what is allowed.
    """
    unit = get_unit(kind)
    resolved = unit.resolve(params)
    check_output_dir(out_dir)
    component = unit.build(resolved)
    return Prepared(component, unit.top_name(resolved), prepare_output_dir(out_dir))


def _write_whole(path, text):
    """Write ``path`` so that a concurrent reader (a parallel test worker, a build flow
    watching the directory) sees the old file or the new one, never half of it."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text)
    os.replace(partial, path)


def write(prepared):
    """Elaborate a prepared component and write ``<top>.v`` and ``<top>.json``."""
    converted = convert(prepared.component, name=prepared.top)
    meta = metadata(prepared.component, converted, top=prepared.top)
    verilog_path = prepared.directory / f"{prepared.top}.v"
    metadata_path = prepared.directory / f"{prepared.top}.json"
    _write_whole(verilog_path, converted.text)
    _write_whole(metadata_path, json.dumps(meta, indent=2) + "\n")
    write_handoff(prepared.top, _description(prepared.component, prepared.top),
                  prepared.directory, _write_whole)
    return Emitted(top=prepared.top, verilog_path=verilog_path, metadata_path=metadata_path,
                   metadata=meta)


def _description(component, top):
    kind = getattr(component, "kind", None)
    summary = UNITS[kind].summary if kind in UNITS else "a component"
    return f"{top}: {summary}, emitted by macforge"


def emit(kind, params=None, *, out_dir):
    """Check, elaborate and write one unit kind: :func:`prepare`, then :func:`write`.

    Parameters
    ----------
    kind : str
        A unit kind of :data:`macforge.gen.registry.UNITS`.
    params : dict, optional
        Parameter values by name (Python values, or text as on the command line);
        missing ones take their defaults.
    out_dir : path-like
        Directory for ``<top>.v`` and ``<top>.json``; created if missing.

    Returns
    -------
    Emitted
    """
    return write(prepare(kind, params, out_dir=out_dir))


def emit_component(component, *, name, out_dir):
    """Write any Amaranth component, a composition of macforge units included.

    Parameters
    ----------
    component : amaranth.lib.wiring.Component
        The design; if it uses the clock it must state its ``latency``.  Optional
        attributes ``kind``, ``ii``, ``handshake``, ``port_roles()`` and ``port_formats()``
        fill the metadata as a macforge unit's do.
    name : str
        Top module name, a Verilog identifier.
    out_dir : path-like
        Directory for ``<name>.v`` and ``<name>.json``; created if missing.

    Returns
    -------
    Emitted
    """
    if not isinstance(component, wiring.Component):
        raise TypeError(f"component must be an amaranth.lib.wiring.Component, not {component!r}")
    check_module_name(name)
    check_output_dir(out_dir)
    return write(Prepared(component, name, prepare_output_dir(out_dir)))
