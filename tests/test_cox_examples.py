"""The docstring examples of the Cox functions run and give what they show."""

import doctest

import pytest

from spasm_analysis.coxph import formula, models, result


@pytest.mark.parametrize("module", [models, result, formula])
def test_docstring_examples(module):
    outcome = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert outcome.attempted > 0
    assert outcome.failed == 0
