# amaranth: UnusedElaboratable=no
"""The documentation's code runs: the unit example of docs/adding-a-unit.md emits, and
the docs point only inside the repository."""

import json
import re
import subprocess
from pathlib import Path

import numpy as np
from amaranth.sim import Simulator

import macforge

ROOT = Path(__file__).resolve().parents[2]


def _python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), re.DOTALL)


def test_the_adding_a_unit_example_builds_simulates_and_emits(tmp_path):
    namespace = {}
    exec(compile(_python_blocks(ROOT / "docs" / "adding-a-unit.md")[0], "example", "exec"),
         namespace)
    popcount = namespace["PopCount"]
    assert popcount.top_name(popcount.check_parameters({"width": 32, "registered": True})) \
        == "popcount_w32_reg"
    component = popcount(width=12)
    words = np.random.default_rng(1).integers(0, 1 << 12, 50)

    async def bench(ctx):
        for word in words:
            ctx.set(component.x, int(word))
            assert ctx.get(component.count) == bin(int(word)).count("1")

    simulator = Simulator(component)
    simulator.add_testbench(bench)
    simulator.run()
    meta = macforge.emit_component(popcount(registered=True), name="popcount_reg",
                                   out_dir=tmp_path).metadata
    assert (meta["kind"], meta["latency"], meta["clock"]) == ("popcount", 1, "clk")
    assert meta["params"] == {"width": 8, "registered": True}


def test_the_api_composition_example_emits(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(_python_blocks(ROOT / "docs" / "api.md")[-1], "example", "exec"), {})
    meta = json.loads((tmp_path / "build" / "dot4" / "dot4.json").read_text())
    names = [port["name"] for port in meta["ports"]]
    assert names[:4] == ["clk", "rst", "a__0", "a__1"] and "acc__3" in names
    assert (meta["latency"], meta["kind"]) == (1, "DotProduct4")


def _repository_files():
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / name for name in listed.splitlines() if (ROOT / name).is_file()]


def test_nothing_points_outside_the_repository():
    # The unit contract lives in docs/units.md; files beside the repository, and the
    # tracker's issue numbers, are not there for a person who clones it.
    outside = re.compile(r"\.\./shared|\bSPEC\b|[Ii]ssue #?\d")
    offenders = []
    for path in _repository_files():
        if path.suffix not in (".py", ".md", ".toml", ".v") or path.name == "test_docs.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if outside.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_metadata_examples_are_what_emission_writes(tmp_path):
    text = (ROOT / "docs" / "units.md").read_text()
    examples = re.findall(r"`macforge emit (\w+)([^`]*?) --out DIR`.*?```json\n(.*?)```",
                          text, re.DOTALL)
    assert len(examples) >= 2
    for kind, flags, shown in examples:
        words = flags.split()
        params = dict(zip((flag[2:].replace("-", "_") for flag in words[::2]), words[1::2]))
        emitted = macforge.emit(kind, params, out_dir=tmp_path / kind)
        assert json.loads(shown) == emitted.metadata, f"docs/units.md: metadata of {kind}{flags}"


def test_the_verification_page_is_written_from_the_tables_the_tests_run():
    from macforge.gen.verification_page import PAGE, page_text

    assert PAGE.read_text() == page_text(), (
        "docs/verification.md differs from the tables in verif/coverage.py: "
        "run `python -m macforge.gen.verification_page`")
