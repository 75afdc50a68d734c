"""Figures drawn on small logs with known content (Agg backend): what is on the Axes is checked."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import spasm_analysis as sa  # noqa: E402
from spasm_analysis import plotting  # noqa: E402


def _artist(ax, gid):
    found = [a for a in list(ax.collections) + list(ax.patches) + list(ax.images) + list(ax.lines) + list(ax.texts)
             if a.get_gid() == gid]
    assert found, f"no artist with gid {gid!r}"
    return found[0]


def _bars(collection):
    return len(collection.get_paths())


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture()
def personal_log():
    onsets = pd.to_datetime(["2019-02-10", "2019-06-01", "2019-07-20", "2019-11-03", "2020-01-15", "2020-03-02",
                             "2020-05-20", "2020-08-09", "2020-10-11", "2021-01-04", "2021-02-20", "2021-05-05"])
    durations = [3, 5, 2, 9, 4, 3, 6, 2, 3, 4, 5, 3]
    episodes = pd.DataFrame({
        "onset": onsets, "end": onsets + pd.to_timedelta(durations, unit="D"),
        "severity": [4, 6, 3, 8, 5, np.nan, 7, 2, 5, 6, 4, 3],
        "region": ["lower back", "neck", "lower back", "mid back", "lower back", "neck", "lower back", "hip",
                   "lower back", "neck", "lower back", "mid back"],
    })
    episodes.loc[9, "end"] = pd.NaT
    vague = pd.DataFrame({"onset": pd.to_datetime(["2018-03-01", "2017-01-01"]), "onset_precision": ["month", "year"]})
    episodes = pd.concat([vague, episodes], ignore_index=True)
    episodes["onset_precision"] = episodes["onset_precision"].fillna("day")
    follow_up = pd.DataFrame({"start": pd.to_datetime(["2017-01-01", "2019-01-01"]),
                              "end": pd.to_datetime(["2018-06-30", "2021-06-30"])})
    treatments = pd.DataFrame({
        "start": pd.to_datetime(["2019-11-10", "2019-11-17", "2019-11-24", "2020-06-01", "2020-09-01"]),
        "end": pd.to_datetime(["2019-11-10", "2019-11-17", "2019-11-24", "2020-07-15", "2020-09-01"]),
        "modality": ["massage", "massage", "massage", "physiotherapy", "chiropractic"],
    })
    exposures = pd.DataFrame({"time": pd.date_range("2019-01-05", periods=30, freq="17D"),
                              "exposure": ["cold pool", "long sitting"] * 15})
    return sa.EpisodeLog(episodes, follow_up=follow_up, treatments=treatments, exposures=exposures)


@pytest.fixture()
def cohort_log():
    rng = np.random.default_rng(11)
    rows, fu, cov = [], [], []
    start = pd.Timestamp("2020-01-01")
    for i in range(30):
        days = int(rng.integers(100, 700))
        fu.append({"subject": f"s{i:02d}", "start": start, "end": start + pd.Timedelta(days=days)})
        cov.append({"subject": f"s{i:02d}", "arm": i % 2})
        t = 0.0
        while True:
            t += rng.exponential(150 if i % 2 else 90)
            if t + 3 >= days:
                break
            onset = start + pd.Timedelta(days=float(np.floor(t)))
            rows.append({"subject": f"s{i:02d}", "onset": onset, "end": onset + pd.Timedelta(days=3)})
            t = np.floor(t) + 3
    return sa.EpisodeLog(pd.DataFrame(rows), follow_up=pd.DataFrame(fu), covariates=pd.DataFrame(cov))


# ----------------------------------------------------------------- timeline
def test_timeline_draws_each_kind_of_record(personal_log):
    ax = plotting.plot_timeline(personal_log)
    assert _bars(_artist(ax, "episodes")) == 11  # day-precision episodes with a known end
    assert len(_artist(ax, "end-unknown").get_offsets()) == 1
    assert _bars(_artist(ax, "imprecise")) == 2
    assert _bars(_artist(ax, "course:physiotherapy")) == 1
    assert len(_artist(ax, "session:massage").get_offsets()) == 3
    assert len(_artist(ax, "session:chiropractic").get_offsets()) == 1
    assert len(_artist(ax, "exposure:cold pool").get_offsets()) == 15
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Episodes", "chiropractic", "massage", "physiotherapy", "cold pool", "long sitting"]
    lo, hi = ax.get_xlim()
    assert lo < mdates.date2num(pd.Timestamp("2017-01-01")) < hi
    assert lo < mdates.date2num(pd.Timestamp("2021-06-30")) < hi
    assert hi - lo < (pd.Timestamp("2021-06-30") - pd.Timestamp("2017-01-01")).days * 1.05


def test_timeline_bar_lengths_are_durations(personal_log):
    ax = plotting.plot_timeline(personal_log, show_treatments=False, show_exposures=False)
    widths = sorted(np.ptp(p.vertices[:, 0]) for p in _artist(ax, "episodes").get_paths())
    assert widths == sorted([3, 5, 2, 9, 4, 3, 6, 2, 3, 5, 3])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Episodes"]


def test_timeline_year_precision_spans_the_whole_year(personal_log):
    ax = plotting.plot_timeline(personal_log)
    spans = sorted(np.ptp(p.vertices[:, 0]) for p in _artist(ax, "imprecise").get_paths())
    assert spans == [31, 365]  # March 2018, the year 2017


def test_timeline_hatches_the_gap_in_logging(personal_log):
    ax = plotting.plot_timeline(personal_log)
    gaps = _artist(ax, "not-logged").get_paths()
    widths = [np.ptp(p.vertices[:, 0]) for p in gaps]
    assert any(abs(w - (pd.Timestamp("2019-01-01") - pd.Timestamp("2018-06-30")).days) < 1e-9 for w in widths)


def test_timeline_region_colours_and_legend(personal_log):
    ax = plotting.plot_timeline(personal_log, color_by="region")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"lower back", "neck", "mid back", "hip"} <= set(labels)
    colours = _artist(ax, "episodes").get_facecolors()
    assert len({tuple(c) for c in colours}) == 4


def test_timeline_options_are_checked(personal_log, cohort_log):
    with pytest.raises(ValueError, match="color_by=.* is not valid"):
        plotting.plot_timeline(personal_log, color_by="colour")
    with pytest.raises(ValueError, match="choose one with subject="):
        plotting.plot_timeline(cohort_log)
    ax = plotting.plot_timeline(cohort_log, subject="s03")
    assert "s03" in ax.get_title(loc="left")


# ----------------------------------------------------------------- calendar
def test_episode_days_follow_the_end_convention():
    ep = pd.DataFrame({"onset": pd.to_datetime(["2020-01-05", "2020-02-01 10:00"], format="ISO8601"),
                       "end": pd.to_datetime(["2020-01-08", "2020-02-02 08:00"], format="ISO8601"), "severity": [3.0, 5.0]})
    days = plotting.episode_days(ep)
    assert list(days["day"].dt.strftime("%m-%d")) == ["01-05", "01-06", "01-07", "02-01", "02-02"]


def test_calendar_cells(personal_log):
    ax = plotting.plot_calendar(personal_log)
    episodes = _artist(ax, "calendar-episodes").get_array()
    logged = _artist(ax, "calendar-logged").get_array()
    assert episodes.shape == logged.shape == (5, 366)  # 2017..2021
    # 11 known ends: days = sum of durations (none overlap); the open episode covers its onset day
    assert int(np.isfinite(episodes.filled(np.nan)).sum()) == 3 + 5 + 2 + 9 + 4 + 3 + 6 + 2 + 3 + 5 + 3 + 1
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2017", "2018", "2019", "2020", "2021"]
    assert logged[1, 200] == 0 and logged[1, 100] == 1  # 2018: logged until June 30
    assert np.isnan(logged.filled(np.nan)[0, 59]) and logged[3, 59] == 1  # Feb 29 exists only in 2020
    assert "2 onsets known only to the month or year not shown" in ax.get_title(loc="left")
    assert ax.get_xticklabels()[0].get_text() == "Jan"


# ----------------------------------------------------------------- rates and trend
def test_monthly_rates_count_every_onset(personal_log):
    """The monthly rates the plot draws come from sa.monthly_rates: onsets per day at risk."""
    table = sa.monthly_rates(personal_log, assume_duration_days=4, imprecise_onsets="exclude").table
    assert table["events"].sum() == 12
    assert table["period"].iloc[0] == pd.Timestamp("2017-01-01") and len(table) == 54
    fu_days = (pd.Timestamp("2018-06-30") - pd.Timestamp("2017-01-01")).days + (
        pd.Timestamp("2021-06-30") - pd.Timestamp("2019-01-01")).days
    in_episodes = 3 + 5 + 2 + 9 + 4 + 3 + 6 + 2 + 3 + 4 + 5 + 3
    assert table["days_at_risk"].sum() == pytest.approx(fu_days - in_episodes)
    feb = table[table["period"] == pd.Timestamp("2019-02-01")].iloc[0]
    assert feb["events"] == 1 and feb["days_at_risk"] == pytest.approx(28 - 3)
    assert feb["rate_per_year"] == pytest.approx(365.25 / 25)
    # the six months between the two follow-up windows have no time at risk: no rate
    gap = table[(table["period"] >= "2018-07-01") & (table["period"] < "2019-01-01")]
    assert len(gap) == 6 and (gap["days_at_risk"] == 0).all() and gap["rate_per_year"].isna().all()


def test_monthly_rate_plot_draws_the_computed_table(personal_log):
    rates = sa.monthly_rates(personal_log, assume_duration_days=4)
    ax = plotting.plot_monthly_rate(personal_log, exposed="massage", carryover_days=14, assume_duration_days=4,
                                    rates=rates)
    bars = [p for p in ax.patches if p.get_gid() == "monthly-rate"]
    table = rates.table
    shown = table[table["days_at_risk"] >= 5]
    assert len(bars) == len(shown)
    np.testing.assert_allclose([b.get_height() for b in bars], shown["rate_per_year"] / 12, rtol=1e-12)
    rolling = sa.rolling_rates(personal_log, assume_duration_days=4).table
    np.testing.assert_allclose(_artist(ax, "rolling-rate").get_ydata(), rolling["rate_per_year"] / 12, rtol=1e-12)
    rr = sa.rate_ratio(personal_log, exposed="massage", carryover_days=14, assume_duration_days=4)
    text = _artist(ax, "rate-ratio").get_text()
    assert f"{rr.rate_ratio:.2f}" in text and f"{rr.ci_upper:.2f}" in text
    spans = [p for p in ax.patches if p.get_gid() == "exposed"]
    assert len(spans) == 1  # the three weekly sessions + 14 days merge into one period
    assert ax.get_ylabel() == "Onsets per 30 days at risk"
    # without rates= the plot computes the same table
    again = plotting.plot_monthly_rate(personal_log, assume_duration_days=4)
    assert [b.get_height() for b in again.patches if b.get_gid() == "monthly-rate"] == [b.get_height() for b in bars]
    with pytest.raises(ValueError, match="monthly_rates"):
        plotting.plot_monthly_rate(personal_log, assume_duration_days=4, rates=sa.yearly_rates(personal_log, assume_duration_days=4))


def test_cumulative_episodes_and_duane(personal_log):
    fit = sa.crow_amsaa(personal_log)
    ax = plotting.plot_cumulative_episodes(personal_log)
    observed = [line for line in ax.lines if line.get_gid() == "observed"]
    assert sum(line.get_ydata().max() - line.get_ydata().min() for line in observed) == fit.n_events
    assert f"beta = {fit.beta:.2f}" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
    ax = plotting.plot_cumulative_episodes(personal_log, kind="duane")
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    fitted = _artist(ax, "fit")
    x, y = fitted.get_xdata(), fitted.get_ydata()
    slope = np.polyfit(np.log(x), np.log(y), 1)[0]
    assert slope == pytest.approx(fit.beta - 1, abs=1e-9)
    with pytest.raises(ValueError, match="kind=.* is not valid"):
        plotting.plot_cumulative_episodes(personal_log, kind="log")


# ----------------------------------------------------------------- cohort
def test_event_plot_one_line_per_subject(cohort_log):
    ax = plotting.plot_events(cohort_log, by="arm")
    lines = [c for c in ax.collections if c.get_gid() == "follow-up"]
    assert sum(len(c.get_segments()) for c in lines) == 30
    assert len(_artist(ax, "onsets").get_offsets()) == cohort_log.n_episodes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["arm = 0", "arm = 1", "episode onset"]
    longest = cohort_log.describe()["follow_up_days"].max()
    assert ax.get_xlim() == pytest.approx((0, longest * 1.02))
    # sorted by follow-up: the bottom line (y = 0) is the longest
    segments = np.concatenate([c.get_segments() for c in lines])
    bottom = segments[np.argmin(segments[:, 0, 1])]
    assert bottom[1, 0] == pytest.approx(longest)


def test_event_plot_from_counting_frame_and_subsampling(cohort_log):
    cp = sa.to_counting_process(cohort_log).to_frame()
    ax = plotting.plot_events(cp, max_subjects=10)
    lines = [c for c in ax.collections if c.get_gid() == "follow-up"]
    ys = np.unique(np.concatenate([c.get_segments() for c in lines])[:, 0, 1])
    assert len(ys) == 10
    assert "10 of 30 subjects" in ax.get_title(loc="left")


def test_mcf_plot_by_group(cohort_log):
    result = sa.mcf(cohort_log, by="arm")
    ax = plotting.plot_mcf(result)
    steps = [line for line in ax.get_lines() if line.get_label().startswith("arm")]
    assert [s.get_label() for s in steps] == ["arm = 0", "arm = 1"]
    for step, group in zip(steps, (0, 1)):
        assert step.get_ydata().max() == pytest.approx(result.table.loc[result.table["group"] == group, "mcf"].max())
    assert ax.get_xlim()[0] == 0 and ax.get_ylim()[0] == 0
    assert "95%" in ax.get_title(loc="left")


def test_gap_time_curves_by_order(cohort_log):
    result = sa.gap_times(cohort_log, max_order=3)
    ax = plotting.plot_gap_times(result)
    curves = [line for line in ax.get_lines() if line.get_label().startswith("before episode")]
    assert len(curves) == len(result.km)
    assert ax.get_ylim() == (0, 1.02)
    for curve, fitter in zip(curves, result.km.values()):
        assert curve.get_ydata().min() == pytest.approx(fitter.survival_function_.iloc[:, 0].min())


def test_forest_plot_of_cox_and_rate_ratio(cohort_log, personal_log):
    cp = sa.to_counting_process(cohort_log).to_frame()
    ag = sa.andersen_gill(cp, ["arm"])
    rr = sa.rate_ratio(personal_log, exposed="physiotherapy", carryover_days=14, assume_duration_days=4)
    ax = plotting.plot_forest({"Andersen-Gill": ag, "massage": rr})
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Andersen-Gill: arm", "massage"]
    marks = _artist(ax, "estimates").get_offsets()
    assert marks[0, 0] == pytest.approx(float(ag.summary.loc["arm", "exp(coef)"]))
    assert ax.get_xscale() == "log"
    texts = [t.get_text() for t in ax.texts]
    assert f"{rr.rate_ratio:.2f} ({rr.ci_lower:.2f} to {rr.ci_upper:.2f})" in texts


def test_forest_plot_with_infinite_bound_draws_an_arrow():
    table = pd.DataFrame({"label": ["a", "b"], "estimate": [0.0, 1.5], "ci_lower": [0.0, 0.9],
                          "ci_upper": [3.2, np.inf]})
    ax = plotting.plot_forest(table)
    arrows = [c for c in ax.get_children() if type(c).__name__ == "Annotation"]
    assert len(arrows) == 2  # left arrow for a's zero lower bound, right arrow for b's infinite upper bound
    lo, hi = ax.get_xlim()
    assert lo < 1.0 < hi
    with pytest.raises(TypeError, match="cannot draw"):
        plotting.plot_forest(42)
