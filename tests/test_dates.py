import datetime as dt

import pandas as pd
import pytest

from spasm_analysis.io.dates import parse_date, parse_date_column, period_end
from spasm_analysis.schema import ProblemList

T = pd.Timestamp


@pytest.mark.parametrize(
    "text, expected, precision",
    [
        ("2013-10-05", T(2013, 10, 5), "day"),
        ("2013-10-05 14:30", T(2013, 10, 5, 14, 30), "day"),
        ("Oct 5, 2013", T(2013, 10, 5), "day"),
        ("5 October 2013", T(2013, 10, 5), "day"),
        ("2013-10", T(2013, 10, 1), "month"),
        ("2013/10", T(2013, 10, 1), "month"),
        ("10/2013", T(2013, 10, 1), "month"),
        ("Oct 2013", T(2013, 10, 1), "month"),
        ("October, 2013", T(2013, 10, 1), "month"),
        ("  october   2013 ", T(2013, 10, 1), "month"),
        ("early October 2013", T(2013, 10, 1), "part_month"),
        ("mid-October 2013", T(2013, 10, 11), "part_month"),
        ("late Oct 2013", T(2013, 10, 21), "part_month"),
        ("2004", T(2004, 1, 1), "year"),
        ("summer 2004", T(2004, 6, 1), "season"),
        ("2004, summer", T(2004, 6, 1), "season"),
        ("Autumn 2010", T(2010, 9, 1), "season"),
        ("fall of 2010", T(2010, 9, 1), "season"),
        ("winter 2004", T(2004, 1, 1), "season"),
    ],
)
def test_written_dates(text, expected, precision):
    assert parse_date(text) == (expected, precision)


def test_dayfirst_only_affects_ambiguous_dates():
    assert parse_date("05/10/2013") == (T(2013, 5, 10), "day")
    assert parse_date("05/10/2013", dayfirst=True) == (T(2013, 10, 5), "day")
    # ISO is year-month-day whatever dayfirst says.
    assert parse_date("2013-10-05", dayfirst=True) == (T(2013, 10, 5), "day")
    assert parse_date("2013-10-05T08:00", dayfirst=True) == (T(2013, 10, 5, 8), "day")


def test_aware_values_keep_their_wall_clock_by_default():
    # 23:30 in Berlin is 21:30 UTC; the person wrote (and meant) 5 October 23:30.
    assert parse_date("2013-10-05T23:30:00+02:00") == (T(2013, 10, 5, 23, 30), "day")
    assert parse_date("2013-10-05T23:30:00-05:00") == (T(2013, 10, 5, 23, 30), "day")
    aware = pd.Timestamp("2013-10-05 23:30", tz="America/New_York")
    assert parse_date(aware) == (T(2013, 10, 5, 23, 30), "day")


def test_aware_values_convert_to_requested_zone():
    assert parse_date("2013-10-05T23:30:00+02:00", tz="UTC") == (T(2013, 10, 5, 21, 30), "day")
    assert parse_date("2013-10-06T03:30:00Z", tz="America/New_York") == (T(2013, 10, 5, 23, 30), "day")
    # Naive values are never shifted.
    assert parse_date("2013-10-05 23:30", tz="UTC") == (T(2013, 10, 5, 23, 30), "day")


def test_python_and_numeric_values():
    assert parse_date(dt.date(2013, 10, 5)) == (T(2013, 10, 5), "day")
    assert parse_date(dt.datetime(2013, 10, 5, 7)) == (T(2013, 10, 5, 7), "day")
    assert parse_date(2004) == (T(2004, 1, 1), "year")
    assert parse_date(2004.0) == (T(2004, 1, 1), "year")
    for empty in (None, float("nan"), "", "   ", pd.NaT):
        stamp, precision = parse_date(empty)
        assert pd.isna(stamp) and precision is None


@pytest.mark.parametrize("bad", ["hello", "3", "Oct", "2013-02-30", "2013-13", "early 2013x", 42, 2.5, True, [2013]])
def test_unparseable_dates_raise_value_error(bad):
    with pytest.raises(ValueError):
        parse_date(bad)


def test_period_end():
    assert period_end(T(2013, 10, 1), "month") == T(2013, 11, 1)
    assert period_end(T(2013, 12, 1), "month") == T(2014, 1, 1)
    assert period_end(T(2004, 1, 1), "year") == T(2005, 1, 1)
    assert period_end(T(2013, 10, 5), "day") == T(2013, 10, 5)
    with pytest.raises(ValueError, match="precision='week' is not valid; allowed values: 'day', 'month', 'year'"):
        period_end(T(2013, 10, 5), "week")


def test_column_records_every_bad_cell_with_its_row():
    problems = ProblemList()
    values = pd.Series(["2013-10-05", "Oct 2013", "garbage", None, "2004", "31/31/2013"], index=[2, 3, 4, 5, 6, 7])
    # 31/31/2013 is day-first evidence (its first field exceeds 12), and no day-first reading saves it.
    stamps, precision = parse_date_column(values, table="episodes", column="onset", problems=problems)
    assert stamps.dtype == "datetime64[ns]"
    assert stamps[2] == T(2013, 10, 5) and stamps[3] == T(2013, 10, 1) and stamps[6] == T(2004, 1, 1)
    assert stamps[[4, 5, 7]].isna().all()
    assert precision.tolist() == ["day", "month", None, None, "year", None]
    assert [(p.row, p.column, p.value) for p in problems] == [(4, "onset", "garbage"), (7, "onset", "31/31/2013")]


def test_column_fast_iso_path_and_typed_columns():
    problems = ProblemList()
    values = pd.Series(["2013-10-05", "2013-10-06T12:00:00", None])
    stamps, precision = parse_date_column(values, table="episodes", column="onset", problems=problems)
    assert stamps.tolist()[:2] == [T(2013, 10, 5), T(2013, 10, 6, 12)]
    assert precision.tolist() == ["day", "day", None]
    aware = pd.Series(pd.to_datetime(["2013-10-05 23:30"]).tz_localize("Europe/Berlin"))
    stamps, _ = parse_date_column(aware, table="episodes", column="onset", problems=problems)
    assert stamps[0] == T(2013, 10, 5, 23, 30)
    stamps, _ = parse_date_column(aware, table="episodes", column="onset", problems=problems, tz="UTC")
    assert stamps[0] == T(2013, 10, 5, 21, 30)
    assert len(problems) == 0


def test_mixed_offsets_in_one_column_each_keep_their_wall_clock():
    problems = ProblemList()
    values = pd.Series(["2013-10-05T23:30:00+02:00", "2013-10-07T01:00:00-07:00"])
    stamps, _ = parse_date_column(values, table="episodes", column="onset", problems=problems)
    assert stamps.tolist() == [T(2013, 10, 5, 23, 30), T(2013, 10, 7, 1)]


def test_period_ends_for_a_column():
    from spasm_analysis.io.dates import period_ends

    stamps = pd.Series([T(2013, 10, 1), T(2004, 1, 1), T(2013, 10, 5), pd.NaT])
    precision = pd.Series(["month", "year", "day", None])
    assert period_ends(stamps, precision).tolist()[:3] == [T(2013, 11, 1), T(2005, 1, 1), T(2013, 10, 5)]


@pytest.mark.parametrize("text", ["2300", "1500-01-01", "Dec 2262"])
def test_dates_outside_the_representable_range(text):
    with pytest.raises(ValueError, match="outside the dates"):
        parse_date(text)


def test_excel_serial_numbers_get_a_hint():
    with pytest.raises(ValueError, match="Excel date serial it would be 2013-10-05"):
        parse_date(41552)
