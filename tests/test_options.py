"""Options are checked in one place (spasm_analysis.options) with one message:
the option's name, the value given and the allowed values."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.options import check_confidence_level, check_number, check_option

PACKAGE = Path(sa.__file__).parent


def _one_subject_log():
    episodes = pd.DataFrame({"onset": pd.to_datetime(["2020-01-10", "2020-03-01", "2020-06-15", "2020-09-01"]),
                             "end": pd.to_datetime(["2020-01-12", "2020-03-03", "2020-06-17", "2020-09-04"])})
    follow_up = pd.DataFrame({"subject": ["me"], "start": pd.to_datetime(["2020-01-01"]),
                              "end": pd.to_datetime(["2020-12-31"])})
    return sa.EpisodeLog(episodes.assign(subject="me"), follow_up=follow_up)


LOG = _one_subject_log()
CP = sa.to_counting_process(LOG)

# (call, option name, value given): each must fail with the shared message.
BAD_OPTIONS = [
    (lambda: sa.mcf(CP, variance="exact"), "variance", "'exact'"),
    (lambda: sa.mcf(CP, confidence_level=95), "confidence_level", "95"),
    (lambda: sa.gap_times(CP, confidence_level=0), "confidence_level", "0"),
    (lambda: sa.gap_times(CP, max_order=0), "max_order", "0"),
    (lambda: sa.cox(CP, [], ties="exact"), "ties", "'exact'"),
    (lambda: sa.yearly_rates(LOG, confidence_level=1.5), "confidence_level", "1.5"),
    (lambda: sa.crow_amsaa(np.array([5.0, 40.0, 90.0]), end=100,
                                                              confidence_level=2), "confidence_level", "2"),
    (lambda: sa.rate_ratio(LOG, exposed=pd.DataFrame({"subject": ["me"], "start": pd.to_datetime(["2020-05-01"]),
                                                      "end": pd.to_datetime(["2020-07-01"])}), within="decades"),
     "within", "'decades'"),
    (lambda: sa.forecast_next_episode(LOG, imprecise_onsets="guess"), "imprecise_onsets", "'guess'"),
    (lambda: sa.forecast_next_episode(LOG, confidence_level=-1), "confidence_level", "-1"),
    (lambda: sa.change_points(LOG, alpha=1), "alpha", "1"),
    (lambda: sa.change_points(LOG, null="gaussian"), "null", "'gaussian'"),
    (lambda: sa.place_onsets(LOG, "somewhere"), "how", "'somewhere'"),
    (lambda: sa.simulate_personal_log(seed=1, episode_days_distribution="gamma"), "episode_days_distribution", "'gamma'"),
    (lambda: sa.simulate_personal_log(seed=1, rate_per_year=-2), "rate_per_year", "-2"),
    (lambda: sa.simulate_scenario("unknown", seed=1), "scenario", "'unknown'"),
    (lambda: sa.forecast_next_episode(LOG, n_bootstrap=-1), "n_bootstrap", "-1"),
    (lambda: sa.rolling_rates(LOG, window_months=0), "window_months", "0"),
    (lambda: sa.red_flags(LOG, min_days=-1), "min_days", "-1"),
    (lambda: sa.gap_times(CP, max_order=1.5), "max_order", "1.5"),
    (lambda: sa.episode_durations(LOG, long_episode_days=0), "long_episode_days", "0"),
]


@pytest.mark.parametrize("call, name, shown", BAD_OPTIONS, ids=[f"{n}={v}" for _, n, v in BAD_OPTIONS])
def test_a_bad_option_is_named_with_its_value_and_the_allowed_values(call, name, shown):
    with pytest.raises(ValueError) as caught:
        call()
    assert re.match(rf"{re.escape(name)}={re.escape(shown)} is not valid; allowed values: \S", str(caught.value)), str(caught.value)


def test_the_checkers():
    assert check_confidence_level(0.9) == 0.9
    assert check_number("n", None, none=True) is None and check_number("n", 3, at_least=0, whole=True) == 3
    with pytest.raises(ValueError, match=r"^n=2\.5 is not valid; allowed values: a whole number >= 0$"):
        check_number("n", 2.5, at_least=0, whole=True)
    with pytest.raises(ValueError, match=r"^p=nan is not valid; allowed values: None or a number > 0 and < 1$"):
        check_number("p", float("nan"), above=0, below=1, none=True)
    with pytest.raises(ValueError, match=r"^level=True is not valid"):
        check_confidence_level(True, name="level")
    with pytest.raises(ValueError, match=r"^kind='x' is not valid; allowed values: 'a', None$"):
        check_option("kind", "x", ("a", None))


def test_no_other_copy_of_the_checks():
    """No module of the package writes its own option messages."""
    copies = re.compile(r"raise ValueError\(f?\"[^\"]*must be one of|is not supported; choose|must be between 0 and 1|def check_level|def _check_choice")
    found = [f"{p.relative_to(PACKAGE)}:{n}"
             for p in sorted(PACKAGE.rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if copies.search(line)]
    assert found == []
