"""Verilator lint (``--lint-only -Wall``) of a Verilog file, with parsed warnings.

A check run on emitted Verilog, by the tests: emission itself never runs or imports it.
"""

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .verilator import verilator_executable, verilator_root

__all__ = ["LintWarning", "lint", "lint_text"]

_WARNING = re.compile(r"^%(Warning|Error)-?([A-Z0-9_]*): [^:]*:(\d+):\d+: (.*)$", re.MULTILINE)


@dataclass(frozen=True)
class LintWarning:
    """One Verilator message: its code (``UNUSEDSIGNAL``, ...), line and text."""

    code: str
    line: int
    message: str

    def __str__(self):
        return f"%{self.code} line {self.line}: {self.message}"


def lint(verilog_path, *, top):
    """Run ``verilator --lint-only -Wall`` on one file; return its warnings (empty: clean).

    Parameters
    ----------
    verilog_path : path-like
        The Verilog file.
    top : str
        Its top module.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    """
    path = Path(verilog_path)
    if not path.is_file():
        raise FileNotFoundError(f"verilog_path {str(path)!r} does not exist")
    environment = dict(os.environ, VERILATOR_ROOT=str(verilator_root()))
    completed = subprocess.run(
        [str(verilator_executable()), "--lint-only", "-Wall", "--top-module", top, path.name],
        cwd=path.parent, env=environment, capture_output=True, text=True, check=False)
    warnings = [LintWarning(code or kind.upper(), int(line), message)
                for kind, code, line, message in _WARNING.findall(completed.stderr)]
    if completed.returncode != 0 and not warnings:
        raise RuntimeError(f"verilator --lint-only failed on {path.name}:\n{completed.stderr[-2000:]}")
    return warnings


def lint_text(verilog_text, *, top):
    """:func:`lint` for Verilog held in a string."""
    with tempfile.TemporaryDirectory(prefix="macforge_lint_") as directory:
        path = Path(directory) / f"{top}.v"
        path.write_text(verilog_text)
        return lint(path, top=top)
