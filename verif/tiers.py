"""Which tests belong to the fast tier: those that reach no slow toolchain stage.

The slow stages are a Verilator or Icarus build and run (``sim.runner.build`` and
``run``), a lint check (``sim.lint``) and Yosys synthesis (``synth.gate_count``, and the
``synth`` and ``report`` commands).  Emission is not among them: it runs only Amaranth's
built-in Yosys (``gen.verilog``).

A test reaches a stage when its code or its fixtures' code names one of those functions,
directly or through functions it calls that are defined in the test suite or in
macforge (``macforge.synthesize`` reaches ``gate_count``).  The command-line entry point
is not followed but judged by the commands a test passes it.  The search reads code
objects at collection time; nothing runs.  It errs on the slow side: a test that names
``runner.build`` only to check that bad arguments are refused is left out.
"""

import inspect
import types
from pathlib import Path

from macforge.gen.cli import main as command_line
from macforge.sim import lint, runner
from macforge.synth import gate_count

__all__ = ["reaches_toolchain", "TOOLCHAIN", "SYNTHESIZING_COMMANDS"]

TOOLCHAIN = (runner.build, runner.run, lint.lint, lint.lint_text, gate_count)
"""The functions of the slow stages; reaching any of them makes a test slow."""

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


def _is_followed(function, helpers_dir):
    """A function of the test suite or of macforge, read like the test itself."""
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    return (Path(code.co_filename).parent == helpers_dir
            or (getattr(function, "__module__", None) or "").partition(".")[0] == "macforge")


def _code_reaches(code, namespace, helpers_dir, seen):
    if code in seen:
        return False
    seen.add(code)
    for target in _named_objects(code, namespace):
        if any(target is stage for stage in TOOLCHAIN):
            return True
        if target is command_line:
            if SYNTHESIZING_COMMANDS & set(_strings(code.co_consts)):
                return True
            continue
        callee = inspect.unwrap(target) if callable(target) else None
        if (_is_followed(callee, helpers_dir)
                and _code_reaches(callee.__code__, callee.__globals__, helpers_dir, seen)):
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
        The test directory: functions defined in files there are followed into, as are
        macforge's own.
    """
    seen = set()
    for function in functions:
        function = inspect.unwrap(function)
        code = getattr(function, "__code__", None)
        if code is not None and _code_reaches(code, function.__globals__, Path(helpers_dir), seen):
            return True
    return False
