"""ASIC-style area of a Verilog unit: Yosys maps it onto a real standard-cell library and
sums the cells' areas.

The library is OSU's 0.18 um cells (``osu018_stdcells.lib``), which no PyPI package
ships: it comes from Debian's ``qflow-tech-osu018`` package, fetched with ``apt-get
download`` and unpacked with ``dpkg -x`` (nothing is installed), once per machine, into
:func:`library_home`.  A machine without apt-get can place the file there by hand.

The flow, in the work directory::

    read_verilog unit.v
    synth -flatten -top <top>
    dfflibmap -liberty cells.lib
    abc -liberty cells.lib
    opt_clean
    tee -q -o asic.json stat -json -liberty cells.lib

Areas are in um^2 (the library states none; its LEF gives NAND2X1 as 2.4 um x 10 um, the
24 its liberty says).  NAND2-equivalent gates are the area over the library's NAND2X1.
Flip-flops map to plain D flip-flops, so reset and enable cost logic, as they would in
this library.
"""

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .tools import FlowUnavailable, run_yosys_script

__all__ = ["CellLibrary", "LIBRARIES", "library_home", "liberty_path", "liberty_cells",
           "library_version", "asic_area", "ASIC_SCRIPT"]

ASIC_SCRIPT = ("read_verilog unit.v\n"
               "synth -flatten -top {top}\n"
               "dfflibmap -liberty cells.lib\n"
               "abc -liberty cells.lib\n"
               "opt_clean\n"
               "tee -q -o asic.json stat -json -liberty cells.lib\n")
"""The Yosys script of the ASIC flow (``{top}`` filled in)."""


@dataclass(frozen=True)
class CellLibrary:
    """A standard-cell library and where to get it: the Debian package carrying it and
    the liberty file's path inside that package."""

    name: str
    description: str
    debian_package: str
    liberty_member: str
    nand2_cell: str

    @property
    def file_name(self):
        return Path(self.liberty_member).name


LIBRARIES = {
    "osu018": CellLibrary(
        "osu018", "OSU 0.18 um standard cells (Debian qflow-tech-osu018)",
        "qflow-tech-osu018", "usr/share/qflow/tech/osu018/osu018_stdcells.lib", "NAND2X1"),
}
"""The cell libraries the ASIC flow knows, by name."""


def library_home():
    """Where fetched libraries live: ``$MACFORGE_LIBRARY_DIR``, else
    ``$XDG_CACHE_HOME/macforge/libraries`` (``~/.cache`` when unset)."""
    if os.environ.get("MACFORGE_LIBRARY_DIR"):
        return Path(os.environ["MACFORGE_LIBRARY_DIR"])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "macforge" / "libraries"


def _run(library, command, cwd):
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
    if completed.returncode != 0:
        raise FlowUnavailable(
            f"cell library {library.name} is unavailable: `{' '.join(command)}` failed: "
            f"{(completed.stderr or completed.stdout).strip()[-500:]}")


def _fetch(library, destination):
    """Download the library's Debian package and unpack its liberty file to
    ``destination`` (written whole, under a temporary name first)."""
    missing = [command for command in ("apt-get", "dpkg") if shutil.which(command) is None]
    if missing:
        raise FlowUnavailable(
            f"cell library {library.name} is unavailable: fetching Debian package "
            f"{library.debian_package} needs {' and '.join(missing)}; or place "
            f"{library.file_name} at {destination}")
    with tempfile.TemporaryDirectory(prefix=f"macforge_{library.name}_") as scratch:
        _run(library, ["apt-get", "download", library.debian_package], scratch)
        # apt-get names the file <package>_<version>_<arch>.deb.
        package = next(Path(scratch).glob(f"{library.debian_package}_*.deb"))
        _run(library, ["dpkg", "-x", package.name, "unpacked"], scratch)
        unpacked = Path(scratch) / "unpacked" / library.liberty_member
        if not unpacked.is_file():
            raise FlowUnavailable(f"cell library {library.name} is unavailable: package "
                                  f"{library.debian_package} has no {library.liberty_member}")
        destination.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=destination.parent,
                                             prefix=f".{destination.name}.")
        os.close(handle)
        shutil.copyfile(unpacked, temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)


def liberty_path(name="osu018", *, home=None):
    """The liberty file of library ``name``, fetched into ``home`` (default
    :func:`library_home`) the first time; :class:`~.tools.FlowUnavailable` saying why
    when it cannot be had."""
    if name not in LIBRARIES:
        raise ValueError(f"cell library must be one of {', '.join(sorted(LIBRARIES))}, "
                         f"not {name!r}")
    library = LIBRARIES[name]
    path = Path(home or library_home()) / library.name / library.file_name
    if not path.is_file():
        _fetch(library, path)
    return path


def library_version(name="osu018", *, home=None):
    """A short hash of the library's liberty file: what its results depend on."""
    path = liberty_path(name, home=home)
    return _digest(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=None)
def _digest(path, modified):
    # Keyed by the modification time too, so a file replaced in place is read again.
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


_CELL = re.compile(r"^cell\s*\(\s*(\w+)\s*\)\s*\{", re.MULTILINE)
_AREA = re.compile(r"^\s*area\s*:\s*([0-9.]+)\s*;", re.MULTILINE)
_STATE = re.compile(r"^\s*(?:ff|latch)\s*\(", re.MULTILINE)


def liberty_cells(text):
    """``{cell: (area, stores state)}`` of a liberty file's text."""
    starts = [(match.start(), match.group(1)) for match in _CELL.finditer(text)]
    cells = {}
    for (start, name), (end, _) in zip(starts, [*starts[1:], (len(text), None)]):
        body = text[start:end]
        area = _AREA.search(body)
        cells[name] = (float(area.group(1)) if area else 0.0, bool(_STATE.search(body)))
    return cells


def asic_area(verilog_path, top, *, library="osu018", work_dir, timeout=1800.0):
    """Map ``top`` onto ``library`` and measure its area.

    Returns
    -------
    dict
        ``library`` (name), ``area_um2``, ``sequential_area_um2``, ``nand2_eq`` (area over
        the library's NAND2), ``cells`` and ``flops`` (library cells; flops: cells that
        store state), ``by_type`` (cells per library cell).

    Raises
    ------
    FlowUnavailable
        When the library cannot be fetched, or Yosys is not installed.
    """
    liberty = liberty_path(library)
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(verilog_path, work_dir / "unit.v")
    shutil.copyfile(liberty, work_dir / "cells.lib")
    run_yosys_script(work_dir, "asic.ys", ASIC_SCRIPT.format(top=top), timeout)
    stat = json.loads((work_dir / "asic.json").read_text())
    module = next(iter(stat["modules"].values()))
    by_type = dict(sorted(module["num_cells_by_type"].items()))
    cells = liberty_cells(liberty.read_text())
    unknown = sorted(set(by_type) - set(cells))
    if unknown:
        raise RuntimeError(f"{top} mapped onto cells {library} does not have: {unknown}; "
                           f"log: {work_dir / 'asic.log'}")
    nand2 = cells[LIBRARIES[library].nand2_cell][0]
    return {"library": library, "area_um2": module["area"],
            "sequential_area_um2": module.get("sequential_area", 0.0),
            "nand2_eq": round(module["area"] / nand2, 1),
            "cells": sum(by_type.values()),
            "flops": sum(count for name, count in by_type.items() if cells[name][1]),
            "by_type": by_type}
