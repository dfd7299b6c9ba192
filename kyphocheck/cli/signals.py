"""Signals as the command line means them: SIGTERM and SIGHUP stop a command as Ctrl-C does.

A supervisor stopping the program (SIGTERM) or a terminal closing (SIGHUP) then ends a command
the way the nurse's Ctrl-C does: an interactive run saves its draft, a batch of sheets stops
with the sheets already written whole and says how many, and the exit code is 130.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

INTERRUPTING = (signal.SIGTERM, signal.SIGHUP)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def interrupt_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt while the block runs, as Ctrl-C does.

    Without it they end the program at once: no draft saved, no summary, exit code -15, and
    whatever the command was in the middle of left as it was. The previous handlers come back
    when the block ends.
    """
    previous = {sig: signal.signal(sig, _raise_interrupt) for sig in INTERRUPTING}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
