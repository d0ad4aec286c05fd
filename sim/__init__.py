"""Simulation: run Verilog under Verilator or Icarus, lint it, measure benches.

Knows nothing of Amaranth.  :mod:`.runner` builds designs and runs cocotb benches;
:mod:`.lint` and :mod:`.verilator` need no cocotb, so checking emitted Verilog does not
import the simulation stack.
"""
