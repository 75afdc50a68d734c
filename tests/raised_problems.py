"""The LogValidationError a call raises, with the readers' warnings silenced (shared by tests)."""

from __future__ import annotations

import warnings

import pytest

import spasm_analysis as sa


def raised_problems(call) -> sa.LogValidationError:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(sa.LogValidationError) as caught:
            call()
    return caught.value
