"""Verification: numpy golden models, cocotb benches and pytest suites."""
