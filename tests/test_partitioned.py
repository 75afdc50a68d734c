"""The Dask path gives the pandas path's numbers (relative 1e-9), on a LocalCluster.

Rows are shuffled and written to Parquet files so that one subject's rows sit
in several partitions, as ``dd.read_parquet`` gives them.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import spasm_analysis as sa  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from scale_cohort import cohort_chunk  # noqa: E402

RTOL = 1e-9


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # threads: the compiled kernels are shared with this process (the last test
        # runs worker processes, which is where pickling would break)
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                           dashboard_address=None)
        client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    data = cohort_chunk(np.random.default_rng(11), 800, 0)
    data["family"] = data["subject"] // 3
    data["site"] = np.where(data["subject"] % 2 == 0, "north", "south")
    # a few non-whole times, so that not every time is a whole day
    data.loc[data.index % 7 == 3, "stop"] -= 0.5
    return data


@pytest.fixture(scope="module")
def parquet_rows(rows, tmp_path_factory, client):
    folder = tmp_path_factory.mktemp("cohort")
    shuffled = rows.sample(frac=1.0, random_state=3).reset_index(drop=True)
    for k in range(5):
        part = shuffled.iloc[k * len(shuffled) // 5:(k + 1) * len(shuffled) // 5]
        part.to_parquet(folder / f"part-{k}.parquet", index=False)
    ddf = dd.read_parquet(str(folder))
    subjects_per_file = [set(pd.read_parquet(f)["subject"]) for f in sorted(folder.iterdir())]
    assert len(set.intersection(*subjects_per_file[:2])) > 0  # subjects do straddle files
    return ddf


def close(a, b, rtol=RTOL):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=rtol, atol=0, equal_nan=True)


@pytest.mark.parametrize("variance", ["lawless-nadeau", "poisson"])
@pytest.mark.parametrize("by", [None, "arm"])
def test_mcf_matches_pandas(rows, parquet_rows, by, variance):
    got = sa.mcf(parquet_rows, by=by, variance=variance, ci_transform="linear")
    want = sa.mcf(rows, by=by, variance=variance, ci_transform="linear")
    for column in ("time", "n_at_risk", "n_events", "mcf", "std_error", "ci_lower", "ci_upper"):
        close(got.table[column], want.table[column])
    assert got.groups == want.groups
    assert got.n_subjects == want.n_subjects
    assert got.follow_up_end == want.follow_up_end


@pytest.mark.parametrize("weights", ["constant", "linear"])
@pytest.mark.parametrize("variance", ["robust", "poisson"])
def test_mcf_test_matches_pandas(rows, parquet_rows, weights, variance):
    got = sa.mcf_test(parquet_rows, by="arm", weights=weights, variance=variance)
    want = sa.mcf_test(rows, by="arm", weights=weights, variance=variance)
    close([got.statistic, got.variance, got.chisq, got.p_value],
          [want.statistic, want.variance, want.chisq, want.p_value])
    assert got.details == want.details


def test_gap_times_match_pandas(rows, parquet_rows):
    got = sa.gap_times(parquet_rows, max_order=4)
    want = sa.gap_times(rows, max_order=4)
    pd.testing.assert_frame_equal(got.summary, want.summary)
    for order, fitter in want.km.items():
        close(got.km[order].survival_function_.to_numpy(), fitter.survival_function_.to_numpy())
        close(got.km[order].confidence_interval_.to_numpy(), fitter.confidence_interval_.to_numpy())
    table = got.table.compute().sort_values(["subject", "episode"]).reset_index(drop=True)
    close(table["gap_days"], want.table.sort_values(["subject", "episode"])["gap_days"])


def _same_fit(got, want):
    close(got.params, want.params)
    close(got.std_errors, want.std_errors)
    if want.robust_std_errors is not None:
        close(got.robust_std_errors, want.robust_std_errors)
        close(got.robust_score_test.statistic, want.robust_score_test.statistic)
    close(got.loglik, want.loglik, rtol=1e-12)
    close(got.loglik_null, want.loglik_null, rtol=1e-12)
    close(got.score_test.statistic, want.score_test.statistic)
    assert (got.n, got.n_events, got.n_clusters) == (want.n, want.n_events, want.n_clusters)
    assert got.iterations == want.iterations


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_andersen_gill_matches_pandas(rows, parquet_rows, ties):
    _same_fit(sa.andersen_gill(parquet_rows, ["arm", "x"], ties=ties),
              sa.andersen_gill(rows, ["arm", "x"], ties=ties))


def test_cox_formula_strata_weights_and_families(rows, parquet_rows):
    ddf = parquet_rows.assign(w=parquet_rows["x"].abs() + 0.5)
    frame = rows.assign(w=rows["x"].abs() + 0.5)
    _same_fit(sa.cox(ddf, "arm + x + arm:x", strata="site", cluster="family", weights="w"),
              sa.cox(frame, "arm + x + arm:x", strata="site", cluster="family", weights="w"))
    _same_fit(sa.cox(ddf, ["x"], cluster=None), sa.cox(frame, ["x"], cluster=None))


@pytest.mark.parametrize("scale", ["total", "gap"])
def test_pwp_matches_pandas(rows, parquet_rows, scale):
    _same_fit(sa.pwp(parquet_rows, ["arm", "x"], scale=scale, cluster="family"),
              sa.pwp(rows, ["arm", "x"], scale=scale, cluster="family"))


def test_wlw_matches_pandas(rows, parquet_rows):
    _same_fit(sa.wlw(parquet_rows, ["arm", "x"], max_episodes=4),
              sa.wlw(rows, ["arm", "x"], max_episodes=4))
    _same_fit(sa.wlw(parquet_rows, ["arm"]), sa.wlw(rows, ["arm"]))


def test_to_counting_process_matches_pandas(client):
    sim = sa.simulate_cohort(n_subjects=200, seed=4)
    log = sim.log
    episodes = dd.from_pandas(log.episodes.sample(frac=1.0, random_state=1), npartitions=3)
    for options in ({}, {"risk_free_days": 3}, {"time_scale": "gap"}):
        got = sa.to_counting_process(episodes, follow_up=log.follow_up,
                                     covariates=log.covariates, **options)
        assert isinstance(got, dd.DataFrame)
        got = got.compute().sort_values(["subject", "start"]).reset_index(drop=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = sa.to_counting_process(log, **options).to_frame()
        want = want.sort_values(["subject", "start"]).reset_index(drop=True)
        want.attrs = {}
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
    rows = sa.to_counting_process(episodes, follow_up=log.follow_up, covariates=log.covariates)
    close(sa.mcf(rows, by="arm").table["std_error"], sa.mcf(log, by="arm").table["std_error"])


def test_zero_length_rows_dropped_with_a_warning(rows, client):
    extra = rows.iloc[[1]].assign(start=rows["stop"].iloc[1] + 1000, stop=rows["stop"].iloc[1] + 1000,
                                  event=0)
    ddf = dd.from_pandas(pd.concat([rows, extra], ignore_index=True), npartitions=3)
    with pytest.warns(UserWarning, match="1 row.*start == stop"):
        got = sa.andersen_gill(ddf, ["arm"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = sa.andersen_gill(pd.concat([rows, extra], ignore_index=True), ["arm"])
    close(got.params, want.params)


def test_clear_errors(rows, client):
    ddf = dd.from_pandas(rows, npartitions=2)
    with pytest.raises(ValueError, match="frailty= is not available on a Dask DataFrame"):
        sa.cox(ddf, ["arm"], frailty="gamma")
    with pytest.raises(ValueError, match="cannot be used on a Dask DataFrame"):
        sa.cox(ddf, "C(site) + x")
    with pytest.raises(sa.LogValidationError, match="'dose'"):
        sa.cox(ddf, ["dose"])
    bad = rows.copy()
    bad.loc[5, "event"] = 3
    with pytest.raises(sa.LogValidationError, match="event must be 0 or 1"):
        sa.andersen_gill(dd.from_pandas(bad, npartitions=2), ["arm"])
    overlapping = pd.concat([rows, rows.iloc[[0]]], ignore_index=True)
    with pytest.raises(sa.LogValidationError, match="overlaps"):
        sa.mcf(dd.from_pandas(overlapping, npartitions=2))
    with pytest.raises(ValueError, match="treatments="):
        sa.to_counting_process(dd.from_pandas(sa.simulate_cohort(n_subjects=5, seed=1).log.episodes,
                                              npartitions=1), treatments="all")


def test_fit_on_a_dask_frame_holds_no_rows(parquet_rows):
    fit = sa.andersen_gill(parquet_rows, ["arm"])
    with pytest.raises(ValueError, match="needs the fitted data"):
        fit.residuals("martingale")
    assert "Dask DataFrame" in " ".join(fit.details["model_notes"])


def test_worker_processes(rows, tmp_path):
    """The same numbers when the partitions are pickled to separate worker processes."""
    ddf = dd.from_pandas(rows.sample(frac=1.0, random_state=5), npartitions=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           memory_limit="1GiB", dashboard_address=None)
    with cluster, distributed.Client(cluster):
        got_mcf = sa.mcf(ddf, by="arm")
        got_fit = sa.andersen_gill(ddf, ["arm", "x"])
    close(got_mcf.table["std_error"], sa.mcf(rows, by="arm").table["std_error"])
    _same_fit(got_fit, sa.andersen_gill(rows, ["arm", "x"]))
