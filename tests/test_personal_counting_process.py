"""The analyses of one person take a CountingProcess as well as the log it was built from.

Their time at risk is then the CountingProcess's rows (the rows the cohort
estimators use), so a log and its ``sa.to_counting_process`` give the same
answers, risk-free days included; and neither the order of the rows nor the
names of the subjects changes an answer.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import Phase, given, settings, strategies as st

import spasm_analysis as sa
from spasm_analysis.personal.timeline import days_at_risk_until, split_at_risk

ANALYSES = {
    "rate_ratio": lambda d: sa.rate_ratio(d, exposed="physiotherapy", carryover_days=14),
    "rate_ratio_crude": lambda d: sa.rate_ratio(d, exposed="physiotherapy", carryover_days=14, within="all"),
    "risk_windows": lambda d: sa.risk_windows(d, exposed="physiotherapy"),
    "treatment_effect": lambda d: sa.treatment_effect(d, "physiotherapy"),
    "yearly_rates": sa.yearly_rates,
    "monthly_rates": sa.monthly_rates,
    "rolling_rates": sa.rolling_rates,
    "seasonality": sa.seasonality,
    "laplace_test": sa.laplace_test,
    "mil_hdbk_test": sa.mil_hdbk_test,
    "lewis_robinson_test": sa.lewis_robinson_test,
    "crow_amsaa": sa.crow_amsaa,
    "change_points": sa.change_points,
    "trend_summary": sa.trend_summary,
    "before_after": lambda d: sa.before_after(d, start="physiotherapy"),
    "forecast_next_episode": lambda d: sa.forecast_next_episode(d, n_bootstrap=50),
}


@pytest.fixture(scope="module")
def log():
    log, _ = sa.simulate_scenario("step", effect="70% fewer", seed=11)
    return log


def _values(result):
    """Every number, table and sentence of a result, for comparing two results."""
    if dataclasses.is_dataclass(result):
        return {f.name: _values(getattr(result, f.name)) for f in dataclasses.fields(result)
                if not f.name.startswith("_")}
    if isinstance(result, (pd.DataFrame, pd.Series)):
        return result.reset_index(drop=True)
    if isinstance(result, np.ndarray):
        return result.tolist()
    return result


def _assert_same(a, b, path="result"):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            _assert_same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, obj=path)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=False, rtol=1e-12, obj=path)
    elif isinstance(a, float):
        np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=path)
    else:
        assert a == b or (a != a and b != b), path


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_same_result_from_the_log_and_its_counting_process(log, name):
    analysis = ANALYSES[name]
    _assert_same(_values(analysis(log)), _values(analysis(sa.to_counting_process(log))))


def test_risk_free_days_come_from_the_counting_process(log):
    cp = sa.to_counting_process(log, risk_free_days=10)
    for name in ("rate_ratio", "yearly_rates", "change_points", "treatment_effect"):
        analysis = ANALYSES[name]
        options = {"risk_free_days": 10}
        if name == "treatment_effect":
            expected = sa.treatment_effect(log, "physiotherapy", **options)
        elif name == "rate_ratio":
            expected = sa.rate_ratio(log, exposed="physiotherapy", carryover_days=14, **options)
        else:
            expected = getattr(sa, name)(log, **options)
        _assert_same(_values(expected), _values(analysis(cp)), name)
    # the rows are the time at risk: 10 days after every episode are not
    plain = sa.yearly_rates(log).table["days_at_risk"].sum()
    assert sa.yearly_rates(cp).table["days_at_risk"].sum() == pytest.approx(float((cp.stop - cp.start).sum()))
    assert sa.yearly_rates(cp).table["days_at_risk"].sum() < plain


def test_counting_process_that_cannot_be_dated_is_refused(log):
    cp = sa.to_counting_process(log)
    frame_only = sa.CountingProcess.from_frame(cp.to_frame())
    with pytest.raises(ValueError, match="built by sa.to_counting_process.*from a DataFrame"):
        sa.yearly_rates(frame_only)
    with pytest.raises(ValueError, match="'gap' scale"):
        sa.rate_ratio(sa.to_counting_process(log, time_scale="gap"), exposed="physiotherapy")
    with pytest.raises(ValueError, match="fixed when the CountingProcess is built"):
        sa.yearly_rates(cp, risk_free_days=3)
    with pytest.raises(ValueError, match="fixed when the CountingProcess is built"):
        sa.treatment_effect(cp, "physiotherapy", risk_free_days=3)


def _two_people():
    """Two people with different follow-up, sessions of one modality, one episode of unknown length."""
    episodes = pd.DataFrame({
        "subject": ["ann"] * 6 + ["bob"] * 5,
        "onset": pd.to_datetime(["2019-02-10", "2019-06-01", "2019-11-03", "2020-03-02", "2020-08-09", "2021-01-04",
                                 "2019-05-05", "2019-09-09", "2020-01-20", "2020-02-02", "2020-12-12"]),
    })
    episodes["end"] = episodes["onset"] + pd.to_timedelta([3, 5, 9, 3, 2, 4, 2, 6, 3, 4, 8], unit="D")
    follow_up = pd.DataFrame({"subject": ["ann", "bob", "bob"],
                              "start": pd.to_datetime(["2019-01-01", "2019-03-01", "2020-06-01"]),
                              "end": pd.to_datetime(["2021-06-30", "2020-03-31", "2021-03-01"])})
    treatments = pd.DataFrame({"subject": ["ann", "ann", "bob", "bob"],
                               "start": pd.to_datetime(["2019-11-20", "2020-09-01", "2019-10-01", "2020-07-01"]),
                               "end": pd.to_datetime(["2019-12-20", "2020-09-30", "2019-10-15", "2020-07-20"]),
                               "modality": "massage"})
    return episodes, follow_up, treatments


POOLED = {
    "rate_ratio": lambda d: sa.rate_ratio(d, exposed="massage", carryover_days=7),
    "rate_ratio_crude": lambda d: sa.rate_ratio(d, exposed="massage", carryover_days=7, within="all"),
    "yearly_rates": sa.yearly_rates,
    "monthly_rates": sa.monthly_rates,
    "seasonality": sa.seasonality,
    "laplace_test": sa.laplace_test,
    "crow_amsaa": sa.crow_amsaa,
}


def _results(episodes, follow_up, treatments, names=None):
    cp = sa.to_counting_process(sa.EpisodeLog(episodes, follow_up=follow_up, treatments=treatments))
    out = {}
    for name, analysis in POOLED.items():
        values = _values(analysis(cp))
        # per-subject details are listed in subject order, which a relabelling may change
        out[name] = {k: sorted(v) if isinstance(v, list) else v for k, v in values.items()}
        if isinstance(out[name].get("details"), dict):
            out[name]["details"] = {k: sorted(v) if isinstance(v, list) else v for k, v in out[name]["details"].items()}
    return out


@settings(max_examples=5, deadline=None, derandomize=True, phases=(Phase.explicit, Phase.generate))
@given(seed=st.integers(0, 2**32 - 1), names=st.sampled_from([("ann", "bob"), ("zed", "amy"), ("2", "10")]))
def test_permuting_rows_or_relabelling_subjects_changes_no_rate(seed, names):
    episodes, follow_up, treatments = _two_people()
    expected = _results(episodes, follow_up, treatments)
    rng = np.random.default_rng(seed)
    rename = dict(zip(("ann", "bob"), names))
    shuffled = [t.iloc[rng.permutation(len(t))].assign(subject=t["subject"].map(rename)).reset_index(drop=True)
                for t in (episodes, follow_up, treatments)]
    _assert_same(expected, _results(*shuffled))


@settings(max_examples=60, deadline=None, derandomize=True, phases=(Phase.explicit, Phase.generate))
@given(st.lists(st.tuples(st.floats(0, 50), st.floats(0.1, 30)), min_size=1, max_size=6),
       st.lists(st.floats(-5, 400), min_size=2, max_size=8))
def test_one_at_risk_clock_equals_the_overlap_by_hand(pieces, cuts):
    """days_at_risk_until / split_at_risk against clipping every row at every cut."""
    lo, hi, t = [], [], 0.0
    for gap, length in pieces:
        lo.append(t + gap)
        hi.append(t + gap + length)
        t = hi[-1]
    lo, hi = np.array(lo), np.array(hi)
    cuts = np.unique(np.array(cuts))
    if len(cuts) < 2:
        return
    by_hand = np.clip(np.minimum(hi[None, :], cuts[:, None]) - lo[None, :], 0, None).sum(axis=1)
    np.testing.assert_allclose(days_at_risk_until(lo, hi, cuts), by_hand, rtol=1e-12, atol=1e-9)
    event = np.ones(len(lo), dtype=int)
    days, events = split_at_risk(lo, hi, event, cuts)
    np.testing.assert_allclose(days, np.diff(by_hand), rtol=1e-12, atol=1e-9)
    inside = (hi >= cuts[0]) & (hi <= cuts[-1])
    assert events.sum() == inside.sum()


ONE_PERSON = ("rate_ratio", "risk_windows", "treatment_effect", "change_points", "trend_summary",
              "before_after", "forecast_next_episode", "lewis_robinson_test")


@settings(max_examples=2, deadline=None, derandomize=True, phases=(Phase.explicit, Phase.generate))
@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(["zz9", "person 2", "Ω-7"]))
def test_one_person_results_do_not_depend_on_row_order_or_name(log, seed, name):
    rng = np.random.default_rng(seed)
    tables = {t: getattr(log, t) for t in ("episodes", "follow_up", "treatments")}
    moved = {t: f.iloc[rng.permutation(len(f))].assign(subject=name).reset_index(drop=True) for t, f in tables.items()}
    other = sa.to_counting_process(sa.EpisodeLog(moved["episodes"], follow_up=moved["follow_up"],
                                                 treatments=moved["treatments"]))
    same = sa.to_counting_process(log)
    for analysis in ONE_PERSON:
        got = _named_back(_values(ANALYSES[analysis](other)), name, log.subjects[0])
        _assert_same(_values(ANALYSES[analysis](same)), got, analysis)


def _named_back(values, name, original):
    """The subject's name where a result shows it (a table's subject column, a sentence) put back."""
    if isinstance(values, dict):
        return {k: _named_back(v, name, original) for k, v in values.items()}
    if isinstance(values, pd.DataFrame) and "subject" in values.columns:
        return values.assign(subject=values["subject"].replace(name, original))
    if isinstance(values, str):
        return values.replace(name, original)
    return values
