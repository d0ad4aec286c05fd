"""Valid/ready streams at the cycle level, for any simulator.

A :class:`Source` offers beats on one AXI4-Stream-style channel (``<name>_valid``,
``<name>_ready`` and data fields); a :class:`Monitor` records the rows a unit puts out on
``out_valid``.  Neither touches a simulator: each cycle the caller asks a source what to
drive (:meth:`Source.offer`), applies it, lets the logic settle, and reports the ready it
read back (:meth:`Source.sample`), so the same objects run under cocotb and under
Amaranth's simulator.  Beats and rows carry packed integers: lane l of a packed port is
bits [l*w, (l+1)*w).
"""

import numpy as np

__all__ = ["IdleInserter", "Source", "Monitor", "pack_lanes", "unpack_lanes", "MAX_STRETCH"]

MAX_STRETCH = 4
"""The longest idle stretch an :class:`IdleInserter` puts before a beat, by default."""


def pack_lanes(lanes, width):
    """Packed port values from per-lane bit patterns: ``lanes`` (beats, lanes) -> ints."""
    lanes = np.asarray(lanes, dtype=np.int64)
    return [sum(int(value) << (index * width) for index, value in enumerate(beat))
            for beat in lanes]


def unpack_lanes(values, lanes, width):
    """Per-lane bit patterns (rows, lanes) of packed port values."""
    mask = (1 << width) - 1
    return np.array([[(int(value) >> (index * width)) & mask for index in range(lanes)]
                     for value in values], dtype=np.int64).reshape(len(values), lanes)


class IdleInserter:
    """Random valid-low stretches before beats: with probability ``rate`` a beat is
    preceded by 1 to ``max_stretch`` idle cycles.  Seeded, so a failure replays."""

    def __init__(self, rate, *, seed, max_stretch=MAX_STRETCH):
        if not 0 <= rate < 1:
            raise ValueError(f"idle rate must be in [0, 1), not {rate!r}")
        self._rate = rate
        self._max_stretch = max_stretch
        self.rng = np.random.default_rng(seed)

    def stretch(self):
        """Idle cycles to insert before the next beat."""
        if self._rate == 0 or self.rng.random() >= self._rate:
            return 0
        return int(self.rng.integers(1, self._max_stretch + 1))


class Source:
    """One valid/ready channel driven from a list of beats.

    AXI4-Stream rules on the driving side: valid never waits for ready, and once valid
    is raised the beat's data stay until an edge takes it.  While valid is low the data
    fields carry random garbage (with an inserter), so a unit that looks at data without
    valid shows up as a mismatch.

    Parameters
    ----------
    name : str
        Channel prefix: the ports are ``<name>_valid`` and ``<name>_ready``.
    beats : dict
        Field port name -> list of int, one per beat (all equally long).
    widths : dict
        Field port name -> width in bits, for the garbage.
    idle : IdleInserter, optional
        None offers a beat on every cycle the previous one was taken.
    """

    def __init__(self, name, beats, widths, *, idle=None):
        self.valid = f"{name}_valid"
        self.ready = f"{name}_ready"
        self._beats = beats
        self._widths = widths
        self._idle = idle
        self.count = len(next(iter(beats.values())))
        self.taken = []  # cycle each beat was taken on, in beat order
        self._wait = idle.stretch() if idle else 0
        self._offering = False

    @property
    def done(self):
        return len(self.taken) == self.count

    def offer(self):
        """Port values for this cycle: the next beat with valid high, or valid low."""
        index = len(self.taken)
        self._offering = index < self.count and self._wait == 0
        if self._offering:
            values = {port: beats[index] for port, beats in self._beats.items()}
        elif self._idle is not None:
            # Bytes, not integers: a packed port is often wider than an int64.
            values = {port: int.from_bytes(self._idle.rng.bytes((width + 7) // 8), "little")
                      & ((1 << width) - 1) for port, width in self._widths.items()}
        else:
            values = {port: 0 for port in self._beats}
        values[self.valid] = int(self._offering)
        return values

    def sample(self, ready, cycle):
        """Record the ready read back before this cycle's edge; advance if taken."""
        if not self._offering:
            self._wait = max(self._wait - 1, 0)
            return
        if ready:
            self.taken.append(cycle)
            self._wait = self._idle.stretch() if self._idle else 0

    def idle_values(self):
        """Valid low and zero data: what the channel drives while the unit resets."""
        return {self.valid: 0, **{port: 0 for port in self._beats}}


class Monitor:
    """The rows a unit puts out: ``(cycle, {port: int})`` for every ``out_valid`` cycle.

    Parameters
    ----------
    ports : sequence of str
        Output ports read with each row (``y``, ``out_last``).
    """

    valid = "out_valid"

    def __init__(self, ports):
        self.ports = tuple(ports)
        self.rows = []

    def sample(self, read, cycle):
        """Read ``out_valid`` through ``read(port) -> int``; on a valid row, the ports."""
        if read(self.valid):
            self.rows.append((cycle, {port: read(port) for port in self.ports}))

    def cycles(self):
        return [cycle for cycle, _ in self.rows]

    def values(self, port):
        return [row[port] for _, row in self.rows]
