"""Which tests belong to the fast tier: those that reach no slow toolchain stage.

The slow stages are a Verilator or Icarus build and run (``sim.runner``), a lint check
(``sim.lint.lint``) and Yosys synthesis (``synth.gate_count``, the ``synth`` and
``report`` commands).  Emission is not among them: it runs Amaranth's built-in Yosys
and Verilator's linter on one file in about a second (``gen.verilog``).

A test reaches a stage when its code, the code of its fixtures or the code of a helper
they call that is defined in the test suite names one of those functions; the search
reads code objects at collection time, nothing runs.  It errs on the slow side: a test
that names ``runner.build`` only to check that bad arguments are refused is left out.
"""

import inspect
import types
from pathlib import Path

from macforge.gen.cli import main as command_line
from macforge.sim import lint, runner
from macforge.synth import gate_count

__all__ = ["reaches_toolchain", "TOOLCHAIN", "SYNTHESIZING_COMMANDS"]

TOOLCHAIN = (runner, runner.build, runner.run, lint.lint, gate_count)
"""Modules and functions of the slow stages; naming any of them makes a test slow."""

SYNTHESIZING_COMMANDS = frozenset({"synth", "report"})
"""Command-line commands that synthesize: a test calling the CLI with one is slow."""


def _strings(constants):
    """Every str among code constants, inside tuples too (a literal argument list such
    as ``["synth", "lmul"]`` is stored as one tuple constant)."""
    for constant in constants:
        if isinstance(constant, str):
            yield constant
        elif isinstance(constant, tuple):
            yield from _strings(constant)


def _is_project_module(target):
    # Only the project's modules are searched for attributes: the stages are there, and
    # a lookup on numpy (``np.str``) raises deprecation warnings.
    return isinstance(target, types.ModuleType) and target.__name__.partition(".")[0] == "macforge"


def _named_objects(code, namespace):
    """The objects ``code`` names: globals of its module, and attributes of the project
    modules among them (``macforge.sim.runner.build``), all by identity."""
    found = [namespace[name] for name in code.co_names if name in namespace]
    modules = [target for target in found if _is_project_module(target)]
    while modules:
        module = modules.pop()
        for name in code.co_names:
            attribute = getattr(module, name, None)
            if attribute is not None and not any(attribute is known for known in found):
                found.append(attribute)
                if _is_project_module(attribute):
                    modules.append(attribute)
    return found


def _code_reaches(code, namespace, helpers_dir, seen):
    if code in seen:
        return False
    seen.add(code)
    for target in _named_objects(code, namespace):
        if any(target is stage for stage in TOOLCHAIN):
            return True
        if target is command_line and SYNTHESIZING_COMMANDS & set(_strings(code.co_consts)):
            return True
        helper = inspect.unwrap(target) if callable(target) else None
        helper_code = getattr(helper, "__code__", None)
        if (helper_code is not None and Path(helper_code.co_filename).parent == helpers_dir
                and _code_reaches(helper_code, helper.__globals__, helpers_dir, seen)):
            return True
    # Nested functions, lambdas and comprehensions have code objects of their own.
    return any(_code_reaches(constant, namespace, helpers_dir, seen)
               for constant in code.co_consts if isinstance(constant, types.CodeType))


def reaches_toolchain(functions, *, helpers_dir):
    """Whether any of ``functions`` (a test and its fixtures) reaches a slow stage.

    Parameters
    ----------
    functions : iterable of callables
        The test function and its fixture functions.
    helpers_dir : pathlib.Path
        The test directory: functions defined in files there are followed into.
    """
    seen = set()
    for function in functions:
        function = inspect.unwrap(function)
        code = getattr(function, "__code__", None)
        if code is not None and _code_reaches(code, function.__globals__, Path(helpers_dir), seen):
            return True
    return False
