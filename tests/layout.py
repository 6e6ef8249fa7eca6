"""The packages of this checkout as pyproject maps them: folder → ``badbuzz`` name, module by module."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS: dict[str, str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]


def modules() -> Iterator[tuple[str, Path]]:
    """Every module's importable name with its file, in a stable order."""
    for package, folder in sorted(PACKAGE_DIRS.items()):
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join((package, *parts)), path


def python_files() -> list[Path]:
    """Every Python file of ours: the packages, their tests and the benchmarks."""
    folders = [*sorted(set(PACKAGE_DIRS.values())), "tests", "bench"]
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))
