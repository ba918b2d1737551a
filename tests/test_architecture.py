"""The architecture's rules (docs/architecture.md), checked on the source of ``solver/``.

- no module imports a private name of another module, or reaches into one (``graph._tidy``);
- ``solver/kinds`` and ``solver/engine`` never import ``solver/render``;
- the modules of ``solver/`` import each other without a cycle (imports inside functions count too);
- kinds never parse titles or notes of steps (they read records and results);
- no module is over 500 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLVER = ROOT / "solver"
MAX_LINES = 500
# sympy's printer protocol: a printer method calls ``printer._print(arg)`` by design
SYMPY_PROTOCOL = {"_print", "_print_Function", "_print_Symbol", "_eval_evalf", "_latex", "_sympystr", "_pretty"}


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (``solver.kinds.graph``)."""
    out = {}
    for path in sorted(SOLVER.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import in a module, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, [alias.name for alias in node.names], node.lineno))
    return found


def _target(imported: str, names: list[str]) -> list[str]:
    """The solver modules an import statement loads (``from solver.kinds import graph`` loads the submodule)."""
    targets = [imported] if imported in MODULES else []
    targets += [f"{imported}.{n}" for n in names if f"{imported}.{n}" in MODULES]
    return targets


def test_no_private_name_is_imported_from_another_module() -> None:
    bad = []
    for name, path in MODULES.items():
        for imported, names, line in _imports(name, path):
            if not imported.startswith("solver") or imported == name:
                continue
            bad += [f"{path.relative_to(ROOT)}:{line}: {n} from {imported}" for n in names
                    if n.startswith("_") and not n.startswith("__")]
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)


def test_no_module_reaches_into_another_modules_private_names() -> None:
    """``module._name`` or ``obj._name`` where ``_name`` is not defined in the module itself."""
    bad = []
    for path in MODULES.values():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        own |= {target.attr for node in ast.walk(tree) if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Attribute)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")):
                continue
            if node.attr in SYMPY_PROTOCOL or node.attr in own:
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr} on {ast.unparse(owner)}")
    assert not bad, "private attributes used from outside their class or module:\n" + "\n".join(bad)


@pytest.mark.parametrize("layer", ["solver.kinds", "solver.engine"])
def test_solvers_never_import_a_renderer(layer: str) -> None:
    bad = []
    for name, path in MODULES.items():
        if name == layer or name.startswith(layer + "."):
            for imported, names, line in _imports(name, path):
                if any(t == "solver.render" or t.startswith("solver.render.") for t in _target(imported, names)):
                    bad.append(f"{path.relative_to(ROOT)}:{line}: imports {imported}")
    assert not bad, "\n".join(bad)


def test_no_import_cycle() -> None:
    graph = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for imported, names, _ in _imports(name, path):
            for target in _target(imported, names):
                if target != name and not name.startswith(target + "."):  # a package's own submodule importing it
                    graph[name].add(target)
    # a package __init__ that re-exports its submodules is not a cycle with them: drop parent → child edges
    for name in graph:
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")} | {
            t for t in graph[name] if t.startswith(name + ".") and name not in graph.get(t, set())}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            pytest.fail("import cycle: " + " → ".join(cycle))


def test_kinds_do_not_parse_titles_or_notes() -> None:
    """A kind reads another's records and results; a title or note is only ever passed along whole."""
    bad = []
    for name, path in MODULES.items():
        if not name.startswith("solver.kinds"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("title", "note") and isinstance(node.ctx, ast.Load):
                parent = parents.get(node)
                if ast.unparse(node.value) == "problem":  # the problem's own title, not a step's
                    continue
                if node.attr == "title" or isinstance(parent, (ast.Attribute, ast.Subscript, ast.Compare)):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(parent or node)}")
    assert not bad, "titles or notes read by a kind:\n" + "\n".join(bad)


def test_no_module_is_over_500_lines() -> None:
    sizes = {path.relative_to(ROOT): len(path.read_text(encoding="utf-8").splitlines()) for path in MODULES.values()}
    assert not {p: n for p, n in sizes.items() if n > MAX_LINES}


def test_the_rules_see_the_package() -> None:
    """The checks above are only as good as the module list: it must find the kinds, engine and renderers."""
    assert {"solver.kinds.graph", "solver.engine.graph", "solver.render.text", "solver.trace"} <= set(MODULES)
    assert any(imported == "solver.trace" for imported, _, _ in _imports("solver.kinds.graph", MODULES["solver.kinds.graph"]))


def test_one_table_of_function_names() -> None:
    """The functions the engine implements are the ones the printers know (solver.formula.FUNCTION_NAMES)."""
    from solver.engine import graph, ops
    from solver.formula import FUNCTION_NAMES

    assert set(ops.FUNCTIONS) | set(graph.CONVOLUTIONS) | {"max"} == set(FUNCTION_NAMES)
