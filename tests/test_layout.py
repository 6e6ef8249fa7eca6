"""Which part of badbuzz may import which: the rules the README's module table promises."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from tests.layout import PACKAGE_DIRS, ROOT, modules, python_files

#: What each part may import of badbuzz. The runtime (streams) wires the others; nothing
#: below it imports it, and the shared vocabulary imports nothing of ours.
ALLOWED = {
    "badbuzz.vocabulary": ("badbuzz.vocabulary",),
    "badbuzz.detectors": ("badbuzz.vocabulary", "badbuzz.detectors"),
    "badbuzz.alerts": ("badbuzz.vocabulary", "badbuzz.alerts"),
    "badbuzz.streams": ("badbuzz.",),
}
#: The folders' own names, which a stray import would pull in as a second copy of a module.
FOLDER_NAMES = tuple(sorted(set(PACKAGE_DIRS.values())))


def imported(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


@pytest.mark.parametrize(("name", "path"), list(modules()), ids=[name for name, _ in modules()])
def test_imports_run_downward(name: str, path: Path) -> None:
    part = ".".join(name.split(".")[:2])
    ours = [module for module in imported(path) if module.startswith("badbuzz.")]
    assert [module for module in ours if not module.startswith(ALLOWED[part])] == []


@pytest.mark.parametrize("path", python_files(), ids=str)
def test_nothing_imports_a_folder_by_its_bare_name(path: Path) -> None:
    stray = [module for module in imported(path) if module.split(".")[0] in FOLDER_NAMES]
    assert stray == []


def test_every_package_folder_is_installed() -> None:
    """A folder missing from pyproject's packages works in an editable install and is absent from the wheel."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {name for name, path in modules() if path.name == "__init__.py"}
    assert found == listed


def defined_in(path: Path) -> set[str]:
    """The names a module defines at its top level, and its submodules' (a package's)."""
    names = {sub.stem for sub in path.parent.iterdir()} if path.name == "__init__.py" else set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


MODULE_FILES = dict(modules())


@pytest.mark.parametrize("path", python_files(), ids=str)
def test_names_are_imported_from_where_they_are_defined(path: Path) -> None:
    """One concept, one place: no module passes on a name it imported, so each has one address."""
    passed_on = [
        f"{alias.name} from {node.module}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module in MODULE_FILES
        for alias in node.names
        if alias.name not in defined_in(MODULE_FILES[node.module])
    ]
    assert passed_on == []
