"""Every name of the public API contract (the project's API.md) is exported at top level."""

from __future__ import annotations

import inspect

import pytest

import spasm_analysis as sa

# The contract's names, by the section of the contract that fixes them.
API_NAMES = {
    "loading": ["read_episodes", "read_treatments", "read_log", "EpisodeLog", "LogValidationError"],
    "counting process": ["to_counting_process", "CountingProcess"],
    "estimators": ["mcf", "mcf_test", "cox", "andersen_gill", "pwp", "wlw", "gap_times",
                   "laplace_test", "mil_hdbk_test", "lewis_robinson_test", "crow_amsaa", "rate_ratio",
                   "TestResult", "CoxResult", "MCFResult", "RateRatioResult"],
    "reading and safety": ["red_flags", "clinician_summary"],
    "personal analyses": ["treatment_effect", "TreatmentEffectResult", "change_points", "ChangePointResult",
                          "forecast_next_episode"],
}


@pytest.mark.parametrize("name", sorted({n for names in API_NAMES.values() for n in names}))
def test_contract_name_is_exported(name):
    assert hasattr(sa, name), f"sa.{name} is part of the public API and must be exported"


def test_read_episodes_signature_matches_the_contract():
    parameters = inspect.signature(sa.read_episodes).parameters
    assert parameters["columns"].default is None
    assert parameters["dayfirst"].default is False
    assert parameters["subject"].default is None
    assert all(parameters[n].kind is inspect.Parameter.KEYWORD_ONLY for n in ("columns", "dayfirst", "subject"))


def test_errors_are_value_errors():
    assert issubclass(sa.LogValidationError, ValueError)
