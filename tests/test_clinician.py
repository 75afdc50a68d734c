"""Clinician summary: windows vs baseline by hand, longest free stretch, flags."""

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from personal_simulation import make_log, simulate_onset_days


def _log():
    onset = pd.to_datetime(["2021-02-01", "2021-08-01", "2022-03-01", "2022-09-10", "2022-11-01", "2022-12-01"])
    end = onset + pd.to_timedelta([2, 3, 2, 10, 2, 4], unit="D")
    episodes = pd.DataFrame({"onset": onset, "end": end})
    follow_up = pd.DataFrame({"start": [pd.Timestamp("2021-01-01")], "end": [pd.Timestamp("2023-01-01")]})
    return sa.EpisodeLog(episodes, follow_up=follow_up)


def test_windows_against_baseline_by_hand():
    s = sa.clinician_summary(_log())
    t = s.table.set_index("period")
    assert s.as_of == pd.Timestamp("2023-01-01")
    # Last 3 months: 2022-10-01 .. 2023-01-01 (92 days): onsets Nov 1 and Dec 1, 2 + 4 episode days.
    r3 = t.loc["last 3 months"]
    assert r3["episodes"] == 2 and r3["observed_days"] == 92
    assert r3["episodes_per_month"] == pytest.approx(2 / (92 / 30.4375))
    assert r3["episode_days"] == pytest.approx(6.0)
    # Baseline: the 12 months before the last 12 = 2021 (365 days): 2 episodes.
    base = t.loc["baseline"]
    assert base["episodes"] == 2 and base["observed_days"] == 365
    r12 = t.loc["last 12 months"]
    assert r12["episodes"] == 4
    expected = (4 / (365 / 30.4375)) / (2 / (365 / 30.4375)) * 100 - 100
    assert r12["pct_change_episodes"] == pytest.approx(expected)
    assert np.isnan(base["pct_change_episodes"])


def test_longest_free_stretch_and_long_episode_flag():
    s = sa.clinician_summary(_log())
    # 2021-08-04 (end) to 2022-03-01 (next onset) = 209 days.
    assert s.longest_free_days == pytest.approx(209.0)
    assert s.longest_free_start == pd.Timestamp("2021-08-04") and not s.longest_free_open
    assert len(s.long_episodes) == 1 and s.long_episodes.at[0, "duration_days"] == 10
    assert any("longer than 7 days" in f and "2022-09-10" in f for f in s.flags)
    assert not any("longer than" in f for f in sa.clinician_summary(_log(), as_of="2024-06-01").flags)
    text = s.to_text()
    assert "Longest episode-free stretch: 209 days" in text
    assert "not a clinical assessment" in s.interpretation


def test_rising_flag_on_simulated_increase():
    rng = np.random.default_rng(0)
    days = 365 * 4
    onsets = simulate_onset_days(rng, days=days, base_rate=1 / 60, duration=2, multiplier=lambda d: 4.0 if d > 365 * 3 else 1.0)
    s = sa.clinician_summary(make_log(onsets, days=days, duration=2))
    assert s.rising and any(f.startswith("Rising frequency") for f in s.flags)
    rng = np.random.default_rng(1)
    flat = simulate_onset_days(rng, days=days, base_rate=1 / 30, duration=2)
    assert not sa.clinician_summary(make_log(flat, days=days, duration=2)).rising


def test_options_and_errors():
    s = sa.clinician_summary(_log(), as_of="2022-07-01", recent_months=(6,), baseline=("2021-01-01", "2022-01-01"))
    t = s.table.set_index("period")
    assert t.loc["last 6 months", "episodes"] == 1
    with pytest.raises(ValueError, match="recent_months"):
        sa.clinician_summary(_log(), recent_months=(0,))
    with pytest.raises(ValueError, match="baseline"):
        sa.clinician_summary(_log(), baseline=("2022-01-01", "2021-01-01"))
    assert s.plot().get_ylabel() == "episodes per month"


def _copy_of_sample(tmp_path):
    from pathlib import Path
    import shutil

    source = Path(__file__).resolve().parents[1] / "data" / "sample" / "personal" / "episodes.csv"
    log = tmp_path / "episodes.csv"
    shutil.copy(source, log)
    return log


def test_clinician_output_never_replaces_its_input(tmp_path, capsys):
    from spasm_analysis.cli import main

    log = _copy_of_sample(tmp_path)
    before = log.read_bytes()
    (tmp_path / "summary.html").symlink_to(log)
    assert main(["clinician", str(log), "-o", str(tmp_path / "summary.html")]) == 2
    assert "is an input" in capsys.readouterr().err
    assert log.read_bytes() == before
    # a PDF is printed from the .html beside it, checked the same way
    assert main(["clinician", str(log), "-o", str(tmp_path / "summary.pdf")]) == 2
    assert "is an input" in capsys.readouterr().err and not (tmp_path / "summary.pdf").exists()
    assert log.read_bytes() == before


def test_clinician_output_checked_before_reading(tmp_path, capsys):
    from spasm_analysis.cli import main

    (tmp_path / "out.html").mkdir()
    unreadable = tmp_path / "not a log.csv"
    unreadable.write_text("\x00\x01 not a table", encoding="utf-8")
    assert main(["clinician", str(unreadable), "-o", str(tmp_path / "out.html")]) == 2
    assert "is an existing folder" in capsys.readouterr().err
    assert main(["clinician", str(_copy_of_sample(tmp_path)), "-o", str(tmp_path / "summary.txt")]) == 2
    assert ".html or .pdf" in capsys.readouterr().err
    assert main(["clinician", str(_copy_of_sample(tmp_path)), "-o", str(tmp_path / "new" / "summary.html")]) == 0
    assert (tmp_path / "new" / "summary.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_rising_flag_states_the_reconciled_reading():
    """The flag says what the report's trend section says (not a Laplace test that a past step also trips)."""
    log, _ = sa.simulate_scenario("step", effect="none", seed=3)
    reading = sa.trend_summary(log)
    assert reading.verdict == "step"
    answer = reading.answer
    assert f"Rising frequency: {answer[0].lower()}{answer[1:]}" in sa.clinician_summary(log).flags
    rng = np.random.default_rng(4)
    days = 365 * 6
    falling = simulate_onset_days(rng, days=days, base_rate=1 / 15, duration=2, multiplier=lambda d: 0.2 if d > 365 * 3 else 1.0)
    s = sa.clinician_summary(make_log(falling, days=days, duration=2))
    assert not s.rising and not any("Rising" in f for f in s.flags)
