"""macforge: an RTL generator for low-precision arithmetic units.

The repository's top-level folders are installed as this package's subpackages:
``macforge.formats`` (number formats), ``macforge.hdl`` (Amaranth components),
``macforge.gen`` (registry, emission, CLI), ``macforge.verif`` (golden models and
benches), ``macforge.sim`` (simulator runner) and ``macforge.synth`` (Yosys counts).
"""
