"""Input validation for the Cox models: every problem names its column (and row)."""

import warnings

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from cox_reference import COVARIATES, load_data


@pytest.fixture
def data():
    return load_data("bladder2")


def test_missing_covariate_is_named(data):
    with pytest.raises(ValueError, match="'dose'.*not found"):
        sa.cox(data, ["rx", "dose"])


def test_missing_cluster_column_is_named(data):
    with pytest.raises(ValueError, match="'patient'.*not found"):
        sa.cox(data, ["rx"], cluster="patient")


def _aliased_fit(fit_function, data, covariates, **options):
    with pytest.warns(RuntimeWarning, match="aliased") as record:
        fit = fit_function(data, covariates, **options)
    return fit, str(record[0].message)


def test_constant_covariate_is_aliased_and_the_rest_estimated(data):
    fit, message = _aliased_fit(sa.cox, data.assign(one=1.0), ["rx", "one"])
    assert "'one'" in message and np.isnan(fit.params["one"]) and np.isnan(fit.std_errors["one"])
    alone = sa.cox(data, ["rx"])
    np.testing.assert_allclose(fit.params["rx"], alone.params["rx"], rtol=1e-12)
    assert fit.wald_test.df == 1


def test_collinear_covariate_is_aliased(data):
    fit, message = _aliased_fit(sa.cox, data.assign(total=data["number"] + 2 * data["size"]),
                                ["number", "size", "total"])
    assert "'total'" in message and np.isnan(fit.params["total"])
    assert np.isfinite(fit.params[["number", "size"]]).all()


def test_covariate_constant_within_strata_is_aliased(data):
    fit, message = _aliased_fit(sa.pwp, data.assign(ep=data["episode"] * 2.0), ["rx", "ep"])
    assert "'ep'" in message and np.isnan(fit.params["ep"])


def test_rows_with_missing_covariate_values_are_dropped_with_a_warning(data):
    data.loc[[3, 7], "size"] = np.nan
    with pytest.warns(UserWarning, match=r"2 row\(s\) with a missing covariate.*\[3, 7\]"):
        fit = sa.cox(data, ["rx", "size"])
    assert fit.n == len(data) - 2
    reduced = sa.cox(data.drop(index=[3, 7]), ["rx", "size"])
    np.testing.assert_allclose(fit.params, reduced.params, rtol=1e-12)


def test_text_covariate_is_treatment_coded(data):
    arm = np.where(data["rx"] == 1, "placebo", "thiotepa")
    fit = sa.cox(data.assign(arm=arm), ["arm"])
    reference = sa.cox(data.assign(thiotepa=(arm == "thiotepa").astype(float)), ["thiotepa"])
    assert list(fit.params.index) == ["arm[T.thiotepa]"]
    np.testing.assert_allclose(fit.params.to_numpy(), reference.params.to_numpy(), rtol=1e-12)


def test_bad_interval_names_row(data):
    data.loc[5, "stop"] = data.loc[5, "start"] - 1
    with pytest.raises(sa.LogValidationError, match="row 5, column 'stop'.*ends before it starts"):
        sa.cox(data, ["rx"])


def test_zero_length_row_is_dropped_with_a_warning(data):
    data.loc[5, "stop"] = data.loc[5, "start"]
    with pytest.warns(sa.ZeroLengthRowsWarning, match="1 row"):
        fit = sa.cox(data, ["rx"])
    assert fit.n == len(data) - 1


def test_bad_event_value_names_row(data):
    data.loc[9, "event"] = 2
    with pytest.raises(sa.LogValidationError, match="row 9, column 'event', value 2"):
        sa.cox(data, ["rx"])


def test_no_events_and_too_few_events(data):
    with pytest.raises(ValueError, match="no events"):
        sa.cox(data.assign(event=0), ["rx"])
    few = data.assign(event=0)
    few.loc[few.index[:2], "event"] = 1
    with pytest.raises(ValueError, match="too few events: 2 event"):
        sa.cox(few, ["rx", "number", "size"])


def test_bad_weights_name_row(data):
    w = np.ones(len(data))
    w[4] = -1
    with pytest.raises(ValueError, match="row 4 has -1"):
        sa.cox(data, ["rx"], weights=w)


@pytest.mark.parametrize("option, value, allowed", [
    ("ties", "exact", "'efron', 'breslow'"),
    ("frailty", "lognormal", "None, 'gamma'"),
])
def test_options_list_allowed_values(data, option, value, allowed):
    with pytest.raises(ValueError, match=f"allowed values: {allowed}"):
        sa.cox(data, ["rx"], **{option: value})


def test_pwp_scale_is_validated(data):
    with pytest.raises(ValueError, match="allowed values: 'total', 'gap'"):
        sa.pwp(data, ["rx"], scale="calendar")


def test_confidence_level_is_validated(data):
    with pytest.raises(ValueError, match="confidence_level"):
        sa.cox(data, ["rx"], confidence_level=95)


def test_data_type_is_checked():
    with pytest.raises(TypeError, match="DataFrame in counting-process form"):
        sa.cox([1, 2, 3], ["rx"])


def test_monotone_likelihood_warns_naming_the_covariate(data):
    # every event row has flag = 1: the coefficient of flag runs to infinity
    data = data.assign(flag=data["event"].astype(float))
    with pytest.warns(RuntimeWarning, match="monotone likelihood.*flag"):
        fit = sa.cox(data, ["rx", "flag"])
    assert fit.params["flag"] > 5


def test_boolean_covariate_is_accepted(data):
    as_bool = sa.cox(data.assign(rx=data["rx"] == 2), ["rx", "number"])
    as_int = sa.cox(data.assign(rx=(data["rx"] == 2).astype(int)), ["rx", "number"])
    np.testing.assert_allclose(as_bool.params, as_int.params, rtol=1e-12)


def test_gap_times_tied_up_to_rounding_are_tied():
    """Times equal up to rounding tie, as R's aeqSurv makes them (gap = stop - start)."""
    base = pd.DataFrame({"subject": [1, 2, 3, 4, 5], "start": [0.0] * 5,
                         "stop": [0.3, 0.3, 0.5, 0.7, 0.9], "event": [1, 1, 1, 0, 1],
                         "x": [1.0, 0.0, 1.0, 0.0, 1.0]})
    nudged = base.copy()
    nudged.loc[1, ["start", "stop"]] = [0.1, 0.1 + 0.3 + 1e-15]  # gap 0.3 up to rounding
    a = sa.pwp(base.assign(episode=1), ["x"], scale="gap", cluster=None)
    b = sa.pwp(nudged.assign(episode=1), ["x"], scale="gap", cluster=None)
    np.testing.assert_allclose(b.params, a.params, rtol=1e-10)


def test_covariates_as_single_string(data):
    one = sa.cox(data, "rx")
    assert list(one.params.index) == ["rx"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sa.cox(data, COVARIATES["bladder2"])


def test_missing_default_cluster_suggests_cluster_none(data):
    with pytest.raises(ValueError, match="cluster=None"):
        sa.cox(data.drop(columns="subject"), ["rx"])
