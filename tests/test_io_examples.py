"""The examples in the loaders' docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = [
    "spasm_analysis.io.dates",
    "spasm_analysis.io.durations",
    "spasm_analysis.io.columns",
    "spasm_analysis.io.tables",
    "spasm_analysis.io.folder",
    "spasm_analysis.io.ics",
    "spasm_analysis.vocabulary",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
