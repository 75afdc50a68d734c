"""The docstring examples of the analyses of one person run and give what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import warnings

import pytest

import spasm_analysis.personal as personal

MODULES = sorted(m.name for m in pkgutil.iter_modules(personal.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    module = importlib.import_module(f"spasm_analysis.personal.{name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert outcome.failed == 0
