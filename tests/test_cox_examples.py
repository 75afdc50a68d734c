"""The docstring examples of the Cox functions run and give what they show."""

import doctest

from spasm_analysis.coxph import models


def test_docstring_examples():
    result = doctest.testmod(models, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
