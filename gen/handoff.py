"""Hand-off files written beside every emitted unit, for the user's own flow:

- ``<top>.core``: a FuseSoC core (CAPI2) naming the Verilog, its top module, and a
  ``lint`` target (Verilator, ``--lint-only -Wall``), so the unit drops into FuseSoC and
  Edalize projects as ``macforge:units:<top>``;
- ``<top>.f``: a plain file list (the Verilog, relative to the list's directory) for
  Vivado, Verilator's ``-F`` or an OpenLane configuration.

Both are deterministic and hold no absolute path.
"""

from importlib import metadata as package_metadata

__all__ = ["core_text", "filelist_text", "write_handoff", "VENDOR_LIBRARY"]

VENDOR_LIBRARY = "macforge:units"
"""The vendor and library of every emitted core's VLNV name."""


def _version():
    try:
        return package_metadata.version("macforge")
    except package_metadata.PackageNotFoundError:
        return "0.0.0"


def core_text(top, description):
    """The FuseSoC core of the unit ``top`` (in ``<top>.v``)."""
    return "\n".join([
        "CAPI=2:",
        f"name: {VENDOR_LIBRARY}:{top}:{_version()}",
        f"description: {_quoted(description)}",
        "",
        "filesets:",
        "  rtl:",
        "    files:",
        f"      - {top}.v",
        "    file_type: verilogSource",
        "",
        "targets:",
        "  default: &default",
        "    filesets: [rtl]",
        f"    toplevel: {top}",
        "  lint:",
        "    <<: *default",
        "    default_tool: verilator",
        "    tools:",
        "      verilator:",
        "        mode: lint-only",
        "        verilator_options: [-Wall]",
        ""])


def _quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filelist_text(top):
    """The plain file list of the unit ``top``."""
    return f"{top}.v\n"


def write_handoff(top, description, directory, write):
    """Write ``<top>.core`` and ``<top>.f`` into ``directory`` with ``write(path, text)``;
    return their paths."""
    core, filelist = directory / f"{top}.core", directory / f"{top}.f"
    write(core, core_text(top, description))
    write(filelist, filelist_text(top))
    return core, filelist
