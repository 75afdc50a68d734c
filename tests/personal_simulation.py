"""Seeded simulator of one person's log, for the tests of spasm_analysis.personal.

Onsets are drawn day by day: on each day at risk an onset happens with probability
1 - exp(-rate(d)), where rate(d) = base_rate * multiplier(d); an episode lasts
``duration`` days, during which no new onset can happen.  The onset timestamp is
midnight of day d, and ``multiplier(d)`` is the effect acting on the day that ends
there, i.e. on the interval (d - 1, d] -- the (start, end] convention the
package's counting process uses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import spasm_analysis as sa

START = pd.Timestamp("2015-01-01")


def simulate_onset_days(rng, *, days, base_rate, duration, multiplier=None):
    onsets = []
    d = 1
    while d <= days:
        m = 1.0 if multiplier is None else multiplier(d)
        if rng.uniform() < 1 - np.exp(-base_rate * m):
            onsets.append(d)
            d += duration + 1
        else:
            d += 1
    return np.array(onsets, dtype=int)


def make_log(onset_days, *, days, duration, treatments=None, exposures=None, start=START, subject="me"):
    onset = start + pd.to_timedelta(onset_days, unit="D")
    episodes = pd.DataFrame({"subject": subject, "onset": onset, "end": onset + pd.Timedelta(days=duration)})
    follow_up = pd.DataFrame({"subject": [subject], "start": [start], "end": [start + pd.Timedelta(days=days)]})
    return sa.EpisodeLog(episodes, follow_up=follow_up, treatments=treatments, exposures=exposures)


def in_any(d, periods):
    """True when day d's interval (d-1, d] lies in one of the (start_day, end_day] periods."""
    return any(s < d <= e for s, e in periods)
