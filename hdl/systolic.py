"""Tile-level systolic array of MAC PEs (docs/units.md section 8).

The array is written once against :class:`~macforge.hdl.mac.MacArithmetic`: any MAC unit
kind (:func:`~macforge.hdl.mac.mac_units`) is a PE, with its own parameters, and the
array never names one.  The meshes are :mod:`.systolic_os` and :mod:`.systolic_ws`.
"""

from amaranth.hdl import Module
from amaranth.lib.wiring import In, Out

from .mac import mac_units
from .parameters import ChoiceParameter, IntParameter, KindParameter, Schema, SubunitParameters
from .systolic_os import output_stationary_mesh
from .systolic_ws import full_rate_min_rows, weight_stationary_mesh
from .unit import UnitComponent

__all__ = ["SystolicArray", "MAX_DIMENSION", "DATAFLOWS"]

MAX_DIMENSION = 32
DATAFLOWS = ("os", "ws")
_PE = KindParameter("pe", "int_mac", "the PE: a MAC unit kind, with its own parameters "
                    "as flags", units=mac_units)


class SystolicArray(UnitComponent):
    """A ``rows`` x ``cols`` array of MAC PEs, output- or weight-stationary.

    Inputs are unskewed vectors on valid/ready streams; the array skews and de-skews
    them and returns one result row per ``out_valid`` cycle.  Back-to-back work keeps
    every PE busy: the next tile accumulates while the last one drains (os), the next
    weight set loads while rows of the current one stream (ws).

    Parameters
    ----------
    rows, cols : int
        R and C, 1 to 32.
    pe : str
        The PE's MAC unit kind (``int_mac``, ``fp_mac``).
    pe_params : dict
        The PE's parameters, as that unit takes them (its ``pipeline_stages`` included).
    dataflow : {"os", "ws"}
        Output-stationary: C = A * B for A of R x K and B of K x C, K streamed, each PE
        accumulating one element.  Weight-stationary: W (R x C) loaded, rows of X (M x
        R) streamed, Y = X * W with partial sums flowing down the columns.

    Attributes
    ----------
    os ports : in_valid, in_ready, a, b, in_last -> out_valid, y, out_last
    ws ports : w_valid, w_ready, w, in_valid, in_ready, x, in_first -> out_valid, y
    """

    kind = "systolic"
    summary = "systolic array of MAC PEs, output- or weight-stationary, valid/ready streams"
    parameters = Schema(
        IntParameter("rows", 4, f"PE rows R, 1 to {MAX_DIMENSION}", minimum=1,
                     maximum=MAX_DIMENSION),
        IntParameter("cols", 4, f"PE columns C, 1 to {MAX_DIMENSION}", minimum=1,
                     maximum=MAX_DIMENSION),
        _PE,
        SubunitParameters("pe_params", {}, "the PE's parameters", kind=_PE),
        ChoiceParameter("dataflow", "os", "os: output-stationary (tiles of K beats); ws: "
                        "weight-stationary (weight sets, then activation rows)",
                        options=DATAFLOWS),
    )
    report_configs = tuple(
        {"rows": size, "cols": size, "pe": pe, "pe_params": pe_params, "dataflow": dataflow}
        for size in (4, 8) for dataflow in DATAFLOWS
        for pe, pe_params in (("int_mac", {}), ("fp_mac", {"mul": "exact"}),
                              ("fp_mac", {"mul": "lmul"})))
    # The 8x8 floating-point arrays take 300 of the full sweep's 430 s of Yosys; the
    # default sweep keeps cells per PE of every PE at 4x4 and of the INT8 PE at 8x8.
    quick_report_configs = tuple(config for config in report_configs
                                 if config["rows"] == 4 or config["pe"] == "int_mac")

    def __init__(self, **params):
        params = self.check_parameters(params)
        pe_params = params["pe_params"]
        self._arithmetic = pe_params.unit.arithmetic(pe_params)
        rows, cols = params["rows"], params["cols"]
        a_width, b_width = self._arithmetic.a_width, self._arithmetic.b_width
        y = Out(cols * self._arithmetic.acc_width)
        if params["dataflow"] == "os":
            signature = {"in_valid": In(1), "in_ready": Out(1), "a": In(rows * a_width),
                         "b": In(cols * b_width), "in_last": In(1), "out_valid": Out(1),
                         "y": y, "out_last": Out(1)}
        else:
            signature = {"w_valid": In(1), "w_ready": Out(1), "w": In(cols * b_width),
                         "in_valid": In(1), "in_ready": Out(1), "x": In(rows * a_width),
                         "in_first": In(1), "out_valid": Out(1), "y": y}
        super().__init__(signature, params)

    @classmethod
    def top_name(cls, params):
        # systolic_ws_8x8_int_mac_s8x8_acc32: the PE's own top name says its parameters.
        pe_params = params["pe_params"]
        return (f"{cls.kind}_{params['dataflow']}_{params['rows']}x{params['cols']}_"
                f"{pe_params.unit.top_name(pe_params)}")

    @classmethod
    def parts(cls, params):
        return params["rows"] * params["cols"], params["pe"], params["pe_params"]

    @property
    def rows(self):
        return self._params["rows"]

    @property
    def cols(self):
        return self._params["cols"]

    @property
    def dataflow(self):
        return self._params["dataflow"]

    @property
    def handshake(self):
        return "valid_ready"

    @property
    def _pipeline_suffix(self):
        stages = self._arithmetic.pipeline_stages
        return f" + {stages}" if stages else ""

    @property
    def latency(self):
        """Rising edges from the one taking a work item's last beat (counted as 1) to the
        one after which its first result is on ``y``, plus the PE's ``pipeline_stages``.

        os, ``C + 1``: the taking edge loads PE (0, 0)'s operands, the next one its
        accumulator, and row 0 then waits C - 1 edges for its last column.  ws, ``R + C``:
        a row's sum leaves column j's bottom PE R + j edges after the taking edge (that
        edge, R - 1 to reach the row, j to reach the column, one for the sum) and waits
        C - 1 - j edges for the last column.
        """
        stages = self._arithmetic.pipeline_stages
        if self.dataflow == "os":
            return self.cols + 1 + stages
        return self.rows + self.cols + stages

    @property
    def latency_formula(self):
        return ("C + 1" if self.dataflow == "os" else "R + C") + self._pipeline_suffix

    @property
    def throughput(self):
        """One beat per cycle in steady state; what keeps it there; and the fill and drain
        of an isolated work item: with its first beat taken on edge 1 and no stalls, its
        last result is on ``y`` after edge ``beats + fill_drain_cycles - 1``."""
        if self.dataflow == "os":
            # The last of a tile's R result rows leaves R - 1 cycles after the first.
            return {"beats_per_cycle": 1, "full_rate_min_k": self.rows,
                    "full_rate_min_k_formula": "R",
                    "fill_drain_cycles": self.latency + self.rows - 1,
                    "fill_drain_cycles_formula": "R + C" + self._pipeline_suffix}
        return {"beats_per_cycle": 1, "full_rate_min_rows": full_rate_min_rows(self.rows),
                "full_rate_min_rows_formula": "R + 1",
                "fill_drain_cycles": self.latency,
                "fill_drain_cycles_formula": self.latency_formula}

    def port_roles(self):
        arithmetic, rows, cols = self._arithmetic, self.rows, self.cols
        roles = {"in_valid": "an input beat is offered (AXI4-Stream valid)",
                 "in_ready": "the beat is taken on this rising edge if in_valid is 1",
                 "out_valid": "y holds one result row this cycle",
                 "y": f"one result row, lane j: {arithmetic.sum_meaning()}"}
        if self.dataflow == "os":
            roles.update({
                "a": f"column k of A, A[i,k] in lane i of {rows}: {arithmetic.operand_meaning('a')}",
                "b": f"row k of B, B[k,j] in lane j of {cols}: {arithmetic.operand_meaning('b')}",
                "in_last": "this beat is k = K-1: the tile ends here",
                "out_last": "this row is row R-1 of its tile"})
        else:
            roles.update({
                "w_valid": "a weight beat is offered",
                "w_ready": "the weight beat is taken on this rising edge if w_valid is 1",
                "w": f"row r of W, W[r,j] in lane j of {cols}: {arithmetic.operand_meaning('b')}; "
                     f"R beats make one weight set",
                "in_valid": "an activation row is offered (AXI4-Stream valid)",
                "x": f"row m of X, X[m,r] in lane r of {rows}: {arithmetic.operand_meaning('a')}",
                "in_first": "this row is the first to use the next weight set"})
        return roles

    def port_formats(self):
        formats = self._arithmetic.formats()
        ports = {"a": "a", "b": "b", "acc": "y"} if self.dataflow == "os" else {
            "a": "x", "b": "w", "acc": "y"}
        return {ports[name]: fmt for name, fmt in formats.items() if name in ports}

    def port_lanes(self):
        arithmetic = self._arithmetic
        a, b = ("a", "b") if self.dataflow == "os" else ("x", "w")
        return {a: arithmetic.a_width, b: arithmetic.b_width, "y": arithmetic.acc_width}

    def elaborate(self, platform):
        m = Module()
        mesh = output_stationary_mesh if self.dataflow == "os" else weight_stationary_mesh
        mesh(m, self, self._arithmetic)
        return m
