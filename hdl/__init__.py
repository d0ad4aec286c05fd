"""Amaranth components for macforge's arithmetic units.

Each unit kind is a :class:`~.unit.UnitComponent` subclass in its own module (``lmul``,
``fmul``, ``int_mac``, ``fp_mac``), declaring its parameter schema
(:mod:`.parameters`); the registry in ``macforge.gen`` finds them by scanning this
package.  Shared pieces: the view of a float's bits (:mod:`.float_view`), the pipeline
register helper (:mod:`.pipeline`), the MAC and multiplier bases.

hdl depends only on Amaranth and the number formats in ``macforge.formats``; it never
imports gen, sim, synth or verif.
"""
