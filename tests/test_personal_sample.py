"""The personal analyses on the bundled sample log (data/sample/personal, drawn with known truth).

data/sample/personal/truth.json gives the parameters the log was drawn from: physiotherapy
courses halve the rate, a cold pool within 2 days triples it, long sitting doubles it.
Each test checks the analysis runs end to end on the messy spreadsheet-style files and
that its interval is compatible with the truth where the analysis estimates it.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import spasm_analysis as sa

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "personal"
pytestmark = pytest.mark.skipif(not (SAMPLE / "truth.json").exists(), reason="sample personal log not present")


@pytest.fixture(scope="module")
def log():
    return sa.read_log(SAMPLE)


@pytest.fixture(scope="module")
def truth():
    return json.loads((SAMPLE / "truth.json").read_text())


def test_trend_tests_and_power_law(log):
    precision = log.episodes["onset_precision"].value_counts()
    assert precision.get("month", 0) + precision.get("year", 0) > 0  # the early years are vague
    result = sa.laplace_test(log)
    assert "mid-month" in result.details["notes"]
    assert 0 < result.details["n_events"] <= log.n_episodes
    fit = sa.crow_amsaa(log)
    assert fit.ci_lower < fit.beta < fit.ci_upper
    table = sa.imprecise_onset_sensitivity(sa.laplace_test, log)
    assert table["statistic"].notna().all() and len(table) == 2


def test_treatment_rate_ratio_compatible_with_truth(log, truth):
    r = sa.rate_ratio(log, exposed=truth["settings"]["treatment_modality"])
    assert r.ci_lower <= truth["settings"]["treatment_rate_ratio"] <= r.ci_upper
    assert np.isfinite(r.ci_upper)
    assert r.time_exposed > 0 and r.events_exposed + r.events_unexposed > 0


@pytest.mark.parametrize("trigger", ["cold_pool", "long_sitting"])
def test_case_crossover_compatible_with_truth(log, truth, trigger):
    r = sa.case_crossover(log, exposure=trigger, hazard_days=truth["settings"]["trigger_window_days"])
    assert r.ci_lower < truth["settings"]["trigger_rate_ratios"][trigger] < r.ci_upper
    assert "2019-01-01" in r.notes  # exposures were only logged from 2019


def test_other_analyses_run_with_plain_language(log):
    results = [
        sa.yearly_rates(log), sa.rolling_rates(log), sa.seasonality(log),
        sa.risk_windows(log, exposed="chiropractic"),
        sa.before_after(log, start="physiotherapy"),
        sa.forecast_next_episode(log, n_bootstrap=100),
        sa.clinician_summary(log),
        sa.duration_trend(log),
    ]
    for r in results:
        text = r.interpretation.lower()
        assert text and "you should" not in text and "recommend" not in text
    yearly = results[0].table
    from spasm_analysis.personal.timeline import timeline

    assert yearly["events"].sum() == timeline(log, at_risk=True).at_risk["event"].sum()
    assert results[6].table["episodes"].iloc[-1] > 0  # baseline row
