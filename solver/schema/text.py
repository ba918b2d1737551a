"""The descriptions and examples of the fields in the problem-file schema, keyed by kind and field path."""

from __future__ import annotations

from typing import Any

COMMON: dict[str, tuple[str, Any]] = {
    "kind": ("The kind of problem, which decides the other fields:", None),
    "title": ("A one-line title, shown above the solution.", "Two steps of a recurrent network"),
    "id": ("A short identifier (default: the file name, or name-N for the N-th of several problems).",
           "rnn-two-steps"),
    "statement": ("The problem as the exam states it, printed before the solution.",
                  "Compute h1 and h2 for the inputs x1 = 1, x2 = 2."),
    "source": ("Where the problem comes from (an exam, a course).", "Deep Learning final exam, problem 5"),
    "ask": ("The answers the problem asks for, by name (default: every answer of the solution).", ["h1", "h2"]),
    "answers": ("An instructor's key: answer names to values (or {value, points, tolerance}), read by "
                "dlsolve check and ignored by dlsolve run.", {"h1": "1/2", "h2": {"value": 0.62, "points": 2}}),
    "vary": ("How dlsolve vary draws randomized variants: which givens vary, how, and the constraints.",
             {"given": {"W": {"integers": [-2, 2]}}, "tries": 200}),
}
DESCRIPTIONS: dict[str, dict[str, str]] = {}
EXAMPLES: dict[str, dict[str, Any]] = {}
