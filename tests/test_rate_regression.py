"""Per-subject Poisson and negative binomial rate models against R glm and MASS::glm.nb.

Reference: tests/reference/make_rate_regression_reference.R (inputs from
make_rate_regression_inputs.py); the Dask path against the pandas path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa

REF = Path(__file__).parent / "reference"
ROWS = pd.read_csv(REF / "data" / "rate_regression_rows.csv")
R = pd.read_csv(REF / "rate_regression_r.csv", comment="#")


@pytest.mark.parametrize("family", ["poisson", "negative-binomial"])
def test_matches_r(family):
    fit = sa.rate_regression(ROWS, ["arm", "x"], family=family)
    want = R[R["family"] == family].set_index("term")
    np.testing.assert_allclose(fit.params[want.index], want["coef"], rtol=1e-6)
    np.testing.assert_allclose(fit.std_errors[want.index], want["se"], rtol=1e-6)
    np.testing.assert_allclose(fit.loglik, want["loglik"].iloc[0], rtol=1e-8)
    if family == "negative-binomial":
        np.testing.assert_allclose(fit.theta, want["theta"].iloc[0], rtol=1e-6)
    else:
        assert fit.theta is None
    assert fit.n_subjects == ROWS["subject"].nunique()
    assert fit.n_events == ROWS["event"].sum()
    assert list(fit.summary.columns) == ["coef", "se", "z", "p", "rate_ratio", "ci_lower", "ci_upper"]
    assert "associations" in fit.interpretation


def test_dask_path_matches_pandas():
    dd = pytest.importorskip("dask.dataframe")
    import dask

    ddf = dd.from_pandas(ROWS.sample(frac=1.0, random_state=2), npartitions=3)
    with dask.config.set(scheduler="sync"):
        for family in ("poisson", "negative-binomial"):
            got = sa.rate_regression(ddf, ["arm", "x"], family=family)
            want = sa.rate_regression(ROWS, ["arm", "x"], family=family)
            np.testing.assert_allclose(got.params, want.params, rtol=1e-9)
            np.testing.assert_allclose(got.std_errors, want.std_errors, rtol=1e-9)
            assert got.n_subjects == want.n_subjects


def test_errors():
    with pytest.raises(ValueError, match="family='gamma' is not valid"):
        sa.rate_regression(ROWS, ["arm"], family="gamma")
    varying = ROWS.assign(x=np.arange(len(ROWS), dtype=float))
    with pytest.raises(ValueError, match="changes within subject"):
        sa.rate_regression(varying, ["x"])
    with pytest.raises(ValueError, match="no episodes"):
        sa.rate_regression(ROWS.assign(event=0), ["arm"])
