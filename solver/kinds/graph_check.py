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
    substeps, worst, failed, unchecked, skipped_all = [], 0.0, False, [], 0
    with_kinks = _ops_with_kinks(graph)
    for name in wanted:
        found = differences.of(graph.names[name])
        numeric, allowance, crossed = found.numeric, found.allowance, found.crossed
        exact = _floats(grads[name])
        target = f"∂{loss.label}/∂{name}"
        if not (np.all(np.isfinite(numeric)) and np.all(np.isfinite(exact))):
            unchecked.append(target)
            substeps.append(Step(StepKind.CHECK, f"{target}: not checked",
                                 note=f"{PRECISION} overflows at these values (an infinite or undefined result), "
                                      "so central differences cannot be computed here",
                                 record=Check(str(loss.label), name, None)))
            continue
        skipped, entries = int(crossed.sum()), int(crossed.size)
        skipped_all += skipped
        kink_words = (f"{_entries(skipped, entries)} not checked: a step of h moves an input of {with_kinks} "
                      "across its kink, so a central difference says nothing about the derivative there")
        if skipped == entries:  # nothing compared: no verdict, and no check mark
            unchecked.append(target)
            substeps.append(Step(StepKind.CHECK, f"{target}: not checked", note=kink_words,
                                 record=Check(str(loss.label), name, None, 0.0, 0, skipped)))
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
        if skipped:  # at an exact kink this is expected; near one, a step of h moves an input across it
            notes.append(kink_words)
        verdict = "central differences agree" if agrees else "central differences"
        scope = f" on {entries - skipped} of {entries} entries" if skipped else ""
        substeps.append(Step(StepKind.CHECK, f"{target}: {verdict}{scope} {status}", note="; ".join(notes),
                             record=Check(str(loss.label), name, agrees, error, entries - skipped, skipped)))
        if not agrees and not kinked:
            raise UnsolvableError(
                f"finite-difference check failed for {target}: difference {error:.2e} "
                f"(exact {exact.tolist()}, numeric {[float(v) for v in numeric.flat]}); this is a bug in dlsolve, "
                "please report it"
            )
    if failed:
        verdict = "see the kink note"
    elif unchecked:
        verdict = f"{_listed(unchecked)} not checked" + (", the others agree" if len(unchecked) < len(wanted) else "")
    else:
        verdict = "✓"
    note = (f"{'Gradients' if unchecked else 'Every gradient'} compared with central differences in {PRECISION}"
            f"{' where a difference means something' if unchecked else ''}; largest difference {worst:.1e}.")
    if skipped_all:
        note += (f" {_entries(skipped_all, None)} not compared: a step of h moves an input of an op with a kink "
                 "across it (see each gradient).")
    return Step(StepKind.CHECK, f"Finite-difference check: {verdict}", note=note, substeps=tuple(substeps))


def _entries(count: int, of: int | None) -> str:
    """``3 of 3 entries``, ``1 entry``."""
    noun = "entry" if (of if of is not None else count) == 1 else "entries"
    return f"{count} of {of} {noun}" if of is not None else f"{count} {noun}"


def _listed(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


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


def _ops_with_kinks(graph: Any) -> str:
    """The graph's ops that have kinks, as the course writes them: ``ReLU or max_pool2d``."""
    from solver.engine.ops.base import Op
    from solver.formula import shown_function

    names = sorted({shown_function(node.op.name) for node in graph.nodes
                    if node.op is not None and type(node.op).branch is not Op.branch})
    if len(names) <= 1:
        return names[0] if names else "an op with a kink"
    return ", ".join(names[:-1]) + " or " + names[-1]
