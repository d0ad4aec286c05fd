"""Eager checks of the arguments of :func:`sim.runner.build` and :func:`sim.runner.run`.

Each function returns the argument in the form the runner uses (absolute paths, tuples,
a private copy of the metadata) or raises with a message that quotes the bad value.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "check_bool", "check_env", "check_metadata", "check_path", "check_sources",
    "check_str_sequence", "check_test_module", "check_testcase", "check_timescale",
    "check_top",
]

_IDENTIFIER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")
_MODULE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_VERILOG_SUFFIXES = (".v", ".sv")


def check_sources(sources: object) -> tuple[Path, ...]:
    if isinstance(sources, (str, bytes, os.PathLike)) or not isinstance(sources, Sequence):
        raise TypeError(
            f"sources must be a sequence of Verilog file paths, got {sources!r}; "
            "wrap a single file in a list"
        )
    if not sources:
        raise ValueError("sources=[] is empty; give at least one Verilog file")
    paths = []
    for source in sources:
        if not isinstance(source, (str, os.PathLike)):
            raise TypeError(f"sources entries must be paths, got {source!r}")
        path = Path(source).resolve()
        if path.suffix not in _VERILOG_SUFFIXES:
            raise ValueError(
                f"sources entry {str(source)!r} is not a Verilog file; "
                f"allowed suffixes: {', '.join(_VERILOG_SUFFIXES)}"
            )
        if not path.is_file():
            raise ValueError(f"sources entry {str(source)!r} does not exist")
        paths.append(path)
    return tuple(paths)


def check_top(top: object) -> str:
    if not isinstance(top, str) or not _IDENTIFIER_RE.match(top):
        raise ValueError(
            f"top={top!r} is not a Verilog module name; allowed: an identifier such as "
            "'lmul_e4m3'"
        )
    return top


def check_metadata(metadata: object, top: str) -> dict | None:
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise TypeError(f"metadata must be a dict (docs/units.md section 1) or None, "
                        f"got {metadata!r}")
    metadata = json.loads(json.dumps(dict(metadata)))  # a private, JSON-safe copy
    if metadata.get("top", top) != top:
        raise ValueError(f"metadata['top']={metadata['top']!r} does not match top={top!r}")
    for key in ("clock", "reset"):
        value = metadata.get(key)
        if value is not None and not (isinstance(value, str) and _IDENTIFIER_RE.match(value)):
            raise ValueError(
                f"metadata[{key!r}]={value!r} is not a port name; allowed: an identifier or None"
            )
    latency = metadata.get("latency", 0)
    if isinstance(latency, bool) or not isinstance(latency, int) or latency < 0:
        raise ValueError(f"metadata['latency']={latency!r} is invalid; allowed: an int >= 0")
    if latency and metadata.get("clock") is None:
        raise ValueError(
            f"metadata['latency']={latency!r} needs metadata['clock'] to name the clock port"
        )
    return metadata


def check_str_sequence(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a sequence of str, got {value!r}")
    for item in value:
        if not isinstance(item, str):
            raise TypeError(f"{name} entries must be str, got {item!r}")
    return tuple(value)


def check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def check_path(name: str, value: object) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {value!r}")
    return Path(value).resolve()


def check_timescale(timescale: object) -> tuple[str, str]:
    if (
        not isinstance(timescale, tuple)
        or len(timescale) != 2
        or not all(isinstance(part, str) and re.fullmatch(r"1(00?)?[munpf]?s", part)
                   for part in timescale)
    ):
        raise ValueError(
            f"timescale={timescale!r} is invalid; allowed: a (unit, precision) tuple such "
            "as ('1ns', '1ps')"
        )
    return timescale


def check_test_module(test_module: object) -> str:
    if not isinstance(test_module, str) or not _MODULE_RE.match(test_module):
        raise ValueError(
            f"test_module={test_module!r} is not a dotted module name; allowed: e.g. "
            "'macforge.verif.benches.smoke_bench'"
        )
    return test_module


def check_testcase(testcase: object) -> tuple[str, ...] | None:
    if testcase is None:
        return None
    names = (testcase,) if isinstance(testcase, str) else testcase
    if not isinstance(names, Sequence) or not names:
        raise ValueError(
            f"testcase={testcase!r} is invalid; allowed: a test name, a list of them, or None"
        )
    for name in names:
        if not isinstance(name, str) or not _IDENTIFIER_RE.match(name):
            raise ValueError(
                f"testcase={testcase!r} holds {name!r}, which is not a test function name"
            )
    return tuple(names)


def check_env(extra_env: object) -> dict[str, str]:
    if extra_env is None:
        return {}
    if not isinstance(extra_env, Mapping):
        raise TypeError(f"extra_env must be a dict of str to str or None, got {extra_env!r}")
    for name, value in extra_env.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"extra_env entries must be str to str, got {name!r}: {value!r}")
    return dict(extra_env)
