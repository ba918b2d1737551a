"""What the oracle tests share beyond the oracles themselves: the margins within which a float64
comparison with dlsolve's exact answers is meaningful, the wall-clock limit of an in-process solve,
and ``flatten`` (a value in dlsolve's JSON layout as a flat list of numbers)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading

BCE_MARGIN = 1e-4  # bce probabilities at least this far from 0 and 1 (ln(1 − p) keeps ≥ 12 digits)
MAGNITUDE = 1e4  # every value and gradient below this (no cancellation of huge terms)
# docs/architecture.md: every solve must finish in seconds; a slower solve fails the test (typical: 0.1 s)
SOLVE_SECONDS = float(os.environ.get("DLSOLVE_SOLVE_SECONDS", "10"))


def flatten(value) -> list[float]:
    """A number, a flat list or a list of rows, as one flat list (row-major)."""
    if isinstance(value, list):
        return [x for v in value for x in flatten(v)]
    return [value]


class SolveTimeout(BaseException):
    """Raised in the middle of a solve that runs too long (a BaseException: the CLI's error handler
    must not turn it into an exit code)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Interrupt the block after ``seconds``: a watchdog thread sends SIGUSR1 to the main thread,
    whose handler raises SolveTimeout. (Not SIGALRM: ``dlsolve run`` keeps its own ``--timeout``
    alarm, which would replace ours.) Without SIGUSR1 or off the main thread: no limit."""
    if not hasattr(signal, "pthread_kill") or threading.current_thread() is not threading.main_thread():
        yield
        return
    active = True

    def expire(signum, frame):
        if active:
            raise SolveTimeout(f"dlsolve did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGUSR1, expire)
    watchdog = threading.Timer(seconds, signal.pthread_kill, (threading.main_thread().ident, signal.SIGUSR1))
    watchdog.daemon = True
    watchdog.start()
    try:
        yield
    finally:
        active = False
        watchdog.cancel()
        watchdog.join()
        signal.signal(signal.SIGUSR1, previous)
