"""Amaranth components for macforge's arithmetic units.

hdl depends only on Amaranth and the number formats in :mod:`formats`; it never imports
gen, sim, synth or verif.
"""
