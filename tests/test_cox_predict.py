"""Predicted cumulative hazard compared with R's survfit(fit, newdata) (survival 3.5-3).

Reference: tests/reference/make_cox_diagnostics_reference.R (cox_predictions.csv):
bladder2 Andersen-Gill with a cluster (R adds d'Vd with the robust variance),
without a cluster, with Breslow ties, and cgd with a formula and text
columns in newdata. Tolerance 1e-6 relative (observed ~1e-14).
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from cox_reference import diagnostics, load_cgd_text, load_data

RTOL = 1e-6
BLADDER2 = load_data("bladder2")
CASES = {
    "bladder2_ag": (lambda: sa.cox(BLADDER2, "rx + number + size"),
                    pd.DataFrame({"rx": [1, 2], "number": [1, 3], "size": [1, 2]})),
    "bladder2_ag_naive": (lambda: sa.cox(BLADDER2, ["rx", "number", "size"], cluster=None),
                          pd.DataFrame({"rx": [2], "number": [2], "size": [1]})),
    "bladder2_breslow": (lambda: sa.cox(BLADDER2, "rx + number + size", ties="breslow"),
                         pd.DataFrame({"rx": [1], "number": [4], "size": [3]})),
    "cgd_formula": (lambda: sa.cox(load_cgd_text(), "treat + inherit + age + hos_cat + treat:age"),
                    pd.DataFrame({"treat": ["placebo", "rIFN-g"],
                                  "inherit": ["X-linked", "autosomal"], "age": [10, 25],
                                  "hos_cat": ["US:NIH", "Europe:other"]})),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_predicted_cumulative_hazard_matches_survfit(case):
    make, newdata = CASES[case]
    fit, ref = make(), diagnostics("predictions", case)
    for k in range(len(newdata)):
        expected = ref[ref["profile"] == k]
        out = fit.predict_cumulative_hazard(newdata.iloc[[k]], times=expected["time"])
        for column in ("cumhaz", "std_error", "ci_lower", "ci_upper"):
            np.testing.assert_allclose(out[column], expected[column], rtol=RTOL, atol=1e-300,
                                       err_msg=f"{case} profile {k} {column}")


def test_default_times_are_the_event_times_and_profiles_are_labelled():
    make, newdata = CASES["bladder2_ag"]
    out = make().predict_cumulative_hazard(newdata)
    assert list(out.columns) == ["profile", "time", "cumhaz", "std_error", "ci_lower", "ci_upper"]
    events = np.unique(BLADDER2.loc[BLADDER2["event"] == 1, "stop"])
    np.testing.assert_array_equal(out.loc[out["profile"] == 0, "time"], events)
    assert (np.diff(out.loc[out["profile"] == 1, "cumhaz"]) > 0).all()


def test_stratified_prediction_needs_the_stratum():
    fit = sa.pwp(BLADDER2, ["rx", "number", "size"])
    with pytest.raises(ValueError, match="strata column"):
        fit.predict_cumulative_hazard(pd.DataFrame({"rx": [1], "number": [1], "size": [1]}))
    curve = fit.predict_cumulative_hazard(
        pd.DataFrame({"rx": [1], "number": [1], "size": [1], "episode": [2]}))
    second = BLADDER2[(BLADDER2["episode"] == 2) & (BLADDER2["event"] == 1)]
    np.testing.assert_array_equal(curve["time"], np.unique(second["stop"]))


def test_bad_newdata_is_reported():
    fit = CASES["cgd_formula"][0]()
    with pytest.raises(ValueError, match="lacks the covariate column"):
        fit.predict_cumulative_hazard(pd.DataFrame({"treat": ["placebo"]}))
    bad = CASES["cgd_formula"][1].assign(hos_cat=["Mars", "US:NIH"])
    with pytest.raises(ValueError, match="cannot code newdata"):
        fit.predict_cumulative_hazard(bad)


def test_prediction_plot_beside_the_mcf():
    make, newdata = CASES["bladder2_ag"]
    ax = sa.plot_mcf(sa.mcf(BLADDER2))
    make().plot_cumulative_hazard(newdata, ax=ax)
    assert sum("Cox model" in line.get_label() for line in ax.get_lines()) == 2
