"""The library API: load problem files, solve problems, render solutions.

>>> from solver.api import solve_file, render
>>> print(render(solve_file("problems/lstm.yaml"), "json"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solver import render as _render_registry
from solver.errors import FieldError, SpecError, SpecIssue, UnsolvableError
from solver.i18n import tr, using
from solver.kinds import kind_module
from solver.notebook import display
from solver.notices import collecting
from solver.problem import Problem
from solver.trace import Solution, set_display

if TYPE_CHECKING:  # the loader (yaml, pydantic) is imported only when a file is read
    from solver.check import Report
    from solver.spec import LoadedProblem

FORMATS: tuple[str, ...] = tuple(_render_registry.FORMATS)  # the registry in solver.render

set_display(display)  # a Solution shows itself in a notebook (Solution._repr_html_ and co.)


def load(path: Path | str) -> list[Problem]:
    """The validated problems in a YAML file."""
    from solver.spec import load_file

    return [loaded.problem for loaded in load_file(path)]


def solve(problem: Problem, numeric: bool = False, lang: str | None = None) -> Solution:
    """Solve one problem (``numeric``: floating point instead of exact arithmetic); keep the asked answers.

    ``lang``: the language of the steps, notes and error messages (``en``, ``hr``, ``sr``, ``ru``; None: the
    current one, see :mod:`solver.i18n`); the previous language is restored afterwards."""
    with using(lang):
        return _solve(problem, numeric)


def _solve(problem: Problem, numeric: bool) -> Solution:
    with collecting() as abandoned:
        solution = kind_module(problem.kind).solve(problem, numeric=numeric)
    if abandoned:
        solution = Solution(**{**solution.__dict__, "exact_abandoned": tuple(abandoned)})
    if not problem.ask:
        return solution
    known = {answer.name for answer in solution.answers}
    for i, name in enumerate(problem.ask):
        if name not in known:
            # Translators: {name} is an answer's name such as 'h1', quoted; {names} a list such as "L, h1, s"
            raise FieldError(("ask", i), tr("unknown answer {name}; this problem answers: {names}",
                                            name=repr(name), names=", ".join(sorted(known))))
    answers = tuple(a for name in problem.ask for a in solution.answers if a.name == name)
    return Solution(**{**solution.__dict__, "answers": answers})


def solve_loaded(loaded: LoadedProblem, numeric: bool = False) -> Solution:
    """Solve a loaded problem; a solver's FieldError becomes a SpecError with file and line.

    An UnsolvableError is prefixed with the file, so a run over many files says which one failed.
    """
    try:
        return solve(loaded.problem, numeric=numeric)
    except UnsolvableError as error:
        raise UnsolvableError(f"{loaded.document.file}: {error.message}", error.solution) from None
    except FieldError as error:  # its path is relative to the problem (see solver.kinds.Kind)
        raise SpecError([loaded.issue(error.path, error.message)]) from None


def solve_file(path: Path | str, numeric: bool = False, lang: str | None = None) -> list[Solution]:
    """Load and solve every problem in a YAML file; ``lang``: the language of the prose and of the errors
    (None: the current one), restored afterwards."""
    from solver.spec import load_file

    with using(lang):
        return [solve_loaded(loaded, numeric) for loaded in load_file(path)]


def check(problem: Problem, answers: Mapping[str, Any] | Path | str, numeric: bool = False,
          lang: str | None = None) -> Report:
    """Judge a student's answers to ``problem``: a mapping of quantity names to values written as in an
    answers file (``{"h": [1, 1, -1], "L": "ln(2)"}``), or the path of an answers file. ``lang``: the
    language of the report and of the errors (None: the current one), restored afterwards.

    >>> report = check(load("problems/mlp-binary.yaml")[0], {"s": 1})  # doctest: +SKIP
    >>> report.all_correct, report.first_wrong  # doctest: +SKIP
    (True, None)
    """
    with using(lang):
        return _check(problem, answers, numeric)


def _check(problem: Problem, answers: Mapping[str, Any] | Path | str, numeric: bool) -> Report:
    from solver.check import check as judge
    from solver.check.answers import answers_in, read_answers
    from solver.yamlfile import YamlDocument

    symbolic = problem.kind == "symbolic"
    if isinstance(answers, (str, Path)):
        given = read_answers(answers, symbolic)
    else:
        given = answers_in(dict(answers), YamlDocument("<answers>", dict(answers)), (), symbolic=symbolic)
    try:
        return judge(solve(problem, numeric=numeric), given, problem)
    except FieldError as error:
        raise SpecError([SpecIssue(str(answers) if isinstance(answers, (str, Path)) else "<answers>",
                                   None, tuple(error.path), error.message)]) from None


def render(solutions: list[Solution], fmt: str = "text", detail: str = "standard", lang: str | None = None,
           **options: object) -> str:
    """Render solutions as ``text``, ``latex``, ``markdown`` or ``json`` at a detail level
    (``brief``, ``standard`` or ``full``; see :mod:`solver.detail`). ``lang``: the language of the headings
    (None: the current one), restored afterwards; the steps keep the language they were solved in."""
    from solver.detail import at_detail
    from solver.render import renderer

    with using(lang):
        return renderer(fmt)([at_detail(solution, detail) for solution in solutions], detail=str(detail), **options)
