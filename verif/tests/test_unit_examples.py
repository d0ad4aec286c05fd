"""The worked examples and the tables of docs/units.md agree with the golden models.

docs/units.md is the contract a bench written outside the project relies on, so its
numbers are checked here, bit for bit and from the golden models alone (no simulation, no
toolchain: the hardware is checked against the same models by the benches):

- every table captioned "Examples, `macforge emit KIND FLAGS`": each row's output pattern
  is what ``get_unit(KIND).golden_model(params)`` computes for the row's inputs (for a MAC,
  the rows are one sequence of operations from reset), each pattern is as wide as its
  port, and the value the row states after its last "=", "→" or "to" is the value of the
  output pattern;
- the format tables of sections 2.3 and 2.4 against :class:`FloatFormat`;
- the L-Mul offset rule and constant tables of section 3.1 against ``lmul_offset`` and
  ``lmul_offset_exponent``.

Each table is a test of its own, named by its command or section, and a failure names the
line of docs/units.md and the row.
"""

import ast
import inspect
import math
import operator
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from macforge.formats import FloatFormat
from macforge.formats.float_format import MAX_MANTISSA_BITS, MIN_MANTISSA_BITS
from macforge.gen.registry import get_unit
from macforge.verif.golden import lmul_offset, lmul_offset_exponent

DOC = Path(__file__).resolve().parents[2] / "docs" / "units.md"

# What docs/units.md holds today; fewer means the reader below lost some (a parser that
# finds nothing must not pass).  Rows, per unit kind, over all its example tables.
MIN_EXAMPLE_ROWS = {"lmul": 31, "fmul": 25, "int_mac": 20, "fp_mac": 33}
MIN_FORMAT_ROWS = 12
MIN_LMUL_CONSTANT_ROWS = 7


# -- reading the document ---------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    line: int           # line number in the document, from 1
    number: int         # place in its table, from 1
    cells: dict         # column header -> cell text


@dataclass(frozen=True)
class Table:
    line: int           # line number of the header row
    section: str        # the heading above the table, without its #s
    caption: str        # the last line of text above the table
    header: tuple
    rows: tuple


def read_tables(text):
    """Every Markdown table of ``text``: header line, separator line, then rows."""
    tables = []
    section = caption = ""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("|"):
            if line.startswith("#"):
                section = line.lstrip("#").strip()
            if line.strip():
                caption = line.strip()
            index += 1
            continue
        header_line, header = index + 1, _cells(line)
        index += 2  # the |---|---| line
        rows = []
        while index < len(lines) and lines[index].startswith("|"):
            rows.append(Row(index + 1, len(rows) + 1, dict(zip(header, _cells(lines[index])))))
            index += 1
        tables.append(Table(header_line, section, caption, tuple(header), tuple(rows)))
    return tables


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


_EXAMPLE_CAPTION = re.compile(r"Examples, `macforge emit (\w+)((?: [^`]+)?)`")


@dataclass(frozen=True)
class ExampleTable:
    kind: str
    flags: tuple        # the caption's command-line flags, as written
    table: Table

    @property
    def command(self):
        return " ".join(["macforge emit", self.kind, *self.flags])


def example_tables(tables):
    """The tables captioned "Examples, `macforge emit KIND FLAGS`"."""
    found = []
    for table in tables:
        match = _EXAMPLE_CAPTION.match(table.caption)
        if match:
            found.append(ExampleTable(match.group(1), tuple(match.group(2).split()), table))
    return found


def _is_switch(parameter):
    return parameter is not None and isinstance(parameter.default, bool)


def params_from_flags(unit, flags):
    """The parameters a ``macforge emit`` command line sets, by the unit's schema: ``--name
    VALUE``, and ``--name`` / ``--no-name`` for switches (the parameters whose default is
    a bool); ``unit.resolve`` checks the values."""
    by_flag = {parameter.flag: parameter for parameter in unit.parameters}
    params = {}
    remaining = list(flags)
    while remaining:
        flag = remaining.pop(0)
        negated = flag.replace("--no-", "--", 1)
        if flag.startswith("--no-") and _is_switch(by_flag.get(negated)):
            params[by_flag[negated].name] = False
        elif _is_switch(by_flag.get(flag)):
            params[by_flag[flag].name] = True
        elif flag in by_flag and remaining:
            params[by_flag[flag].name] = remaining.pop(0)
        else:
            raise ValueError(f"{unit.kind} has no flag {flag!r} with a value; its flags are "
                             f"{', '.join(by_flag)}")
    return unit.resolve(params)


