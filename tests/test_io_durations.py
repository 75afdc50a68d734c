"""Text durations (spasm_analysis.io.durations); tests/test_durations.py covers personal.durations."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from spasm_analysis.io.durations import parse_duration, parse_duration_column
from spasm_analysis.schema import ProblemList

D = pd.Timedelta


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3 days", D(days=3)),
        ("3 Days", D(days=3)),
        ("1 day", D(days=1)),
        ("3d", D(days=3)),
        ("2.5 days", D(hours=60)),
        ("1,5 days", D(hours=36)),
        ("a week", D(days=7)),
        ("one week", D(days=7)),
        ("2 weeks", D(days=14)),
        ("a fortnight", D(days=14)),
        ("36h", D(hours=36)),
        ("36 hours", D(hours=36)),
        ("an hour", D(hours=1)),
        ("90 min", D(minutes=90)),
        ("half a day", D(hours=12)),
        ("a day and a half", D(hours=36)),
        ("lasted all week", D(days=7)),
        ("all weekend", D(days=2)),
        ("1d 02h 15m", D(days=1, hours=2, minutes=15)),
        ("1 week and 2 days", D(days=9)),
        ("1 week, 2 days", D(days=9)),
        ("about 3 days", D(days=3)),
        ("lasted about two days", D(days=2)),
        ("a couple of days", D(days=2)),
        ("P3DT12H", D(days=3, hours=12)),
        ("PT36H", D(hours=36)),
        ("P1W", D(days=7)),
        ("12:30", D(hours=12, minutes=30)),
        ("3", D(days=3)),
        ("0", D(0)),
    ],
)
def test_written_durations(text, expected):
    assert parse_duration(text) == expected


def test_ranges_use_upper_bound_by_default():
    assert parse_duration("3-4 days") == D(days=4)
    assert parse_duration("3 – 4 days") == D(days=4)
    assert parse_duration("3 to 4 days") == D(days=4)
    assert parse_duration("2-3 weeks") == D(days=21)
    assert parse_duration("3-4") == D(days=4)
    assert parse_duration("3-4 days", range_rule="lower") == D(days=3)
    assert parse_duration("3-4 days", range_rule="midpoint") == D(hours=84)
    with pytest.raises(ValueError, match="range_rule=.* is not valid; allowed values: 'upper', 'lower', 'midpoint'"):
        parse_duration("3-4 days", range_rule="max")


def test_numbers_are_days():
    assert parse_duration(3) == D(days=3)
    assert parse_duration(1.5) == D(hours=36)
    assert parse_duration(np.int64(2)) == D(days=2)
    assert parse_duration(dt.timedelta(hours=5)) == D(hours=5)


def test_unknown_or_empty_means_no_end():
    for value in (None, float("nan"), "", "ongoing", "Unknown", "?"):
        assert pd.isna(parse_duration(value))


@pytest.mark.parametrize(
    "bad, message",
    [
        ("banana", "not a recognisable duration"),
        ("some days", "no number"),
        ("many days", "no number"),
        ("2 months", "months"),
        ("-2", "negative"),
        (-1.0, "negative"),
        ("4-3 days", "low to high"),
        ("3 days later maybe", "not a recognisable"),
        (float("inf"), "finite"),
        (True, "not a duration"),
    ],
)
def test_unparseable_durations(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_duration(bad)


def test_column_names_the_row_of_each_bad_duration():
    problems = ProblemList()
    values = pd.Series(["3 days", "soon", 2, None, "2 months"], index=[2, 3, 4, 5, 6])
    out = parse_duration_column(values, table="episodes", column="duration", problems=problems)
    assert out.dtype == "timedelta64[ns]"
    assert out[2] == D(days=3) and out[4] == D(days=2)
    assert out[[3, 5, 6]].isna().all()
    assert [(p.row, p.column, p.value) for p in problems] == [(3, "duration", "soon"), (6, "duration", "2 months")]


def test_absurd_lengths_are_rejected():
    with pytest.raises(ValueError, match="100 years"):
        parse_duration(40000)
    with pytest.raises(ValueError, match="100 years"):
        parse_duration("P40000D")
