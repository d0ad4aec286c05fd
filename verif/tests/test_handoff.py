"""Hand-off files: every emitted unit comes with a FuseSoC core and a file list, and
FuseSoC (from PyPI) lints the unit through its core."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from macforge.gen.cli import main
from macforge.gen.emit import emit
from macforge.sim.verilator import verilator_executable, verilator_root


def test_emit_writes_a_core_and_a_file_list(tmp_path, capsys):
    assert main(["emit", "int_mac", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    top = "int_mac_s8x8_acc32"
    assert [Path(path).name for path in printed] == [f"{top}{suffix}" for suffix in
                                                     (".v", ".json", ".core", ".f")]
    core = (tmp_path / f"{top}.core").read_text()
    assert core.startswith(f"CAPI=2:\nname: macforge:units:{top}:")
    assert f"      - {top}.v\n" in core and f"    toplevel: {top}\n" in core
    assert str(tmp_path) not in core
    assert (tmp_path / f"{top}.f").read_text() == f"{top}.v\n"
    # Deterministic: emitted again elsewhere, byte for byte the same.
    again = emit("int_mac", {}, out_dir=tmp_path / "again")
    assert (again.verilog_path.with_suffix(".core")).read_text() == core


def _fusesoc_lint(cores_root, top, build_root):
    # Edalize calls `verilator` from PATH: the Python package's, reached by a link.
    tools = build_root / "tools"
    tools.mkdir(parents=True, exist_ok=True)
    (tools / "verilator").unlink(missing_ok=True)
    (tools / "verilator").symlink_to(verilator_executable())
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}",
           "VERILATOR_ROOT": str(verilator_root())}
    fusesoc = Path(sys.executable).parent / "fusesoc"
    return subprocess.run([str(fusesoc), "--cores-root", str(cores_root), "run",
                           "--build-root", str(build_root / "fusesoc"), "--target", "lint",
                           f"macforge:units:{top}"],
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
def test_fusesoc_lints_an_emitted_core_and_fails_on_broken_verilog(tmp_path):
    emitted = emit("fmul", {"format": "e4m3", "pipeline_stages": 1}, out_dir=tmp_path / "unit")
    clean = _fusesoc_lint(tmp_path / "unit", emitted.top, tmp_path / "clean")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    emitted.verilog_path.write_text(emitted.verilog_path.read_text()
                                    .replace("endmodule", "wire [3:0] lint_me = 5'd17;\nendmodule", 1))
    broken = _fusesoc_lint(tmp_path / "unit", emitted.top, tmp_path / "broken")
    assert broken.returncode != 0 and "WIDTH" in broken.stdout + broken.stderr
