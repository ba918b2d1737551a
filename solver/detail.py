"""Detail levels: the part of a full derivation trace a reader asked for (``--detail``).

A solver records every step it takes, each marked with the least :class:`~solver.trace.Detail` at
which it is worth showing; :func:`at_detail` keeps the steps of one level. Solving never depends on
the level, so answer checking and JSON at ``full`` see the same trace.
"""

from __future__ import annotations

from dataclasses import replace

from solver.trace import Detail, Solution, Step, StepKind

DEFAULT_DETAIL = Detail.STANDARD


def at_detail(solution: Solution, detail: Detail | str = DEFAULT_DETAIL) -> Solution:
    """The solution with only the steps shown at ``detail``: ``brief`` also leaves out notes and conventions,
    ``standard`` a note that repeats one shown before it (a rule is stated where it is first used)."""
    level = Detail(detail)
    if level is Detail.FULL:
        return solution
    return replace(solution, steps=_kept(solution.steps, level, set()))


def _kept(steps: tuple[Step, ...], level: Detail, said: set[str]) -> tuple[Step, ...]:
    """``steps`` at ``level``; ``said`` collects the notes shown so far, in reading order."""
    out = []
    for step in steps:
        if step.detail.rank > level.rank:
            continue
        if level is Detail.BRIEF and step.kind is StepKind.CONVENTION:
            continue
        note = "" if level is Detail.BRIEF or repr(step.note) in said else step.note
        before = set(said)
        said.add(repr(note))
        substeps = _kept(step.substeps, level, said)
        if step.kind is StepKind.GROUP and step.substeps and not substeps and step.formula is None \
                and step.result is None:
            said.intersection_update(before)  # the heading is not shown, nor is its note
            continue  # a heading whose every step is at a higher level: nothing to head
        out.append(replace(step, note=note, substeps=substeps))
    return tuple(out)
