"""The architecture, read from the imports: each layer imports only the layers before it, there is
no import cycle, the sandbox's guest side imports nothing of the grader, the answer key nothing of
the grader, and no package imports the build tools."""
from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

import pytest

import cnn_reference
from autograder.assignment.cases.hidden import hidden_cases
from autograder.assignment.cases.seeded import seeded_cases
from autograder.assignment.exercises import EXERCISES, FUNCTIONS

REPOSITORY = Path(__file__).resolve().parents[1]
# Along the way a submission travels; a module may import its own layer and the ones before it.
LAYERS = ("autograder", "autograder.errors", "autograder.nbgrader_env", "autograder.local_files",
          "autograder.assignment", "autograder.sandbox.guest",
          "autograder.sandbox", "autograder.checking", "autograder.results", "autograder.grading",
          "autograder.service",
          "autograder.cli", "autograder.notebook", "autograder.__main__")
GUEST_MAY_IMPORT = {"numpy", "matplotlib"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPOSITORY).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module `path` imports (at any depth of its code), relative imports resolved."""
    package = _module_name(path).split(".") if path.name == "__init__.py" else _module_name(path).split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else [])) \
                if node.level else node.module
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def _modules(package: str) -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in sorted((REPOSITORY / package).rglob("*.py"))}


def _layer(module: str) -> int:
    matches = [n for n, prefix in enumerate(LAYERS) if module == prefix or module.startswith(prefix + ".")]
    assert matches, f"{module} belongs to no layer: add it to LAYERS"
    return max(matches)


def _known(name: str, modules: dict[str, set[str]]) -> str | None:
    """The module of ours that `name` (a module or a name imported from one) refers to."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def test_no_import_runs_back_up_a_layer() -> None:
    modules = _modules("autograder")
    # The package itself is the public facade: it re-exports the top (lazily, on first use).
    upward = [(module, target) for module, imports in modules.items() if module != "autograder" for name in imports
              if (target := _known(name, modules)) and _layer(target) > _layer(module)]
    assert upward == []


def test_no_import_cycle() -> None:
    modules = _modules("autograder")
    graph = {m: {t for name in imports if (t := _known(name, modules)) and t != m} for m, imports in modules.items()}
    # A package's __init__ importing its own modules is how packages work, not a cycle of design.
    graph = {m: {t for t in targets if not m.startswith(t + ".")} for m, targets in graph.items()}
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            assert state.get(target) != 1, f"import cycle: {' -> '.join([*path, module, target])}"
            if target not in state:
                visit(target, [*path, module])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_the_guest_side_imports_only_the_stdlib_numpy_and_itself() -> None:
    for module, imports in _modules("autograder/sandbox/guest").items():
        foreign = {name for name in imports if not name.startswith("autograder.sandbox.guest")
                   and name.split(".")[0] not in sys.stdlib_module_names | GUEST_MAY_IMPORT}
        assert foreign == set(), module


@pytest.mark.parametrize("package", ["cnn_reference", "autograder"])
def test_packages_import_neither_the_grader_above_them_nor_the_build_tools(package: str) -> None:
    for module, imports in _modules(package).items():
        assert not {n for n in imports if n.split(".")[0] == "tools"}, module
        if package == "cnn_reference":
            assert not {n for n in imports if n.split(".")[0] == "autograder"}, module


@pytest.mark.parametrize("exercise", FUNCTIONS)
def test_each_function_exercise_record_matches_the_answer_key_and_has_cases(exercise: str) -> None:
    spec = EXERCISES[exercise]
    assert tuple(inspect.signature(getattr(cnn_reference.loops, exercise)).parameters) == spec.args
    assert exercise in cnn_reference.FUNCTIONS
    assert seeded_cases(exercise) and hidden_cases(exercise, 1)
    assert len(spec.printed_as) == len(spec.returns) and set(spec.cache) <= set(spec.args)
