"""Number formats shared by the hardware, the golden models and the CLI (no Amaranth here)."""

from .float_format import KINDS, NAMED_FORMATS, FloatFormat

__all__ = ["FloatFormat", "NAMED_FORMATS", "KINDS"]
