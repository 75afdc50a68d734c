"""The MCF of reda::valveSeats against R (tests/reference/make_valve_seats_reference.R).

Two engines had two valve seats replaced on the same day. ``sa.mcf`` counts
dN = 2 there, as reda::mcf does; survfit cannot hold two onsets of one
subject at one instant (it drops the zero-length row), so the dN = 2 reference
is reda's documented Nelson-Aalen / Lawless-Nadeau formula evaluated by hand in
R, which the script first checks against survfit where each onset is its own
instant (agreement 1e-15).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa

REFERENCE = Path(__file__).parent / "reference"
MCF_RTOL = 1e-8  # the MCF tolerance of the project


@pytest.fixture(scope="module")
def rows():
    return pd.read_csv(REFERENCE / "data" / "valve_seats.csv", comment="#")


@pytest.fixture(scope="module")
def reference():
    return pd.read_csv(REFERENCE / "mcf_valve_seats.csv", comment="#")


def _mcf(rows, **options):
    cp = sa.CountingProcess.from_frame(rows, subject="engine")
    return cp, sa.mcf(cp, **options).table


@pytest.mark.parametrize("variance, column", [("lawless-nadeau", "se_lawless_nadeau"), ("poisson", "se_poisson")])
def test_two_onsets_on_one_day_count_twice_as_reda(rows, reference, variance, column):
    ref = reference[reference["table"] == "by_hand_dn2"].reset_index(drop=True)
    cp, table = _mcf(rows, variance=variance)
    assert cp.n_tied_onsets == 2 and cp.n_zero_length_dropped == 0 and cp.n_events == 48
    np.testing.assert_array_equal(table["time"], ref["time"])
    np.testing.assert_array_equal(table["n_at_risk"], ref["n_risk"])
    np.testing.assert_array_equal(table["n_events"], ref["n_event"])
    assert list(table.loc[table["n_events"] == 2, "time"]) == [139.0, 653.0]
    np.testing.assert_allclose(table["mcf"], ref["mcf"], rtol=MCF_RTOL)
    np.testing.assert_allclose(table["std_error"], ref[column], rtol=MCF_RTOL)


def test_one_onset_per_instant_matches_survfit(rows, reference):
    """Without the two second replacements, the rows survfit fits: the MCF and both
    standard errors equal survfit's cumhaz and std.chaz (with and without id)."""
    ref = reference[reference["table"] == "survfit"].reset_index(drop=True)
    single = rows[rows["start"] < rows["stop"]]
    for variance, column in (("lawless-nadeau", "se_lawless_nadeau"), ("poisson", "se_poisson")):
        _, table = _mcf(single, variance=variance)
        np.testing.assert_array_equal(table["time"], ref["time"])
        np.testing.assert_array_equal(table["n_at_risk"], ref["n_risk"])
        np.testing.assert_allclose(table["mcf"], ref["mcf"], rtol=MCF_RTOL)
        np.testing.assert_allclose(table["std_error"], ref[column], rtol=MCF_RTOL)


def test_log_interval_from_the_reference_standard_error(rows, reference):
    ref = reference[reference["table"] == "by_hand_dn2"].reset_index(drop=True)
    _, table = _mcf(rows, confidence_level=0.9)
    z = 1.6448536269514722
    spread = np.exp(z * ref["se_lawless_nadeau"] / ref["mcf"])
    np.testing.assert_allclose(table["ci_lower"], ref["mcf"] / spread, rtol=MCF_RTOL)
    np.testing.assert_allclose(table["ci_upper"], ref["mcf"] * spread, rtol=MCF_RTOL)
