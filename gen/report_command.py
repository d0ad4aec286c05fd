"""``macforge report``: the sweep the CLI runs, its progress bar and its outputs.  Loaded
only when the report runs, so the other commands start without matplotlib, tqdm and
Dask."""

import shlex
import sys
import time
from pathlib import Path

from tqdm import tqdm

from .accuracy import accuracy_markdown, accuracy_text
from .accuracy import claim_rows as accuracy_claim_rows
from .claims import claims_markdown, claims_text
from .cli_support import UsageError, checked, writable_file
from .emit import prepare_output_dir
from .registry import UNITS, get_unit
from .report import report_configs, report_text, select_configs, unit_rows
from .report_cache import ReportCache
from .report_flows import expand_flows
from .report_outputs import write_report_files
from .report_plots import write_plots

__all__ = ["run_report"]


class _ProgressBar:
    """The report's progress on stderr: one bar, the last finished run beside it."""

    def __init__(self):
        self.bar = None
        self.cached = 0

    def __call__(self, done, total, label, cached):
        self.cached += cached
        if self.bar is None:
            self.bar = tqdm(total=total, unit="run", file=sys.stderr, dynamic_ncols=True)
        self.bar.set_postfix_str(f"{label}{' (cached)' if cached else ''}", refresh=False)
        self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _where(pairs):
    where = {}
    for pair in pairs or ():
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise UsageError(f"where takes KEY=VALUE pairs, not {pair!r}")
        where[key.strip()] = value.strip()
    return where


def _dask_client(address):
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("scheduler needs Dask's distributed package "
                         "(pip install distributed)") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as error:
        raise UsageError(f"scheduler {address!r} cannot be reached: {error}") from None


def run_report(arguments):
    if arguments.json:
        checked(writable_file, arguments.json)
    checked(prepare_output_dir, arguments.out)
    if arguments.jobs is not None and arguments.jobs < 1:
        raise UsageError(f"jobs must be an integer >= 1, not {arguments.jobs!r}")
    kinds = [checked(get_unit, kind).kind for kind in arguments.units or UNITS]
    where = _where(arguments.where)
    configs = checked(select_configs, report_configs(kinds, full=arguments.all), where)
    if not configs:
        raise UsageError(f"no report configuration of {', '.join(kinds)} has "
                         f"{' '.join(arguments.where)}")
    flows = checked(expand_flows, arguments.flows)
    available = []
    for flow in flows:
        reason = flow.unavailable()
        if reason:  # the rest of the report is still made
            print(f"macforge report: {reason}; leaving it out", file=sys.stderr)
        else:
            available.append(flow)
    cache = None if arguments.no_cache else ReportCache(arguments.cache)
    client = _dask_client(arguments.scheduler) if arguments.scheduler else None
    started = time.perf_counter()
    progress = _ProgressBar()
    try:
        rows = unit_rows(configs, arguments.out, flows=available, jobs=arguments.jobs,
                         cache=cache, progress=progress, client=client)
    finally:
        progress.close()
        if client is not None:
            client.close()
    print(report_text(rows))
    claims = claims_text(rows)
    if claims:
        print(f"\n{claims}")
    accuracy = accuracy_claim_rows()
    print(f"\n{accuracy_text(accuracy)}")
    command = " ".join(["macforge", *map(shlex.quote, arguments.argv)])
    paths = write_report_files(rows, arguments.out, command=command, extra_sections=[
        ("The papers' area claims beside our measurements", claims_markdown(rows)),
        ("L-Mul's accuracy claims, measured", accuracy_markdown(accuracy))])
    paths = (*paths, *write_plots(rows, arguments.out))
    if arguments.json:  # a copy of results.json where the caller wants it
        Path(arguments.json).write_text((Path(arguments.out) / "results.json").read_text())
    print(f"\n{len(rows)} rows ({progress.cached} from the cache) in "
          f"{time.perf_counter() - started:.1f} s; "
          f"{', '.join(str(path) for path in paths)}")
