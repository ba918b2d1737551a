"""The finite-difference check: every reported gradient compared with central differences in float64."""

from __future__ import annotations

from typing import Any

from solver.errors import UnsolvableError
from solver.i18n import ntr, prose_number, tr
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
            # Translators: {gradient} is a gradient such as ∂L/∂W1
            substeps.append(Step(StepKind.CHECK, tr("{gradient}: not checked", gradient=target),
                                 # Translators: {precision} is the floating-point type, float64
                                 note=tr("{precision} overflows at these values (an infinite or undefined result), "
                                         "so central differences cannot be computed here", precision=tr(PRECISION)),
                                 record=Check(str(loss.label), name, None)))
            continue
        skipped, entries = int(crossed.sum()), int(crossed.size)
        skipped_all += skipped
        # Translators: {count} of {n} entries of a gradient; {ops} names operations such as "ReLU or max_pool2d"
        kink_words = ntr("{count} of {n} entry not checked: a step of h moves an input of {ops} across its kink, so "
                         "a central difference says nothing about the derivative there",
                         "{count} of {n} entries not checked: a step of h moves an input of {ops} across its kink, so "
                         "a central difference says nothing about the derivative there",
                         entries, count=skipped, ops=with_kinks)
        if skipped == entries:  # nothing compared: no verdict, and no check mark
            unchecked.append(target)
            substeps.append(Step(StepKind.CHECK, tr("{gradient}: not checked", gradient=target), note=kink_words,
                                 record=Check(str(loss.label), name, None, 0.0, 0, skipped)))
            continue
        size, relative, agrees = _compare(exact, numeric, crossed, allowance)
        if not agrees:  # before calling it a bug: the exact gradient's digits guaranteed (evalf is slower)
            exact = np.array(grads[name].evalf(30).tolist(), dtype=float)
            size, relative, agrees = _compare(exact, numeric, crossed, allowance)
        error = float(np.max(relative))
        worst = max(worst, error)
        failed = failed or not agrees
        status = "✓" if agrees else (tr("≠ (at a kink: the convention decides)") if kinked else "✗")
        # Translators: {error} is a decimal such as 2.1e-11; {step} the step h of the differences
        notes = [tr("largest difference {error} (h = {step}, relative to max(1, |gradient|))",
                    error=prose_number(format(error, ".1e")), step=format(STEP, "g"))]
        if float(np.max(allowance / size)) > FD_TOLERANCE / 10:
            # Translators: {allowance} and {scale} are decimals; {safety} a whole number (the × is "times")
            notes.append(tr("up to {allowance} counts as rounding ({safety}× the rounding measured at these values, "
                            "which reach {scale})", allowance=prose_number(f"{float(np.max(allowance / size)):.1e}"),
                            safety=SAFETY, scale=prose_number(f"{found.scale:.3g}")))
        if skipped:  # at an exact kink this is expected; near one, a step of h moves an input across it
            notes.append(kink_words)
        title = _verdict(target, agrees, entries - skipped, entries if skipped else 0, status)
        substeps.append(Step(StepKind.CHECK, title, note="; ".join(notes),
                             record=Check(str(loss.label), name, agrees, error, entries - skipped, skipped)))
        if not agrees and not kinked:
            raise UnsolvableError(
                f"finite-difference check failed for {target}: difference {error:.2e} "
                f"(exact {exact.tolist()}, numeric {[float(v) for v in numeric.flat]}); this is a bug in dlsolve, "
                "please report it"
            )
    if failed:
        verdict = tr("see the kink note")
    elif unchecked and len(unchecked) < len(wanted):
        # Translators: {names} lists gradients such as "∂L/∂W1 and ∂L/∂b1"
        verdict = tr("{names} not checked, the others agree", names=_listed(unchecked))
    elif unchecked:
        verdict = tr("{names} not checked", names=_listed(unchecked))
    else:
        verdict = "✓"
    worst_shown = prose_number(f"{worst:.1e}")
    if unchecked:
        note = tr("Gradients compared with central differences in {precision} where a difference means something; "
                  "largest difference {error}.", precision=tr(PRECISION), error=worst_shown)
    else:
        note = tr("Every gradient compared with central differences in {precision}; largest difference {error}.",
                  precision=tr(PRECISION), error=worst_shown)
    if skipped_all:
        note += " " + ntr("{n} entry not compared: a step of h moves an input of an op with a kink across it (see "
                          "each gradient).", "{n} entries not compared: a step of h moves an input of an op with a "
                          "kink across it (see each gradient).", skipped_all)
    # Translators: {verdict} is ✓, or says which gradients were not checked
    return Step(StepKind.CHECK, tr("Finite-difference check: {verdict}", verdict=verdict), note=note,
                substeps=tuple(substeps))


def _verdict(target: str, agrees: bool, checked: int, of: int, status: str) -> str:
    """The title of one gradient's check: whether central differences agree (on how many entries, if ``of``)."""
    # Translators: {gradient} is a gradient such as ∂L/∂W1; {status} is ✓, ✗ or a short remark
    if agrees and not of:
        return tr("{gradient}: central differences agree {status}", gradient=target, status=status)
    if agrees:
        return ntr("{gradient}: central differences agree on {checked} of {n} entry {status}",
                   "{gradient}: central differences agree on {checked} of {n} entries {status}", of,
                   gradient=target, checked=checked, status=status)
    if not of:
        return tr("{gradient}: central differences {status}", gradient=target, status=status)
    return ntr("{gradient}: central differences on {checked} of {n} entry {status}",
               "{gradient}: central differences on {checked} of {n} entries {status}", of,
               gradient=target, checked=checked, status=status)


def _listed(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    # Translators: {names} is a list such as "a, b"; {last} the last item
    return names[0] if len(names) == 1 else tr("{names} and {last}", names=", ".join(names[:-1]), last=names[-1])


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
        return names[0] if names else tr("an op with a kink")
    # Translators: {names} lists operations such as "ReLU, max"; {last} the last one
    return tr("{names} or {last}", names=", ".join(names[:-1]), last=names[-1])

