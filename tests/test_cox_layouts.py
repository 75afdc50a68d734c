"""PWP episode numbers, gap time and the WLW marginal layout."""

import numpy as np
import pandas as pd
import pytest

from cox_reference import load_data
from spasm_analysis.coxph import layouts
import spasm_analysis as sa
from spasm_analysis.coxph.layouts import to_gap_time, to_marginal_layout


def test_episode_numbers_reproduce_bladder2_enum():
    data = load_data("bladder2")
    shuffled = data.sample(frac=1, random_state=1).drop(columns="episode")
    numbered = sa.CountingProcess.from_frame(shuffled).to_frame()
    expected = data.sort_values(["subject", "start"])["episode"].to_numpy()
    np.testing.assert_array_equal(numbered["episode"].to_numpy(), expected)


def test_marginal_layout_reproduces_r_bladder():
    """WLW rows built from bladder2 equal R's own `bladder` data set."""
    ours = to_marginal_layout(load_data("bladder2"), ["rx", "number", "size"])
    r = load_data("bladder").sort_values(["subject", "episode"]).reset_index(drop=True)
    assert len(ours) == len(r) == 340
    for column in ["subject", "episode", "start", "stop", "event", "rx", "number", "size"]:
        np.testing.assert_array_equal(ours[column].to_numpy(), r[column].to_numpy(), err_msg=column)


def test_marginal_layout_keeps_time_varying_covariates_and_gaps():
    rows = pd.DataFrame({
        "subject": ["a", "a", "a", "a"],
        "start": [0.0, 3.0, 5.0, 9.0], "stop": [3.0, 4.0, 8.0, 12.0],
        "event": [0, 1, 1, 0], "on_heat": [0, 1, 0, 0]})
    out = to_marginal_layout(sa.CountingProcess.from_frame(rows).to_frame(), ["on_heat"], max_episodes=3)
    expected = pd.DataFrame({
        "subject": ["a"] * 8,
        "start": [0.0, 3.0, 0.0, 3.0, 5.0, 0.0, 3.0, 5.0],
        "stop": [3.0, 4.0, 3.0, 4.0, 8.0, 3.0, 4.0, 12.0],
        "event": [0, 1, 0, 0, 1, 0, 0, 0],
        "episode": [1, 1, 2, 2, 2, 3, 3, 3],
        "on_heat": [0, 1, 0, 1, 0, 0, 1, 0]})
    # stratum 3: rows (5, 8] and (9, 12] keep the not-at-risk gap (8, 9] between them
    expected = pd.concat([expected.iloc[:7], pd.DataFrame({
        "subject": ["a", "a"], "start": [5.0, 9.0], "stop": [8.0, 12.0], "event": [0, 0],
        "episode": [3, 3], "on_heat": [0, 0]})], ignore_index=True)
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)


def test_gap_time_starts_each_episode_at_zero():
    data = load_data("bladder2")
    gap = to_gap_time(data)
    np.testing.assert_allclose(gap["stop"], data["stop"] - data["start"])
    assert (gap["start"] == 0).all()


def test_marginal_layout_refuses_an_oversized_layout(monkeypatch):
    monkeypatch.setattr(layouts, "MAX_LAYOUT_ROWS", 100)
    with pytest.raises(ValueError, match="choose a smaller max_episodes"):
        to_marginal_layout(load_data("bladder2"), ["rx"])
