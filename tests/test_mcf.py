"""Tests for spasm_analysis.nonparametric.mcf against R survival's survfit.

Reference tables: tests/reference/mcf_*_survfit.csv, produced by
tests/reference/make_mcf_reference.R (R 4.2.2, survival 3.5.3).
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

import spasm_analysis as sa

REF = Path(__file__).parent / "reference"
RTOL = 1e-8  # the MCF and its standard error to 1e-8 relative

DATASETS = {
    "bladder2": ({"id": "subject"}, "rx"),
    "rhdnase": ({"id": "subject", "tstart": "start", "tstop": "stop", "status": "event"}, "trt"),
}


def load(name):
    renames, by = DATASETS[name]
    data = pd.read_csv(REF / "data" / f"{name}.csv", comment="#").rename(columns=renames)
    ref = pd.read_csv(REF / f"mcf_{name}_survfit.csv", comment="#")
    return data, by, ref[ref["n_event"] > 0]


def assert_matches_survfit(table, ref, se_column="std_chaz"):
    assert len(table) == len(ref)
    np.testing.assert_allclose(table["time"], ref["time"], rtol=RTOL)
    np.testing.assert_array_equal(table["n_at_risk"], ref["n_risk"])
    np.testing.assert_array_equal(table["n_events"], ref["n_event"])
    np.testing.assert_allclose(table["mcf"], ref["cumhaz"], rtol=RTOL)
    np.testing.assert_allclose(table["std_error"], ref[se_column], rtol=RTOL)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_all_subjects_match_survfit_with_id(name):
    data, _, ref = load(name)
    result = sa.mcf(data)
    assert "group" not in result.table.columns
    assert_matches_survfit(result.table, ref[ref["group"].isna()])


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_by_group_matches_survfit_with_id(name):
    data, by, ref = load(name)
    result = sa.mcf(data, by=by)
    ref = ref[ref["group"].notna()]
    assert list(result.table.columns) == [
        "group", "time", "n_at_risk", "n_events", "mcf", "std_error", "ci_lower", "ci_upper"
    ]
    assert result.groups == tuple(sorted(data[by].unique()))
    for group in result.groups:
        part = result.table[result.table["group"] == group]
        assert_matches_survfit(part, ref[ref["group"] == group])


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_poisson_variance_matches_survfit_without_id(name):
    data, by, ref = load(name)
    result = sa.mcf(data, by=by, variance="poisson")
    ref = ref[ref["group"].notna()]
    for group in result.groups:
        part = result.table[result.table["group"] == group]
        assert_matches_survfit(part, ref[ref["group"] == group], se_column="std_chaz_no_id")


def test_rhdnase_has_gaps_in_the_risk_set():
    # the reference must exercise subjects leaving and re-entering the risk set
    data, _, _ = load("rhdnase")
    data = data.sort_values(["subject", "start"])
    same = data["subject"].to_numpy()[1:] == data["subject"].to_numpy()[:-1]
    gaps = data["start"].to_numpy()[1:] > data["stop"].to_numpy()[:-1]
    assert (same & gaps).sum() > 50


def brute_force(data):
    """O(subjects x times) Nelson-Aalen and Lawless-Nadeau variance, straight from the formula."""
    times = np.unique(data.loc[data["event"] == 1, "stop"])
    subjects = data["subject"].unique()
    y_i = np.zeros((len(subjects), len(times)))
    dn_i = np.zeros_like(y_i)
    for row, subject in enumerate(subjects):
        own = data[data["subject"] == subject]
        for start, stop, event in own[["start", "stop", "event"]].to_numpy():
            y_i[row] += (start < times) & (times <= stop)
            dn_i[row] += (times == stop) * event
    y, dn = y_i.sum(0), dn_i.sum(0)
    influence = np.cumsum(y_i / y * (dn_i - dn / y), axis=1)
    return times, np.cumsum(dn / y), np.sqrt((influence**2).sum(0)), np.sqrt(np.cumsum(dn / y**2))


def random_rows(seed, n_subjects=40):
    """Subjects with gaps between rows, tied times and late entry."""
    rng = np.random.default_rng(seed)
    rows = []
    for subject in range(n_subjects):
        t = float(rng.integers(0, 5))
        for _ in range(rng.integers(1, 6)):
            stop = t + float(rng.integers(1, 15))
            rows.append((f"s{subject}", t, stop, int(rng.random() < 0.6)))
            t = stop + float(rng.integers(0, 4))
    return pd.DataFrame(rows, columns=["subject", "start", "stop", "event"])


@pytest.mark.parametrize("seed", range(5))
def test_lawless_nadeau_equals_brute_force(seed):
    data = random_rows(seed)
    times, mu, se_ln, se_poisson = brute_force(data)
    table = sa.mcf(data).table
    np.testing.assert_allclose(table["time"], times)
    np.testing.assert_allclose(table["mcf"], mu, rtol=1e-12)
    np.testing.assert_allclose(table["std_error"], se_ln, rtol=1e-10)
    np.testing.assert_allclose(sa.mcf(data, variance="poisson").table["std_error"], se_poisson, rtol=1e-12)


def test_row_order_does_not_matter():
    data = random_rows(11)
    shuffled = data.sample(frac=1.0, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(sa.mcf(data).table, sa.mcf(shuffled).table)


@pytest.mark.parametrize("transform", ["log", "linear"])
def test_confidence_intervals(transform):
    data, by, _ = load("bladder2")
    result = sa.mcf(data, by=by, confidence_level=0.9, ci_transform=transform)
    table = result.table
    z = stats.norm.ppf(0.95)
    mu, se = table["mcf"], table["std_error"]
    if transform == "linear":
        lower, upper = mu - z * se, mu + z * se
    else:
        lower, upper = mu * np.exp(-z * se / mu), mu * np.exp(z * se / mu)
    np.testing.assert_allclose(table["ci_lower"], lower, rtol=1e-12)
    np.testing.assert_allclose(table["ci_upper"], upper, rtol=1e-12)
    assert result.confidence_level == 0.9 and result.ci_transform == transform
    assert not any("90" in column for column in table.columns)


def test_evaluate_is_right_continuous_and_zero_before_first_event():
    data, by, _ = load("bladder2")
    result = sa.mcf(data, by=by)
    part = result.table[result.table["group"] == 1]
    first, second = part["time"].iloc[0], part["time"].iloc[1]
    assert result.evaluate(first - 0.5, group=1) == 0.0
    assert result.evaluate(first - 0.5, group=1, column="ci_upper") == 0.0
    assert result.evaluate(first, group=1) == pytest.approx(part["mcf"].iloc[0])
    between = (first + second) / 2
    assert result.evaluate(between, group=1) == pytest.approx(part["mcf"].iloc[0])
    values = result.evaluate([0.0, second, 1e6], group=1, column="std_error")
    np.testing.assert_allclose(values, [0.0, part["std_error"].iloc[1], part["std_error"].iloc[-1]])
    with pytest.raises(ValueError, match="choose one of the groups 1, 2"):
        result.evaluate(5.0)


def test_subject_counted_once_and_not_in_its_gaps():
    data = pd.DataFrame(
        {"subject": ["a", "a", "a", "b"], "start": [0.0, 5.0, 12.0, 0.0],
         "stop": [5.0, 8.0, 20.0, 20.0], "event": [1, 0, 1, 1]}
    )
    table = sa.mcf(data).table
    # t=5: a (row ending at 5) and b at risk; t=20: a re-entered at 12, b at risk
    np.testing.assert_array_equal(table["n_at_risk"], [2, 2])
    np.testing.assert_allclose(table["mcf"], [0.5, 1.5])
    # influence at t=5: a +1/4, b -1/4; at t=20 both have an onset, adding 0 each
    assert table["std_error"].iloc[1] == pytest.approx(np.sqrt(2 * 0.25**2), rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"variance": "robust"}, "'lawless-nadeau', 'poisson'"),
        ({"ci_transform": "loglog"}, "'log', 'linear'"),
        ({"confidence_level": 95}, "between 0 and 1"),
        ({"by": "arm"}, "by='arm' is not a column"),
    ],
)
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sa.mcf(random_rows(0), **kwargs)


def test_bad_rows_are_named():
    data = random_rows(0)
    bad = data.copy()
    bad.loc[3, "stop"] = bad.loc[3, "start"] - 1
    with pytest.raises(sa.LogValidationError, match=r"row 3, column 'stop', value .*ends before it starts"):
        sa.mcf(bad)
    bad = data.copy()
    bad.loc[4, "event"] = 2
    with pytest.raises(sa.LogValidationError, match=r"row 4, column 'event', value 2: event must be 0 or 1"):
        sa.mcf(bad)
    bad = data.copy()
    bad.loc[5, "start"] = np.nan
    with pytest.raises(sa.LogValidationError, match=r"row 5, column 'start', value nan: start is missing"):
        sa.mcf(bad)
    with pytest.raises(sa.LogValidationError, match="'event' not found"):
        sa.mcf(data.drop(columns="event"))


def test_overlapping_intervals_name_the_subject():
    data = pd.DataFrame(
        {"subject": ["a", "a", "b"], "start": [0.0, 4.0, 0.0], "stop": [5.0, 9.0, 9.0], "event": [1, 0, 0]}
    )
    with pytest.raises(ValueError, match="overlap.*'a'"):
        sa.mcf(data)


def test_group_must_be_constant_within_subject():
    data = random_rows(1)
    data["arm"] = np.arange(len(data)) % 2
    with pytest.raises(ValueError, match="changes within subject"):
        sa.mcf(data, by="arm")


def test_group_without_events_is_reported():
    data = random_rows(2)
    data["arm"] = np.where(data["subject"] == "s0", "none", "rest")
    data.loc[data["subject"] == "s0", "event"] = 0
    result = sa.mcf(data, by="arm")
    assert (result.table["group"] == "none").sum() == 0
    assert result.summary.set_index("group").loc["none", "mcf"] == 0.0
    assert result.evaluate(100.0, group="none") == 0.0
    assert result.notes


def test_result_is_immutable_and_displays():
    data, by, _ = load("bladder2")
    result = sa.mcf(data, by=by)
    with pytest.raises(AttributeError):
        result.variance = "poisson"
    html = result._repr_html_()
    assert "Mean cumulative function" in html and "lawless-nadeau" in html
    summary = result.summary
    assert list(summary["n_subjects"]) == [47, 38]
    assert list(summary["n_events"]) == [
        int(data.loc[data[by] == g, "event"].sum()) for g in (1, 2)
    ]


def test_plot_returns_axes_with_one_curve_per_group():
    import matplotlib.pyplot as plt

    data, by, _ = load("bladder2")
    result = sa.mcf(data, by=by)
    fig, ax = plt.subplots()
    assert result.plot(ax=ax) is ax
    assert len(ax.get_lines()) == 2
    assert len(ax.collections) == 2  # the CI bands
    plt.close(fig)
    ax = sa.mcf(data).plot()
    assert ax.get_ylabel() == "Mean cumulative number of episodes"
    plt.close(ax.figure)


def test_episode_log_input_is_converted():
    counting = pytest.importorskip("spasm_analysis.counting")
    log_module = pytest.importorskip("spasm_analysis.log")
    episodes = pd.DataFrame(
        {
            "subject": ["a", "a", "b"],
            "onset": pd.to_datetime(["2020-01-05", "2020-02-01", "2020-01-20"]),
            "end": pd.to_datetime(["2020-01-07", "2020-02-03", "2020-01-22"]),
        }
    )
    follow_up = pd.DataFrame(
        {"subject": ["a", "b"], "start": pd.to_datetime(["2020-01-01"] * 2),
         "end": pd.to_datetime(["2020-03-01"] * 2)}
    )
    log = log_module.EpisodeLog(episodes, follow_up=follow_up)
    expected = sa.mcf(counting.to_counting_process(log)).table
    pd.testing.assert_frame_equal(sa.mcf(log).table, expected)
    assert expected["n_events"].sum() == 3


@st.composite
def counting_frames(draw):
    """Small frames on an integer time grid: many ties, gaps, late entry, one-row subjects."""
    rows = []
    for subject in range(draw(st.integers(1, 8))):
        t = draw(st.integers(0, 3))
        for _ in range(draw(st.integers(1, 4))):
            stop = t + draw(st.integers(1, 5))
            rows.append((subject, float(t), float(stop), draw(st.integers(0, 1))))
            t = stop + draw(st.integers(0, 2))
    return pd.DataFrame(rows, columns=["subject", "start", "stop", "event"])


@settings(max_examples=80, deadline=None)
@given(counting_frames())
def test_lawless_nadeau_property(data):
    assume(data["event"].sum() > 0)
    times, mu, se_ln, _ = brute_force(data)
    table = sa.mcf(data).table
    np.testing.assert_allclose(table["time"], times)
    np.testing.assert_allclose(table["mcf"], mu, rtol=1e-12)
    # the running-sum variance carries rounding of about 1e-16 x (largest variance so far),
    # visible only where the true variance comes back to ~0; compare variances on that scale
    np.testing.assert_allclose(table["std_error"] ** 2, se_ln**2, rtol=1e-9, atol=1e-13 * max(se_ln**2))
