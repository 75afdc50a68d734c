"""``spasm-analysis summary``: the printed numbers, recomputed here from the sample files.

The expected values are computed with plain pandas and a small parser of the
date and length forms the sample uses, not with the package's readers, so the
test checks the readers and the summary together.
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spasm_analysis import cli

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
PERSONAL = SAMPLE / "personal"
COHORT = SAMPLE / "cohort"
MONTHS = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)}


def _onset(text: str) -> tuple[pd.Timestamp, str]:
    if re.fullmatch(r"\d{4}", text):
        return pd.Timestamp(int(text), 1, 1), "year"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return pd.Timestamp(int(m[1]), int(m[2]), 1), "month"
    if m := re.fullmatch(r"([A-Z][a-z]{2}) (\d{4})", text):
        return pd.Timestamp(int(m[2]), MONTHS[m[1]], 1), "month"
    return pd.Timestamp(text), "day"


def _length_days(text: str) -> int:
    words = {"a week": 7, "2 weeks": 14, "a couple of days": 2, "1 day": 1}
    if text in words:
        return words[text]
    if m := re.fullmatch(r"(?:about )?(\d+)(?:-(\d+))?(?: days)?", text):
        return int(m[2] or m[1])  # a range is read as its upper bound
    raise AssertionError(f"the sample has a length this test does not know: {text!r}")


@pytest.fixture(scope="module")
def personal_episodes() -> pd.DataFrame:
    raw = pd.read_csv(PERSONAL / "episodes.csv", dtype=str, keep_default_na=False)
    parsed = [_onset(t) for t in raw["Started"]]
    onset = pd.Series([p[0] for p in parsed])
    end = [pd.Timestamp(e) if e else o + pd.Timedelta(days=_length_days(d)) for o, e, d in zip(onset, raw["Ended"], raw["Duration"])]
    return pd.DataFrame({"onset": onset, "end": end, "precision": [p[1] for p in parsed]})


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_personal_summary_numbers(capsys, personal_episodes):
    code, out, err = _run(capsys, "summary", str(PERSONAL))
    assert code == 0, err
    ep = personal_episodes
    assert f"Episodes: {len(ep)}\n" in out

    follow = pd.read_csv(PERSONAL / "follow_up.csv", dtype=str)
    start = pd.Timestamp(follow["From"][0] + "-01")
    end = pd.Timestamp(int(follow["To"][0]) + 1, 1, 1)  # "2023" is logged through the end of 2023
    assert f"logged from {start:%Y-%m-%d} to {end:%Y-%m-%d}" in out
    for year, count in ep["onset"].dt.year.value_counts().items():
        logged = (min(end, pd.Timestamp(year + 1, 1, 1)) - max(start, pd.Timestamp(year, 1, 1))).days
        assert re.search(rf"^  {year}\s+{count}\s+\({logged} days logged\)$", out, re.M), year

    ep = ep.sort_values("onset").reset_index(drop=True)
    gaps = (ep["onset"].shift(-1) - ep["end"]).dt.days.dropna()
    longest = int(gaps.idxmax())
    match = re.search(r"gaps .*: (\d+); median ([\d.]+) days, longest (\d+) days \((\S+) to ([\d-]+)", out)
    assert match, out
    assert int(match[1]) == len(gaps) == len(ep) - 1
    assert float(match[2]) == pytest.approx(gaps.median())
    assert int(match[3]) == gaps.max()
    assert match[4] == f"{ep['end'][longest]:%Y-%m-%d}" and match[5] == f"{ep['onset'][longest + 1]:%Y-%m-%d}"
    vague = ep["precision"] != "day"
    n_approximate = int((vague.shift(-1, fill_value=False) | vague)[: len(ep) - 1].sum())
    assert f"{n_approximate} of these gaps border an onset known only to the month or year" in out

    lengths = (ep["end"] - ep["onset"]).dt.days
    assert f"Episode length: median {lengths.median():g} days ({len(ep)} episodes with a known end)" in out
    assert f"{int((lengths > 7).sum())} lasted more than 7 days" in out

    assert f"Imprecise dates: {int(vague.sum())} of {len(ep)} onsets are not known to the day." in out
    for year, group in ep[vague].groupby(ep["onset"].dt.year):
        n_year = int((group["precision"] == "year").sum())
        n_month = int((group["precision"] == "month").sum())
        expected = ", ".join(p for p in (f"{n_year} known only to the year" if n_year else "", f"{n_month} known only to the month" if n_month else "") if p)
        assert f"  {year}: {expected}\n" in out
    assert "not medical advice" in out


def test_cohort_summary_numbers(capsys):
    code, out, err = _run(capsys, "summary", str(COHORT))
    assert code == 0, err
    ep = pd.read_csv(COHORT / "episodes.csv", parse_dates=["onset", "end"])
    fu = pd.read_csv(COHORT / "follow_up.csv", parse_dates=["start", "end"])
    person_years = ((fu["end"] - fu["start"]).dt.total_seconds() / 86400 / 365.25).sum()
    assert f"Subjects: {fu['subject'].nunique()}\n" in out
    assert f"Episodes: {len(ep)}\n" in out
    assert f"Follow-up: {person_years:.1f} person-years" in out
    assert f"Episodes per person-year of follow-up: {len(ep) / person_years:.3f}" in out
    median = ((ep["end"] - ep["onset"]).dt.total_seconds() / 86400).median()
    assert f"Episode length: median {round(median, 1):g} days" in out


def test_validation_errors_are_listed_with_exit_code_2(capsys, tmp_path):
    (tmp_path / "episodes.csv").write_text("Started,Ended,Pain\n2020-01-05,2020-01-03,5\n2020-02-30,,4\n")
    code, out, err = _run(capsys, "summary", str(tmp_path))
    assert code == 2 and out == ""
    assert "Traceback" not in err
    assert "row 3" in err and "2020-02-30" in err
    assert "row 2" in err and "end is before onset" in err


def test_missing_path_exit_code_2(capsys, tmp_path):
    code, _, err = _run(capsys, "summary", str(tmp_path / "nowhere"))
    assert code == 2 and "no such file" in err and "Traceback" not in err


def test_help_lists_registered_commands(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


def test_registry_takes_new_commands(capsys, monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", dict(cli.COMMANDS))
    seen = []
    cli.register(cli.Command("echo", "print the path back", lambda p: p.add_argument("path"),
                             lambda args, out: seen.append(args.path) or 0))
    assert cli.main(["echo", "x"]) == 0 and seen == ["x"]


def test_inferred_follow_up_is_a_note_not_silent(capsys, tmp_path):
    (tmp_path / "episodes.csv").write_text("Started,Duration\n2020-01-05,3 days\n2020-03-01,a week\n2020-06-01,2 days\n")
    code, out, err = _run(capsys, "summary", str(tmp_path))
    assert code == 0
    assert "note:" in err and "follow_up" in err
    # Two gaps: 2020-01-08 -> 2020-03-01 (53 days) and 2020-03-08 -> 2020-06-01 (85 days).
    assert "gaps" in out and "median 69 days, longest 85 days (2020-03-08 to 2020-06-01)" in out
    assert "Imprecise dates: none" in out
    assert np.isclose(float(re.search(r"median (\S+) days \(3 episodes", out)[1]), 3.0)