# -- what the ports carry ---------------------------------------------------------------

@dataclass(frozen=True)
class IntegerPort:
    """An integer port: two's complement when ``signed``, unsigned otherwise."""

    width: int
    signed: bool

    def decode(self, bits):
        if self.signed and bits >> (self.width - 1):
            return bits - (1 << self.width)
        return bits


# The data ports of each unit kind as its section of docs/units.md gives them: a
# FloatFormat (its width and how to read a pattern) or an IntegerPort.  en and clear are
# single bits, written 0 and 1.
DATA_PORTS = {
    "lmul": lambda params: dict.fromkeys("aby", params["format"]),
    "fmul": lambda params: dict.fromkeys("aby", params["format"]),
    "int_mac": lambda params: {"a": IntegerPort(params["a_width"], params["signed"]),
                               "b": IntegerPort(params["b_width"], params["signed"]),
                               "acc": IntegerPort(params["acc_width"], params["signed"])},
    "fp_mac": lambda params: {"a": params["in_format"], "b": params["in_format"],
                              "acc": params["acc_format"]},
}

_PATTERN = re.compile(r"`0x([0-9A-F]+)`")


def read_pattern(cell, width):
    """The bit pattern a cell writes as `0x...`, which must have as many hex digits as a
    port of ``width`` bits; ValueError otherwise."""
    match = _PATTERN.fullmatch(cell)
    if match is None:
        raise ValueError(f"{cell!r} is not a bit pattern written `0x...` in upper-case hex")
    digits = match.group(1)
    if len(digits) != -(-width // 4):
        raise ValueError(f"{cell} has {len(digits)} hex digits; a {width}-bit port takes "
                         f"{-(-width // 4)}")
    return int(digits, 16)


def read_cell(cell, port):
    """A port's value in an example row: a pattern for a data port, 0 or 1 for en/clear."""
    if port is not None:
        return read_pattern(cell, port.width)
    if cell not in ("0", "1"):
        raise ValueError(f"{cell!r} is not a control bit, 0 or 1")
    return int(cell)


# -- the values the document writes ---------------------------------------------------

_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos}


def evaluate(text, **names):
    """The number a piece of the document writes: ``448``, ``-0``, ``2^-9``, ``1 + 2^-10``,
    ``1.125 × 2^-12``, ``448²``, ``NaN``, ``+inf``; ``names`` adds variables (``M``).

    Arithmetic is in floats, so ``-0`` keeps its sign; every value the document states is
    exact in float64.
    """
    source = text.replace("×", "*").replace("²", "**2").replace("^", "**")
    names = {"NaN": math.nan, "inf": math.inf, **names}

    def value(node):
        match node:
            case ast.Constant(value=int() | float() as number) if not isinstance(number, bool):
                return float(number)
            case ast.Name(id=name) if name in names:
                return names[name]
            case ast.BinOp(left=left, op=op, right=right) if type(op) in _OPERATORS:
                return _OPERATORS[type(op)](value(left), value(right))
            case ast.UnaryOp(op=op, operand=operand) if type(op) in _OPERATORS:
                return _OPERATORS[type(op)](value(operand))
        raise ValueError(f"{text!r} is not a number this test can read")

    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        raise ValueError(f"{text!r} is not a number this test can read") from None
    return value(tree.body)


def same_value(x, y):
    """Equal as floating-point data: NaN matches NaN, and -0 does not match +0."""
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return x == y and math.copysign(1, x) == math.copysign(1, y)


