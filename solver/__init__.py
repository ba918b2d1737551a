"""dlsolve: exact, step-by-step solutions to deep-learning exam problems.

The public library API lives in :mod:`solver.api`; this module stays import-light so that
the command-line tool starts fast.
"""

__version__ = "0.1.0"
