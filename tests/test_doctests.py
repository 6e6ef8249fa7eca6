"""Every module's examples run, imported by its installed name (one module, one test)."""

from __future__ import annotations

import doctest
import importlib
import io

import pytest

from tests.layout import modules

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


#: The modules with examples: one without any would make a test that cannot fail.
WITH_EXAMPLES = [name for name, path in modules() if ">>> " in path.read_text()]


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_examples(name: str) -> None:
    module = importlib.import_module(name)
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, name):
        runner.run(test, out=report.write)
    assert runner.tries > 0, "no example found"
    assert runner.failures == 0, report.getvalue()
