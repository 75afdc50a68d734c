"""Tests for spasm_analysis.nonparametric.gaps (gap times and episode durations).

Kaplan-Meier references: tests/reference/gaps_bladder2_*.csv from
tests/reference/make_mcf_reference.R (R 4.2.2, survival 3.5.3).
"""

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa

REF = Path(__file__).parent / "reference"


def bladder2():
    return pd.read_csv(REF / "data" / "bladder2.csv", comment="#").rename(columns={"id": "subject"})


def small_log():
    episodes = pd.DataFrame(
        {
            "subject": ["a", "a", "b"],
            "onset": pd.to_datetime(["2020-01-05", "2020-02-01", "2020-01-20"]),
            "end": pd.to_datetime(["2020-01-07", "2020-02-03", pd.NaT]),
        }
    )
    follow_up = pd.DataFrame(
        {"subject": ["a", "b"], "start": pd.to_datetime(["2020-01-01"] * 2),
         "end": pd.to_datetime(["2020-03-01"] * 2)}
    )
    return sa.EpisodeLog(episodes, follow_up=follow_up)


def test_gap_table_of_bladder2_is_one_row_per_interval():
    data = bladder2()
    table = sa.gap_times(data).table
    assert list(table.columns) == ["subject", "episode", "gap_days", "censored"]
    expected = data.sort_values(["subject", "start"])
    np.testing.assert_array_equal(table["subject"], expected["subject"])
    # the derived episode order equals bladder2's own enum
    np.testing.assert_array_equal(table["episode"], expected["enum"])
    np.testing.assert_allclose(table["gap_days"], expected["stop"] - expected["start"])
    np.testing.assert_array_equal(table["censored"], expected["event"] == 0)


def test_kaplan_meier_by_order_matches_survfit():
    result = sa.gap_times(bladder2())
    curves = pd.read_csv(REF / "gaps_bladder2_survfit.csv", comment="#")
    medians = pd.read_csv(REF / "gaps_bladder2_median.csv", comment="#")
    assert list(result.km) == list(medians["episode"])
    for order, fitter in result.km.items():
        ref = curves[curves["episode"] == order]
        surv = fitter.survival_function_at_times(ref["time"]).to_numpy()
        np.testing.assert_allclose(surv, ref["surv"], rtol=1e-10)
    summary = result.summary.set_index("episode")
    expected = medians.set_index("episode")
    np.testing.assert_array_equal(summary["n_gaps"], expected["n"])
    np.testing.assert_array_equal(summary["n_onsets"], expected["events"])
    np.testing.assert_allclose(summary["median_days"], expected["median"])
    assert (summary["median_ci_lower"] <= summary["median_days"]).all()
    assert (summary["median_days"] <= summary["median_ci_upper"]).all()


def test_episode_column_is_used_when_present():
    data = bladder2().assign(episode=lambda d: d["enum"] + 10)
    assert sa.gap_times(data).table["episode"].min() == 11


def test_max_order_pools_later_gaps():
    data = bladder2()
    result = sa.gap_times(data, max_order=3)
    assert list(result.km) == [1, 2, "3+"]
    pooled = result.summary.set_index("episode").loc["3+"]
    assert pooled["n_gaps"] == int((data["enum"] >= 3).sum())
    with pytest.raises(ValueError, match="max_order"):
        sa.gap_times(data, max_order=0)


def test_episode_log_gaps_follow_the_risk_free_window():
    log = small_log()
    with pytest.raises(ValueError, match="assume_duration_days"):
        sa.gap_times(log)
    table = sa.gap_times(log, risk_free_days=2, assume_duration_days=3).table
    # a: at risk Jan 1-5 (4 d), Jan 9 - Feb 1 (23 d), Feb 5 - Mar 1 (25 d, censored)
    # b: Jan 1-20 (19 d), Jan 25 - Mar 1 (36 d, censored)
    np.testing.assert_allclose(table["gap_days"], [4, 23, 25, 19, 36])
    np.testing.assert_array_equal(table["censored"], [False, False, True, False, True])
    with pytest.raises(ValueError, match="already built"):
        sa.gap_times(bladder2(), risk_free_days=2)


def test_median_not_reached_is_nan_with_a_flag():
    data = pd.DataFrame({"subject": ["a", "b", "c"], "start": [0.0] * 3,
                         "stop": [5.0, 9.0, 9.0], "event": [1, 0, 0]})
    summary = sa.gap_times(data).summary
    assert np.isnan(summary["median_days"].iloc[0]) and not summary["median_reached"].iloc[0]


def test_gap_result_plots_and_displays():
    import matplotlib.pyplot as plt

    result = sa.gap_times(bladder2())
    fig, ax = plt.subplots()
    assert result.plot(ax=ax) is ax
    assert len(ax.get_lines()) == 4
    plt.close(fig)
    assert "Gap times" in result._repr_html_()


def episodes_frame():
    return pd.DataFrame(
        {
            "subject": ["p"] * 6,
            "onset": pd.to_datetime(["2019-02-01", "2019-06-01", "2019-11-20", "2020-03-01",
                                     "2020-08-01", "2020-12-01"]),
            "end": pd.to_datetime(["2019-02-03", "2019-06-11", "2019-11-24", "2020-03-02T12:00",
                                   pd.NaT, "2020-12-09"], format="ISO8601"),
        }
    )


def test_durations_overall_and_per_year():
    result = sa.episode_durations(episodes_frame())
    np.testing.assert_allclose(result.table["duration_days"], [2, 10, 4, 1.5, np.nan, 8])
    known = np.array([2, 10, 4, 1.5, 8])
    summary = result.summary.iloc[0]
    q1, median, q3 = np.quantile(known, [0.25, 0.5, 0.75])
    assert (summary["q1_days"], summary["median_days"], summary["q3_days"]) == (2.0, 4.0, 8.0)
    assert (q1, median, q3) == (2.0, 4.0, 8.0)
    assert summary["iqr_days"] == 6.0
    assert summary["n_unknown_end"] == 1 and summary["n_known_end"] == 5
    assert summary["n_long"] == 2  # 10 and 8 days exceed a week
    assert "no known end" in result.notes[0]
    by_year = result.by_year.set_index("year")
    assert list(by_year.index) == [2019, 2020]
    assert by_year.loc[2019, "median_days"] == 4.0
    assert by_year.loc[2020, "median_days"] == pytest.approx(4.75)
    assert by_year.loc[2020, "n_unknown_end"] == 1


def test_durations_from_an_episode_log():
    log = small_log()
    result = sa.episode_durations(log)
    np.testing.assert_allclose(result.table["duration_days"], [2, 2, np.nan])
    assert result.summary["median_days"].iloc[0] == 2.0


def test_duration_errors_are_named():
    bad = episodes_frame()
    bad.loc[2, "end"] = pd.Timestamp("2019-11-01")
    with pytest.raises(ValueError, match=r"ending before their onset in row\(s\) 2"):
        sa.episode_durations(bad)
    with pytest.raises(ValueError, match="need column"):
        sa.episode_durations(episodes_frame().drop(columns="end"))
    with pytest.raises(ValueError, match="must hold dates"):
        sa.episode_durations(episodes_frame().assign(end="soon"))
    with pytest.raises(TypeError):
        sa.episode_durations([1, 2, 3])


def test_durations_plot_and_display():
    import matplotlib.pyplot as plt

    result = sa.episode_durations(episodes_frame())
    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert result.plot(ax=ax) is ax
    plt.close(fig)
    assert "Episode durations" in result._repr_html_()