def stated_result(text):
    """What a values cell says the output is: the part after its last "=", "→" or "to"
    ("0 + 3 × 5 = 15", "57344 × 2 → inf", "32768 wraps to -32768"), else all of it."""
    return re.split(r"=|→|\bto\b", text)[-1].strip()


# -- checks (each returns the problems it finds, one message per bad row) -----------------

def _where(example, row=None):
    if row is None:
        return f"docs/units.md:{example.table.line}: `{example.command}`"
    return f"docs/units.md:{row.line}: `{example.command}` row {row.number}"


@dataclass(frozen=True)
class ReadExample:
    model: object       # the golden model: inputs by name -> {output: array}
    inputs: tuple       # the model's input ports
    outputs: tuple      # the data ports it computes
    ports: dict         # data port -> FloatFormat or IntegerPort
    values: tuple       # per row, port name -> the value the row writes


def read_example(example):
    """The golden model of an example table's command and the port values of its rows:
    (ReadExample, []), or (None, the problems that keep the table from being read)."""
    try:
        unit = get_unit(example.kind)
        params = params_from_flags(unit, example.flags)
    except (TypeError, ValueError) as error:
        return None, [f"{_where(example)}: {error}"]
    if example.kind not in DATA_PORTS:
        return None, [f"{_where(example)}: DATA_PORTS does not say what {example.kind}'s "
                      f"ports carry"]
    ports = DATA_PORTS[example.kind](params)
    model = unit.golden_model(params)
    inputs = tuple(inspect.signature(model).parameters)
    outputs = tuple(name for name in ports if name not in inputs)
    missing = [name for name in (*inputs, *outputs, "values")
               if name not in example.table.header]
    if missing:
        return None, [f"{_where(example)}: the table has no column {', '.join(missing)}"]
    values, problems = [], []
    for row in example.table.rows:
        try:
            values.append({name: read_cell(row.cells[name], ports.get(name))
                           for name in (*inputs, *outputs)})
        except ValueError as error:
            problems.append(f"{_where(example, row)}: {error}")
    if problems:
        return None, problems
    return ReadExample(model, inputs, outputs, ports, tuple(values)), []


