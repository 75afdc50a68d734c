"""Cases from R survival's own test suite, fitted here and compared with R survival 3.5-3.

Each case names the file of R's tests/ it comes from (book1.R-book6.R: the
closed-form examples of Therneau & Grambsch's appendix with Breslow and Efron
ties, with and without case weights and (start, stop] data; counting.R: a data
set split into (start, stop] pieces; doweight.R: case weights on (start, stop]
data; infcox.R: an infinite coefficient; stratatest.R: a doubled data set in
two strata; bladder.R; jasa.R: time-dependent transplant with interactions).
Singular designs (singtest.R) are in test_cox_formula.py, frailty
(fr_kidney.R, fr_rat1.R, frailty.R) in test_cox_frailty_clustered.py.

The reference numbers are written by tests/reference/make_r_survival_tests_reference.R.
Tolerance 1e-6 relative (Cox standard), residuals and curves 1e-6 relative to the
largest value of the vector; observed agreement is ~1e-12 or better.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from cox_reference import REF, load_data

RTOL = 1e-6
REFERENCE = pd.read_csv(REF / "r_survival_tests.csv", comment="#")


def _data(name):
    return pd.read_csv(REF / "data" / f"rtests_{name}.csv", comment="#")


def _test1():
    # R's coxph drops the row with a missing status (na.omit); sa.cox refuses a missing event
    test1 = _data("test1").dropna(subset=["status"])
    return test1.rename(columns={"time": "stop", "status": "event"}).assign(start=0.0)


def _test2():
    return _data("test2")


def _testw1():
    return _data("testw1").rename(columns={"time": "stop", "status": "event"}).assign(start=0.0)


def _testw3():
    return _data("testw3").rename(columns={"begin": "start", "time": "stop", "status": "event"})


def _doubled(frame):
    return pd.concat([frame, frame], ignore_index=True).assign(
        tstrat=np.repeat([1, 2], len(frame)))


def _counting():
    frame = _data("test1b").rename(columns={"status": "event"})
    with warnings.catch_warnings():  # the row with a missing x is dropped, as R does
        warnings.simplefilter("ignore", UserWarning)
        return sa.cox(frame, ["x"], subject="id", cluster="id")


def _bladder_episode2(gap):
    rows = load_data("bladder2")
    rows = rows[rows["episode"] == 2]
    stop = rows["stop"] - rows["start"] if gap else rows["stop"]
    return rows.assign(start=0.0, stop=stop)


def _jasa1():
    return pd.read_csv(REF / "data" / "jasa1.csv", comment="#")


def _infcox():
    frame = _data("test3").rename(columns={"futime": "stop", "fustat": "event"}).assign(start=0.0)
    with pytest.warns(RuntimeWarning, match="monotone likelihood|did not converge"):
        return sa.cox(frame, ["x1", "x2"], cluster=None)


CASES = {
    "book1": (lambda: sa.cox(_test1(), ["x"], ties="breslow", cluster=None), {"x": 0}),
    "book2": (lambda: sa.cox(_test1(), ["x"], cluster=None), {"x": 0}),
    "book3": (lambda: sa.cox(_test2(), ["x"], ties="breslow", cluster=None), {"x": 0}),
    "book4": (lambda: sa.cox(_test2(), ["x"], cluster=None), {"x": 0}),
    "book5": (lambda: sa.cox(_testw1(), ["x"], weights="wt", ties="breslow", cluster=None),
              {"x": 0}),
    "book6": (lambda: sa.cox(_testw1(), ["x"], weights="wt", cluster=None), {"x": 0}),
    "counting": (_counting, {"x": 1}),
    "doweight_breslow": (lambda: sa.cox(_testw3(), ["x"], weights="wt", ties="breslow",
                                        cluster=None), {"x": 1}),
    "doweight_efron": (lambda: sa.cox(_testw3(), ["x"], weights="wt", cluster=None), {"x": 1}),
    "infcox": (_infcox, None),
    "stratatest1": (lambda: sa.cox(_doubled(_test1()), ["x"], strata="tstrat", cluster=None),
                    None),
    "stratatest2": (lambda: sa.cox(_doubled(_test2()), ["x"], strata="tstrat", cluster=None),
                    None),
    "bladder_fita": (lambda: sa.cox(load_data("bladder2"), "rx + size + number", ties="breslow"),
                     {"rx": 2, "size": 1, "number": 3}),
    "bladder_fit2pa": (lambda: sa.cox(_bladder_episode2(False), "rx + size + number",
                                      ties="breslow", cluster=None), None),
    "bladder_fit2pb": (lambda: sa.cox(_bladder_episode2(True), "rx + size + number",
                                      ties="breslow", cluster=None), None),
    "jasa_sfit1": (lambda: sa.cox(_jasa1(), "(age + surgery) * transplant", ties="breslow",
                                  cluster=None), {"age": -5, "surgery": 0, "transplant": 1}),
    "jasa_fit3": (lambda: sa.cox(_jasa1(), ["age"], cluster=None), {"age": 10}),
}


def _expected(case, quantity):
    rows = REFERENCE[(REFERENCE["case"] == case) & (REFERENCE["quantity"] == quantity)]
    return rows["value"].to_numpy()


def _close(actual, expected, what):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=RTOL,
                               atol=RTOL * max(np.abs(expected).max(), 1e-300), err_msg=what)


@pytest.fixture(scope="module")
def fits():
    return {case: make() for case, (make, _) in CASES.items()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_matches_r(fits, case):
    fit = fits[case]
    source = REFERENCE.loc[REFERENCE["case"] == case, "source"].iloc[0]
    assert source.endswith(".R")
    _close(fit.params, _expected(case, "coef"), f"{source} {case} coef")
    _close(fit.std_errors, _expected(case, "se"), f"{source} {case} se")
    if fit.robust_std_errors is not None:
        _close(fit.robust_std_errors, _expected(case, "robust_se"), f"{source} {case} robust se")
    _close([fit.loglik_null, fit.loglik], _expected(case, "loglik"), f"{source} {case} loglik")
    _close([fit.score_test.chisq], _expected(case, "score"), f"{source} {case} score test")
    _close([fit.wald_test.chisq], _expected(case, "wald"), f"{source} {case} Wald test")


@pytest.mark.parametrize("case", sorted(CASES))
def test_residuals_match_r(fits, case):
    fit = fits[case]
    expected = _expected(case, "martingale")
    _close(fit.residuals("martingale")["martingale"], expected, f"{case} martingale")
    schoenfeld = fit.residuals("schoenfeld").drop(columns=["time", "stratum"], errors="ignore")
    _close(schoenfeld.to_numpy().ravel(order="F"), _expected(case, "schoenfeld"),
           f"{case} schoenfeld")


@pytest.mark.parametrize("case", sorted(c for c, (_, profile) in CASES.items() if profile))
def test_predicted_cumulative_hazard_matches_survfit(fits, case):
    profile = CASES[case][1]
    curve = fits[case].predict_cumulative_hazard(pd.DataFrame([profile]))
    np.testing.assert_allclose(curve["time"], _expected(case, "survfit_time"))
    _close(curve["cumhaz"], _expected(case, "survfit_cumhaz"), f"{case} cumhaz")
    _close(curve["std_error"], _expected(case, "survfit_std_err"), f"{case} std.err")


def test_book1_closed_form_loglik():
    """Therneau & Grambsch appendix: with Breslow ties the log partial likelihood of test1 is
    2b - log(3 e^b + 3) - 2 log(e^b + 3), maximised by the fit."""
    fit = sa.cox(_test1(), ["x"], ties="breslow", cluster=None)
    b = float(fit.params["x"])
    r = np.exp(b)
    np.testing.assert_allclose(fit.loglik, 2 * b - np.log(3 * r + 3) - 2 * np.log(r + 3),
                               rtol=1e-12)
    np.testing.assert_allclose(fit.loglik_null, -np.log(6) - 2 * np.log(4), rtol=1e-12)
