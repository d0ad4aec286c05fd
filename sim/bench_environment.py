"""What the runner hands a bench process through its environment, read from inside it.

Kept apart from :mod:`.runner` so that a bench, which runs inside the simulator, does
not import cocotb's runner machinery (0.2 s of every simulation's start-up).
"""

import json
import os

__all__ = ["METADATA_ENV_VAR", "bench_metadata"]

METADATA_ENV_VAR = "MACFORGE_UNIT_METADATA"
"""Environment variable carrying the unit's metadata (JSON) into the bench process."""


def bench_metadata():
    """Return the unit metadata that :func:`.runner.run` passed to the bench, if any.

    Call this from inside a cocotb test module.

    Returns
    -------
    dict or None
        The metadata dict given to :func:`.runner.build`, or None if there was none.
    """
    text = os.environ.get(METADATA_ENV_VAR, "")
    return json.loads(text) if text else None