def golden_mismatches(example):
    """Rows whose output pattern is not what the golden model computes."""
    read, problems = read_example(example)
    if read is None:
        return problems
    computed = read.model(**{name: np.array([row[name] for row in read.values])
                             for name in read.inputs})
    for output in read.outputs:
        digits = -(-read.ports[output].width // 4)
        for row, written, golden in zip(example.table.rows, read.values, computed[output]):
            if written[output] != golden:
                shown = ", ".join(f"{name}={row.cells[name].strip('`')}"
                                  for name in read.inputs)
                problems.append(f"{_where(example, row)} ({shown}): {output} is "
                                f"0x{written[output]:0{digits}X} in the doc, the golden "
                                f"model gives 0x{int(golden):0{digits}X}")
    return problems


def stated_value_mismatches(example):
    """Rows whose values column states a result other than the output pattern's value."""
    read, problems = read_example(example)
    if read is None:
        return problems
    [output] = read.outputs
    for row, written in zip(example.table.rows, read.values):
        stated = stated_result(row.cells["values"])
        value = read.ports[output].decode(written[output])
        if not isinstance(value, int):
            value = float(value)  # a FloatFormat decodes to a 0-d array
        try:
            matches = same_value(evaluate(stated), value)
        except ValueError as error:
            problems.append(f"{_where(example, row)}: {error}")
            continue
        if not matches:
            problems.append(f"{_where(example, row)}: the values column says {stated!r}, "
                            f"but {output} = {row.cells[output]} is {value!r}")
    return problems


# Pattern columns of the format tables, and the pattern FloatFormat says each one holds.
FORMAT_PATTERNS = {
    "+1.0": lambda fmt: fmt.bias << fmt.mantissa_bits,
    "max finite": lambda fmt: fmt.max_finite,
    "smallest normal": lambda fmt: fmt.min_normal,
    "smallest subnormal": lambda fmt: 1,
    "+inf": lambda fmt: fmt.inf,
    "canonical NaN": lambda fmt: fmt.canonical_nan,
}
FORMAT_FIELDS = {
    "E": lambda fmt: str(fmt.exponent_bits),
    "M": lambda fmt: str(fmt.mantissa_bits),
    "kind": lambda fmt: fmt.kind,
    "bits": lambda fmt: str(fmt.width),
    "bias": lambda fmt: str(fmt.bias),
}


def _pattern_cell_problem(cell, fmt, expected):
    """What is wrong with a format table's pattern cell ("`0x7E` = 448", "`0x7F7F` ≈
    3.39e38", "`0x7C`", "none"), or None."""
    if expected is None:
        return None if cell == "none" else f"{cell!r} should be none"
    pattern_text, _, claim = cell.partition(" ")
    try:
        pattern = read_pattern(pattern_text, fmt.width)
    except ValueError as error:
        return str(error)
    if pattern != expected:
        return f"{pattern_text} should be `0x{expected:0{-(-fmt.width // 4)}X}`"
    if not claim:
        return None
    value = float(fmt.decode(pattern))
    relation, _, number = claim.partition(" ")
    if relation == "=":
        if same_value(evaluate(number), value):
            return None
        return f"{pattern_text} is {value!r}, not {number}"
    if relation == "≈":
        # As many significant digits as the document shows: 3.39e38 has three.
        significant = len(number.split("e")[0].replace(".", ""))
        if float(f"{value:.{significant - 1}e}") == float(number):
            return None
        return f"{pattern_text} is {value:.6g}, not {number}"
    return f"{claim!r} should be '= value' or '≈ value'"


def format_row_problems(row):
    """What a row of a format table (sections 2.3, 2.4) gets wrong about its format."""
    name = row.cells["name"].strip("`")
    fmt = FloatFormat.parse(name)
    problems = []
    if fmt.name != name:
        problems.append(f"`{name}` is printed `{fmt.name}`")
    for column, field in FORMAT_FIELDS.items():
        if row.cells[column] != field(fmt):
            problems.append(f"{column} is {row.cells[column]}, should be {field(fmt)}")
    for column, pattern in FORMAT_PATTERNS.items():
        if column in row.cells:
            problem = _pattern_cell_problem(row.cells[column], fmt, pattern(fmt))
            if problem:
                problems.append(f"{column}: {problem}")
    return [f"docs/units.md:{row.line}: format `{name}`: {problem}" for problem in problems]


def lmul_constant_row_problems(row):
    """What a row of the L-Mul constant table (format, l(M), o, C) gets wrong."""
    fmt = FloatFormat.parse(row.cells["format"].strip("`"))
    offset = lmul_offset(fmt.mantissa_bits)
    expected = {"l(M)": lmul_offset_exponent(fmt.mantissa_bits), "o": offset,
                "C": (fmt.bias << fmt.mantissa_bits) - offset}
    problems = []
    for column, value in expected.items():
        # A cell may say one number several ways: "55 = `0x37`".
        for part in row.cells[column].split(" = "):
            match = _PATTERN.fullmatch(part)
            written = int(match.group(1), 16) if match else evaluate(part)
            if written != value:
                problems.append(f"{column}: {part} should be {value} = 0x{value:X}")
    return [f"docs/units.md:{row.line}: `{fmt.name}`: {problem}" for problem in problems]


_CONDITION = re.compile(r"(<=|>=|<|>)? ?(\d+)")
_COMPARISONS = {None: operator.eq, "<=": operator.le, ">=": operator.ge, "<": operator.lt,
                ">": operator.gt}


def lmul_offset_rule_problems(table):
    """Every mantissa width falls in one row of the l(M) table, whose l(M) and o are what
    ``lmul_offset_exponent`` and ``lmul_offset`` give."""
    l_column, o_column = table.header[1], table.header[2]
    problems = []
    for mantissa_bits in range(MIN_MANTISSA_BITS, MAX_MANTISSA_BITS + 1):
        rows = []
        for row in table.rows:
            condition = _CONDITION.fullmatch(row.cells["M"])
            if condition is None:
                return [f"docs/units.md:{row.line}: {row.cells['M']!r} is not a condition "
                        f"on M such as '<= 3' or '4'"]
            comparison, bound = condition.groups()
            if _COMPARISONS[comparison](mantissa_bits, int(bound)):
                rows.append(row)
        if len(rows) != 1:
            problems.append(f"docs/units.md:{table.line}: M = {mantissa_bits} matches "
                            f"{len(rows)} rows of the l(M) table, lines "
                            f"{[row.line for row in rows]}")
            continue
        row = rows[0]
        try:
            l_value = evaluate(row.cells[l_column], M=mantissa_bits)
            o_value = evaluate(row.cells[o_column], M=mantissa_bits)
        except ValueError as error:
            return [f"docs/units.md:{row.line}: {error}"]
        if (l_value, o_value) != (lmul_offset_exponent(mantissa_bits),
                                  lmul_offset(mantissa_bits)):
            problems.append(f"docs/units.md:{row.line}: M = {mantissa_bits} gives l(M) = "
                            f"{l_value:g}, o = {o_value:g}; the golden model has "
                            f"{lmul_offset_exponent(mantissa_bits)}, "
                            f"{lmul_offset(mantissa_bits)}")
    return problems


def table_problems(table, row_problems):
    """``row_problems`` of every row; a cell it cannot read is a problem of that row."""
    problems = []
    for row in table.rows:
        try:
            problems += row_problems(row)
        except ValueError as error:
            problems.append(f"docs/units.md:{row.line}: {error}")
    return problems


def _fail_on(problems):
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# -- the tests ------------------------------------------------------------------------

TABLES = read_tables(DOC.read_text(encoding="utf-8"))
EXAMPLES = example_tables(TABLES)
FORMAT_TABLES = [table for table in TABLES if table.header[:4] == ("name", "E", "M", "kind")]
LMUL_CONSTANT_TABLES = [table for table in TABLES
                        if table.header == ("format", "l(M)", "o", "C")]
LMUL_OFFSET_RULE_TABLES = [table for table in TABLES if table.header[:2] == ("M", "l(M)")]


def test_the_document_still_has_its_examples_and_tables():
    found = {kind: (sum(len(example.table.rows) for example in EXAMPLES
                        if example.kind == kind), minimum)
             for kind, minimum in MIN_EXAMPLE_ROWS.items()}
    assert all(rows >= minimum for rows, minimum in found.values()), \
        f"example rows per unit (found, expected at least): {found}"
    assert sum(len(table.rows) for table in FORMAT_TABLES) >= MIN_FORMAT_ROWS
    assert sum(len(table.rows) for table in LMUL_CONSTANT_TABLES) >= MIN_LMUL_CONSTANT_ROWS
    assert len(LMUL_OFFSET_RULE_TABLES) == 1


def test_every_examples_caption_is_read():
    # A caption the pattern misses would silently drop its table from the tests below.
    text = DOC.read_text(encoding="utf-8")
    captions = [line for line in text.splitlines() if line.startswith("Examples, ")]
    read = {example.table.caption for example in EXAMPLES}
    assert [caption for caption in captions if caption not in read] == []
    assert len(EXAMPLES) == len(captions)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.command)
def test_example_outputs_are_the_golden_models(example):
    _fail_on(golden_mismatches(example))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.command)
def test_example_values_are_their_output_patterns(example):
    _fail_on(stated_value_mismatches(example))


@pytest.mark.parametrize("table", FORMAT_TABLES, ids=lambda table: table.section)
def test_format_table_is_float_format(table):
    _fail_on(table_problems(table, format_row_problems))


@pytest.mark.parametrize("table", LMUL_CONSTANT_TABLES, ids=lambda table: table.section)
def test_lmul_constant_table_is_the_golden_model(table):
    _fail_on(table_problems(table, lmul_constant_row_problems))


@pytest.mark.parametrize("table", LMUL_OFFSET_RULE_TABLES, ids=lambda table: table.section)
def test_lmul_offset_rule_is_the_golden_model(table):
    _fail_on(lmul_offset_rule_problems(table))
