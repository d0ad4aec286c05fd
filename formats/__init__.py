"""Number formats shared by the hardware, the golden models and the CLI (no Amaranth here)."""

from .float_format import KINDS, NAMED_FORMATS, FloatFormat, formats_up_to
from .serial_digits import BITS_PER_CYCLE, DigitPlan, serial_digits
from .weight_dtype import DTYPES, MAX_WEIGHT_MAGNITUDE, WeightDtype, signed_range, signed_width

__all__ = ["FloatFormat", "NAMED_FORMATS", "KINDS", "formats_up_to", "WeightDtype", "DTYPES",
           "MAX_WEIGHT_MAGNITUDE", "signed_width", "signed_range", "DigitPlan", "serial_digits",
           "BITS_PER_CYCLE"]
