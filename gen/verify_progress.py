"""The progress of a ``macforge verify`` run: its steps and the bench's work items, on a
terminal's progress bar.

The bench counts the work items it has done into a file (:func:`~macforge.verif.benches.
stream.read_progress` reads it); :class:`BarProgress` polls that file beside the step it
is in, so the simulation itself pays nothing for the bar.
"""

import sys
import threading

from macforge.verif.benches.stream import read_progress

__all__ = ["STEPS", "Progress", "BarProgress"]

STEPS = ("emit", "build", "vectors", "simulate")
"""The steps of a run, in order, as :class:`Progress` hears of them."""


class Progress:
    """Hears of a run's steps (:data:`STEPS`) and, while simulating, of the work items
    the bench has done; says nothing.  :class:`BarProgress` shows them."""

    def step(self, name, *, watch=None, total=None, noun=None):
        """Step ``name`` begins; ``watch``: the file where the bench keeps the
        ``total`` items (``noun``) it has done, if it does."""

    def close(self):
        """The run is over."""


class BarProgress(Progress):
    """The steps on a progress bar on ``file`` (default stderr), with the bench's work
    items beside the simulate step, refreshed a few times a second.

    The bar is shown only when ``file`` is a terminal (tqdm's ``disable=None``): piped
    or captured output (logs, CI, the tests) gets the summary lines alone.  It leaves
    nothing behind when closed.  Used as a context manager it closes itself and, while
    shown, routes what the run prints (the simulator runner's report of a failing
    bench) past the bar instead of through it.
    """

    _REFRESH_SECONDS = 0.25

    def __init__(self, top, *, file=None):
        from tqdm import tqdm  # loaded only when verifying, as the CLI loads this module

        # tqdm adds ": " to a description it is given later, not to this one.
        self._bar = tqdm(total=len(STEPS), desc=f"{top}: ", unit="step", leave=False,
                         file=file or sys.stderr, disable=None,
                         bar_format="{desc}{n}/{total} steps{postfix} |{bar}| [{elapsed}]")
        self._watched = None
        self._done = 0
        self._stop = threading.Event()
        self._top = top
        self._thread = None
        if not self._bar.disable:
            # The bar redraws on updates only: a long build would freeze its clock.
            self._thread = threading.Thread(target=self._refresh_until_closed, daemon=True)
            self._thread.start()

    def step(self, name, *, watch=None, total=None, noun=None):
        if self._bar.disable:
            return
        self._bar.n = STEPS.index(name)
        self._watched = (watch, total, noun) if watch is not None else None
        self._bar.set_postfix_str("", refresh=False)
        self._bar.set_description(f"{self._top}: {name}")

    def _show_items(self):
        if self._watched is None:
            return
        watch, total, noun = self._watched
        done = read_progress(watch)
        if done is None:
            return
        if done < self._done:
            # The count starts again only when the runner re-runs a failed bench with
            # tracing, for the waveform.
            self._bar.set_description(f"{self._top}: simulate again, tracing", refresh=False)
        self._done = done
        self._bar.set_postfix_str(f"{done:,}/{total:,} {noun}", refresh=False)

    def _refresh_until_closed(self):
        while not self._stop.wait(self._REFRESH_SECONDS):
            self._show_items()
            self._bar.refresh()

    def __enter__(self):
        if self._thread is not None:
            self._stdout = sys.stdout
            sys.stdout = _LinesPastTheBar(sys.stdout, self._bar)
        return self

    def __exit__(self, *exception):
        if self._thread is not None:
            sys.stdout.flush()
            sys.stdout = self._stdout
        self.close()

    def close(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._show_items()  # the bench's last word, drawn before the bar goes
            self._bar.refresh()
        self._bar.close()


class _LinesPastTheBar:
    """Standard output while a bar is shown: whole lines, each written with the bar
    cleared and drawn again after it (what ``tqdm.write`` does for one string)."""

    def __init__(self, stream, bar):
        self._stream = stream
        self._bar = bar
        self._pending = ""

    def write(self, text):
        self._pending += text
        lines, newline, self._pending = self._pending.rpartition("\n")
        if newline:
            self._write(lines + newline)
        return len(text)

    def flush(self):
        if self._pending:
            self._write(self._pending)
            self._pending = ""
        self._stream.flush()

    def _write(self, text):
        with self._bar.external_write_mode(file=self._bar.fp):
            self._stream.write(text)
            self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)
