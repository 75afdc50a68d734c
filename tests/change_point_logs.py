"""Seeded logs whose onset rate steps at known dates, for the change-point, trend and forecast tests.

Onsets are drawn day by day with a piecewise-constant daily probability (see
``personal_simulation.simulate_onset_days``); episodes last ``duration`` days.
``remembered_before`` turns earlier onsets into month-precision ones (stored at
the first of their month, end unknown), and the first ``n_year`` onsets into
year-precision ones, as in a log whose early years were written from memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import spasm_analysis as sa
from personal_simulation import simulate_onset_days


def step_log(*, seed, start="2004-01-01", end="2016-12-31", steps=(("2014-11-01", 365 / 21),), base_per_year=1.0,
             duration=3, remembered_before=None, n_year=0, subject="me"):
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    days = (end - start).days
    cuts = [((pd.Timestamp(when) - start).days, factor) for when, factor in steps]

    def multiplier(d):
        factor = 1.0
        for cut, value in cuts:
            if d >= cut:
                factor = value
        return factor

    onset_days = simulate_onset_days(np.random.default_rng(seed), days=days, base_rate=base_per_year / 365.25,
                                     duration=duration, multiplier=multiplier)
    onset = start + pd.to_timedelta(onset_days, unit="D")
    episodes = pd.DataFrame({"subject": subject, "onset": onset, "end": onset + pd.Timedelta(days=duration),
                             "onset_precision": "day"})
    if remembered_before is not None:
        month = episodes["onset"] < pd.Timestamp(remembered_before)
        episodes.loc[month, "onset_precision"] = "month"
        episodes.loc[month[month].index[:n_year], "onset_precision"] = "year"
        for label, period in (("month", "M"), ("year", "Y")):
            pick = episodes["onset_precision"].eq(label)
            episodes.loc[pick, "onset"] = episodes.loc[pick, "onset"].dt.to_period(period).dt.start_time
            episodes.loc[pick, "end"] = pd.NaT
    follow_up = pd.DataFrame({"subject": [subject], "start": [start], "end": [end]})
    return sa.EpisodeLog(episodes, follow_up=follow_up)
