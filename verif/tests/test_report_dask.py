"""The report on a Dask cluster: the same sweep, submitted to a scheduler, gives the same
results.json, row for row, as the local run."""

import json

import pytest
from distributed import LocalCluster

from macforge.gen.cli import main


@pytest.mark.slow
def test_a_local_cluster_gives_the_local_results(tmp_path, capsys):
    sweep = ["report", "--units", "lmul", "fmul", "--where", "format=e4m3", "--flows",
             "gates,asic", "--no-cache"]
    assert main([*sweep, "--out", str(tmp_path / "local")]) == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        assert main([*sweep, "--out", str(tmp_path / "dask"),
                     "--scheduler", cluster.scheduler_address]) == 0
    local, dask = (json.loads((tmp_path / run / "results.json").read_text())
                   for run in ("local", "dask"))
    assert [(row["top"], row["flow"]) for row in local] == [
        ("lmul_e4m3", "gates"), ("lmul_e4m3", "asic"), ("fmul_e4m3", "gates"),
        ("fmul_e4m3", "asic")]
    assert dask == local
    assert (tmp_path / "dask" / "report.md").read_text().split("\n", 3)[3] == \
        (tmp_path / "local" / "report.md").read_text().split("\n", 3)[3]
