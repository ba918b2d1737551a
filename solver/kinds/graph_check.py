"""The finite-difference check: every reported gradient compared with central differences in float64."""

from __future__ import annotations

from typing import Any

from solver.errors import UnsolvableError
from solver.trace import Check, Step, StepKind

FD_TOLERANCE = 1e-6


def finite_difference_check(graph: Any, loss: Any, wanted: list[str], grads: dict[str, Any], kinked: bool) -> Step:
    """Compare every reported gradient with central differences; a mismatch fails the run."""
    import numpy as np

    from solver.engine.differences import PRECISION, SAFETY, STEP, CentralDifferences

    differences = CentralDifferences(graph, loss)
    substeps, worst, failed = [], 0.0, False
    for name in wanted:
        found = differences.of(graph.names[name])
        numeric, allowance, crossed = found.numeric, found.allowance, found.crossed
        exact = _floats(grads[name])
        if not (np.all(np.isfinite(numeric)) and np.all(np.isfinite(exact))):
            substeps.append(Step(StepKind.CHECK, f"∂{loss.label}/∂{name}: not checked",
                                 note=f"{PRECISION} overflows at these values (an infinite or undefined result), "
                                      "so central differences cannot be computed here",
                                 record=Check(str(loss.label), name, None)))
            continue
        size, relative, agrees = _compare(exact, numeric, crossed, allowance)
        if not agrees:  # before calling it a bug: the exact gradient's digits guaranteed (evalf is slower)
            exact = np.array(grads[name].evalf(30).tolist(), dtype=float)
            size, relative, agrees = _compare(exact, numeric, crossed, allowance)
        error = float(np.max(relative))
        worst = max(worst, error)
        failed = failed or not agrees
        status = "✓" if agrees else ("≠ (at a kink: the convention decides)" if kinked else "✗")
        notes = [f"largest difference {error:.1e} (h = {STEP:g}, relative to max(1, |gradient|))"]
        if float(np.max(allowance / size)) > FD_TOLERANCE / 10:
            notes.append(f"up to {float(np.max(allowance / size)):.1e} counts as rounding ({SAFETY}× the rounding "
                         f"measured at these values, which reach {found.scale:.3g})")
        skipped = int(crossed.sum())
        if skipped:  # at an exact kink this is expected; near one, a step of h moves an input across it
            notes.append(f"{skipped} of {crossed.size} entr{'y' if crossed.size == 1 else 'ies'} not compared: "
                         "a step of h moves an input of relu, leaky_relu or max across its kink")
        substeps.append(Step(StepKind.CHECK, f"∂{loss.label}/∂{name}: central differences agree {status}",
                             note="; ".join(notes),
                             record=Check(str(loss.label), name, agrees, error, int(crossed.size - skipped), skipped)))
        if not agrees and not kinked:
            raise UnsolvableError(
                f"finite-difference check failed for ∂{loss.label}/∂{name}: difference {error:.2e} "
                f"(exact {exact.tolist()}, numeric {[float(v) for v in numeric.flat]}); this is a bug in dlsolve, "
                "please report it"
            )
    return Step(StepKind.CHECK, f"Finite-difference check: {'see the kink note' if failed else '✓'}",
                note=f"Every gradient compared with central differences in {PRECISION}; "
                     f"largest difference {worst:.1e}.",
                substeps=tuple(substeps))


def _compare(exact: Any, numeric: Any, crossed: Any, allowance: Any) -> tuple[Any, Any, bool]:
    """Per entry: max(1, |gradient|), the relative difference, and whether all agree."""
    import numpy as np

    size = np.maximum(1.0, np.abs(exact))
    relative = np.where(crossed, 0.0, np.abs(numeric - exact) / size)
    return size, relative, bool(np.all(relative <= FD_TOLERANCE + allowance / size))


def _floats(value: Any) -> Any:
    """An exact matrix in float64, fast (shared subexpressions evaluated once; see ``ops.to_float``)."""
    import numpy as np

    from solver.engine.exact import to_float

    cache: dict = {}
    return np.array([[to_float(value[i, j], cache) for j in range(value.cols)] for i in range(value.rows)])
