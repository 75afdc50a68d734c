"""Make the bundled sample data in data/sample/ (seeded: rerunning gives the same files).

    .venv/bin/python data/sample/make_sample.py

personal/  one person's ten-year log, drawn with ``sa.simulate_personal_log`` and then
           written the way a person keeps it in a spreadsheet: the early years only
           remembered to the year or month, lengths as text ("3-4 days", "a week"),
           treatments as they were called ("chiro", "PT", "Flexeril 10mg").
cohort/    300 subjects drawn with ``sa.simulate_cohort``, written with
           ``EpisodeLog.to_folder`` (canonical CSVs).

Each folder gets ``truth.json`` with the parameters the data were drawn from.  The script
reads both folders back with ``sa.read_log`` and stops if anything was lost on the way.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import spasm_analysis as sa

HERE = Path(__file__).resolve().parent
PERSONAL_SEED = 2014
COHORT_SEED = 2020

# How the person wrote things.  Lists are drawn from at random (seeded).
TREATMENT_NAMES = {
    "physiotherapy": ["PT", "physio exercises", "PT programme"],
    "chiropractic": ["chiro", "chiro - adjustment", "adjustment", "chiropractor"],
    "trigger_point_therapy": ["massage - trigger point", "trigger point massage"],
    "acupuncture": ["acupuncture"],
    "muscle_relaxant": ["Flexeril", "Flexeril 10mg", "cyclobenzaprine"],
}
TRIGGER_WORDS = {"cold_pool": ["cold pool", "swim, cold water", "cold pool"], "long_sitting": ["long sitting", "desk all day", "long drive"]}
OTHER_TRIGGERS = ["", "", "", "lifting", "stress", "bad sleep", "no idea", "bent over"]
NOTES = ["", "", "", "", "", "woke up with it", "missed work", "couldn't sleep", "better after heat", "had to leave the gym"]


def coarse_onsets(onset: pd.Series, end: pd.Series, rng, follow_up_start: pd.Timestamp) -> list[tuple[str, str]]:
    """Written onset and precision per episode: vague in the early years, exact later.

    A coarse onset is read as the first day of its month or year, so it is only used
    when that day still falls after the previous episode as it will be read back
    (otherwise two remembered episodes would collide on the same 1 January).
    """
    written = []
    previous_end = follow_up_start
    for when, until in zip(onset, end):
        length = until - when
        choices = []
        if when.year <= 2015:
            choices = ["year", "month"] if rng.uniform() < 0.6 else ["month"]
        elif when.year == 2016:
            choices = ["month"] if rng.uniform() < 0.7 else []
        choice = ("day", when, when.strftime("%Y-%m-%d"))
        for precision in choices:
            start = pd.Timestamp(when.year, 1 if precision == "year" else when.month, 1)
            if start > previous_end:
                text = str(when.year) if precision == "year" else (when.strftime("%b %Y") if rng.uniform() < 0.5 else when.strftime("%Y-%m"))
                choice = (precision, start, text)
                break
        written.append((choice[2], choice[0]))
        previous_end = choice[1] + length
    return written


def length_text(days: int, rng) -> str:
    """An episode length as a person writes it; ranges end at the true length (read as the upper bound)."""
    if days == 7 and rng.uniform() < 0.7:
        return "a week"
    if days == 14 and rng.uniform() < 0.7:
        return "2 weeks"
    if days == 2 and rng.uniform() < 0.5:
        return "a couple of days"
    if days >= 3 and rng.uniform() < 0.4:
        return f"{days - 1}-{days} days"
    if days == 1:
        return "1 day"
    return f"{days} days" if rng.uniform() < 0.7 else f"about {days} days"


def personal_episode_sheet(log: sa.EpisodeLog, rng) -> pd.DataFrame:
    ep = log.episodes
    start = log.follow_up["start"].iloc[0]
    written = coarse_onsets(ep["onset"], ep["end"], rng, start)
    rows = []
    for (text, precision), row in zip(written, ep.itertuples(index=False)):
        days = int(round((row.end - row.onset) / pd.Timedelta(days=1)))
        early = row.onset.year <= 2016
        ended, duration = "", ""
        if early or precision != "day" or rng.uniform() < 0.4:
            duration = length_text(days, rng) if early or rng.uniform() < 0.5 else str(days)
        else:
            ended = row.end.strftime("%Y-%m-%d")
        trigger = rng.choice(TRIGGER_WORDS[row.trigger]) if isinstance(row.trigger, str) and rng.uniform() < 0.8 else rng.choice(OTHER_TRIGGERS)
        pain = "" if early and rng.uniform() < 0.4 else f"{int(row.severity)}"
        rows.append({"Started": text, "Ended": ended, "Duration": duration, "Where": row.region, "Side": row.side,
                     "Pain (0-10)": pain, "Trigger": trigger, "Notes": rng.choice(NOTES)})
    return pd.DataFrame(rows)


def personal_treatment_sheet(log: sa.EpisodeLog, rng) -> pd.DataFrame:
    rows = []
    for row in log.treatments.itertuples(index=False):
        one_day = row.end - row.start == pd.Timedelta(days=1)
        dose = "10mg at night" if row.modality == "muscle_relaxant" else ""
        notes = "6-week home programme" if row.modality == "physiotherapy" else ""
        rows.append({"Date": row.start.strftime("%Y-%m-%d"), "Until": "" if one_day else row.end.strftime("%Y-%m-%d"),
                     "Treatment": rng.choice(TREATMENT_NAMES[row.modality]), "Dose": dose, "Notes": notes})
    return pd.DataFrame(rows)


def make_personal(folder: Path) -> sa.EpisodeLog:
    sim = sa.simulate_personal_log(seed=PERSONAL_SEED, start="2013-07-01", end="2024-01-01", rate_per_year=3.0, rate_trend=2.0,
                                   exposures_recorded_from="2019-01-01")
    rng = np.random.default_rng(PERSONAL_SEED + 1)
    folder.mkdir(parents=True, exist_ok=True)
    personal_episode_sheet(sim.log, rng).to_csv(folder / "episodes.csv", index=False)
    personal_treatment_sheet(sim.log, rng).to_csv(folder / "treatments.csv", index=False)
    ex = sim.log.exposures
    pd.DataFrame({"Date": ex["time"].dt.strftime("%Y-%m-%d"), "Exposure": ex["exposure"], "Value": ex["value"].astype(int)}).to_csv(
        folder / "exposures.csv", index=False)
    pd.DataFrame({"From": ["2013-07"], "To": ["2023"]}).to_csv(folder / "follow_up.csv", index=False)
    sim.truth.to_json(folder / "truth.json")

    back = sa.read_log(folder)
    assert back.n_episodes == sim.log.n_episodes, "an episode was lost writing the personal sample"
    assert back.follow_up[["start", "end"]].equals(sim.log.follow_up[["start", "end"]])
    assert back.treatments["modality"].tolist() == sim.log.treatments["modality"].tolist(), "a treatment name maps to another modality"
    assert len(back.exposures) == len(sim.log.exposures)
    day = back.episodes["onset_precision"] == "day"
    assert back.episodes.loc[day, "onset"].equals(sim.log.episodes.loc[day, "onset"])
    return back


def make_cohort(folder: Path) -> sa.EpisodeLog:
    sim = sa.simulate_cohort(300, seed=COHORT_SEED, baseline_rate_per_year=4.0, treatment_hazard_ratio=0.6, frailty_variance=0.5,
                             follow_up_years=3.0, episode_days_mean=5.0, episode_days_sd=4.0)
    folder.mkdir(parents=True, exist_ok=True)
    sim.log.to_folder(folder)
    sim.truth.to_json(folder / "truth.json")
    sim.frailty.round(6).to_csv(folder / "frailty.csv")
    back = sa.read_log(folder)
    for name in ("episodes", "follow_up", "treatments", "covariates"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(sim.log, name), check_dtype=False)
    return back


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the sample must read back without a single warning
        personal = make_personal(HERE / "personal")
        cohort = make_cohort(HERE / "cohort")
    print(personal)
    print(cohort)


if __name__ == "__main__":
    main()
