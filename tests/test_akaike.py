"""Akaike weights (spasm_analysis.personal.akaike), used by the trend reading and the forecast's annual cycle."""

import numpy as np
import pytest

from spasm_analysis.personal.akaike import akaike_weight


@pytest.mark.parametrize("difference", [-1500.0, -40.0, -4.0, -0.3, 0.0, 2.0, 6.0, 800.0])
def test_weights_of_two_models_add_to_one_and_follow_the_definition(difference):
    a, b = 100.0 + difference, 100.0
    assert akaike_weight(a, b) + akaike_weight(b, a) == pytest.approx(1.0, abs=1e-15)
    if abs(difference) < 700:
        # exp(-AIC/2) normalised over the two models (Burnham & Anderson 2002, eq. 2.14 with two models)
        raw = np.exp(-np.array([a, b]) / 2 + 50)
        assert akaike_weight(a, b) == pytest.approx(raw[0] / raw.sum(), rel=1e-12)


def test_a_noise_cycle_keeps_about_a_quarter_of_the_weight():
    # Two coefficients that raise the log-likelihood by 1 (likelihood-ratio statistic 2): AIC higher by 2.
    assert akaike_weight(-2 * 11.0 + 4, -2 * 10.0) == pytest.approx(1 / (1 + np.e), rel=1e-12)
    assert akaike_weight(0.0, 0.0) == 0.5
