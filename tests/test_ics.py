import re
import warnings

import pandas as pd
import pytest

import spasm_analysis as sa

T = pd.Timestamp


def calendar(tmp_path, *events, header=()):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *header]
    for event in events:
        lines += ["BEGIN:VEVENT", *event, "END:VEVENT"]
    lines.append("END:VCALENDAR")
    path = tmp_path / "cal.ics"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def test_all_day_events_have_exclusive_end(tmp_path):
    path = calendar(
        tmp_path,
        ["UID:1", "SUMMARY:Back spasm", "DTSTART;VALUE=DATE:20131005", "DTEND;VALUE=DATE:20131008"],
        ["UID:2", "SUMMARY:Back spasm", "DTSTART;VALUE=DATE:20140201"],
    )
    episodes = sa.read_ics(path)
    assert episodes["onset"].tolist() == [T(2013, 10, 5), T(2014, 2, 1)]
    # Three days (5, 6, 7 October): over at midnight starting the 8th.
    assert episodes["end"].tolist() == [T(2013, 10, 8), T(2014, 2, 2)]
    assert episodes["onset_precision"].tolist() == ["day", "day"]
    assert list(episodes.index) == [4, 10]  # lines of BEGIN:VEVENT


def test_duration_folding_escapes_and_categories(tmp_path):
    path = calendar(
        tmp_path,
        [
            "UID:1",
            "SUMMARY:Spasm\\, lower back",
            "DESCRIPTION:bent over the sink\\nthen could not stan",
            " d up; a long note that was folded",
            "CATEGORIES:Health,Back",
            "DTSTART:20131005T083000",
            "DURATION:PT36H",
        ],
    )
    episodes = sa.read_ics(path)
    assert episodes.loc[4, "end"] == T(2013, 10, 6, 20, 30)
    assert episodes.loc[4, "summary"] == "Spasm, lower back"
    assert episodes.loc[4, "notes"] == "bent over the sink\nthen could not stand up; a long note that was folded"
    assert episodes.loc[4, "categories"] == "Health, Back"


def test_match_keyword_regex_and_categories(tmp_path):
    path = calendar(
        tmp_path,
        ["UID:1", "SUMMARY:Back SPASM", "DTSTART;VALUE=DATE:20131005"],
        ["UID:2", "SUMMARY:Dentist", "DTSTART;VALUE=DATE:20131006"],
        ["UID:3", "SUMMARY:bad day", "CATEGORIES:spasm", "DTSTART;VALUE=DATE:20131007"],
        ["UID:4", "SUMMARY:neck spasms", "DTSTART;VALUE=DATE:20131009"],
    )
    assert sa.read_ics(path, match="spasm")["uid"].tolist() == ["1", "3", "4"]
    assert sa.read_ics(path, match=re.compile(r"^back\b", re.I))["uid"].tolist() == ["1"]
    assert len(sa.read_ics(path)) == 4
    with pytest.raises(TypeError, match="keyword"):
        sa.read_ics(path, match=3)


def test_rrule_daily_weekly_interval_count(tmp_path):
    path = calendar(
        tmp_path,
        ["UID:d", "SUMMARY:ice", "DTSTART:20200101T200000", "DTEND:20200101T202000", "RRULE:FREQ=DAILY;INTERVAL=2;COUNT=3"],
        ["UID:w", "SUMMARY:PT", "DTSTART:20200106T090000", "DURATION:PT1H", "RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=5"],
    )
    treatments = sa.read_ics(path, kind="treatments")
    ice = treatments[treatments["uid"] == "d"]
    assert ice["start"].tolist() == [T(2020, 1, 1, 20), T(2020, 1, 3, 20), T(2020, 1, 5, 20)]
    assert ice["end"].tolist() == [T(2020, 1, 1, 20, 20), T(2020, 1, 3, 20, 20), T(2020, 1, 5, 20, 20)]
    assert set(ice["modality"]) == {"cold"}
    pt = treatments[treatments["uid"] == "w"]
    assert pt["start"].dt.strftime("%a %d").tolist() == ["Mon 06", "Thu 09", "Mon 13", "Thu 16", "Mon 20"]
    assert set(pt["modality"]) == {"physiotherapy"} and set(pt["name"]) == {"PT"}


def test_rrule_monthly_yearly_until_and_skipped_dates(tmp_path):
    path = calendar(
        tmp_path,
        ["UID:m", "SUMMARY:x", "DTSTART;VALUE=DATE:20200131", "RRULE:FREQ=MONTHLY;COUNT=4"],
        ["UID:f", "SUMMARY:x", "DTSTART;VALUE=DATE:20200131", "RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20200430"],
        ["UID:y", "SUMMARY:x", "DTSTART;VALUE=DATE:20200229", "RRULE:FREQ=YEARLY;UNTIL=20290101"],
        ["UID:u", "SUMMARY:x", "DTSTART:20200301T100000Z", "RRULE:FREQ=WEEKLY;UNTIL=20200315T100000Z"],
    )
    episodes = sa.read_ics(path)
    by = {uid: g["onset"].tolist() for uid, g in episodes.groupby("uid")}
    # 31st of each month: February and April have none (RFC 5545 skips them).
    assert by["m"] == [T(2020, 1, 31), T(2020, 3, 31), T(2020, 5, 31), T(2020, 7, 31)]
    assert by["f"] == [T(2020, 1, 31), T(2020, 2, 28), T(2020, 3, 27), T(2020, 4, 24)]
    assert by["y"] == [T(2020, 2, 29), T(2024, 2, 29), T(2028, 2, 29)]
    assert by["u"] == [T(2020, 3, 1, 10), T(2020, 3, 8, 10), T(2020, 3, 15, 10)]


def test_exdate_rdate_and_recurrence_id_override(tmp_path):
    path = calendar(
        tmp_path,
        [
            "UID:c",
            "SUMMARY:chiro",
            "DTSTART;TZID=Europe/Berlin:20200106T090000",
            "DTEND;TZID=Europe/Berlin:20200106T093000",
            "RRULE:FREQ=WEEKLY;COUNT=4",
            "EXDATE;TZID=Europe/Berlin:20200113T090000",
            "RDATE;TZID=Europe/Berlin:20200201T110000",
        ],
        [
            "UID:c",
            "SUMMARY:chiro (moved)",
            "RECURRENCE-ID;TZID=Europe/Berlin:20200120T090000",
            "DTSTART;TZID=Europe/Berlin:20200121T170000",
            "DTEND;TZID=Europe/Berlin:20200121T173000",
        ],
    )
    treatments = sa.read_ics(path, kind="treatments")
    assert sorted(treatments["start"].tolist()) == [
        T(2020, 1, 6, 9), T(2020, 1, 21, 17), T(2020, 1, 27, 9), T(2020, 2, 1, 11),
    ]
    assert set(treatments["modality"]) == {"chiropractic"}


def test_time_zones(tmp_path):
    events = [
        ["UID:z", "SUMMARY:spasm", "DTSTART:20131101T010000Z", "DTEND:20131101T030000Z"],
        ["UID:b", "SUMMARY:spasm", "DTSTART;TZID=Europe/Berlin:20131105T233000"],
        ["UID:f", "SUMMARY:spasm", "DTSTART:20131107T233000"],
    ]
    plain = sa.read_ics(calendar(tmp_path, *events)).set_index("uid")["onset"]
    assert plain.to_dict() == {"z": T(2013, 11, 1, 1), "b": T(2013, 11, 5, 23, 30), "f": T(2013, 11, 7, 23, 30)}
    # A calendar exported in UTC by an app in New York: 1 am UTC is 9 pm the day before.
    ny = sa.read_ics(calendar(tmp_path, *events, header=["X-WR-TIMEZONE:America/New_York"])).set_index("uid")["onset"]
    assert ny.to_dict() == {"z": T(2013, 10, 31, 21), "b": T(2013, 11, 5, 23, 30), "f": T(2013, 11, 7, 23, 30)}
    utc = sa.read_ics(calendar(tmp_path, *events), tz="UTC").set_index("uid")["onset"]
    assert utc.to_dict() == {"z": T(2013, 11, 1, 1), "b": T(2013, 11, 5, 22, 30), "f": T(2013, 11, 7, 23, 30)}
    # A timed event without an end has an unknown end.
    assert sa.read_ics(calendar(tmp_path, *events)).set_index("uid")["end"].isna().tolist() == [False, True, True]


def test_cancelled_events_are_announced(tmp_path):
    path = calendar(
        tmp_path,
        ["UID:1", "SUMMARY:massage", "DTSTART;VALUE=DATE:20200105", "STATUS:CANCELLED"],
        ["UID:2", "SUMMARY:massage", "DTSTART;VALUE=DATE:20200112"],
    )
    with pytest.warns(sa.io.CancelledEventsWarning, match="1 event"):
        treatments = sa.read_ics(path, kind="treatments")
    assert treatments["start"].tolist() == [T(2020, 1, 12)]
    assert treatments["end"].tolist() == [T(2020, 1, 13)]


def test_forever_rules_need_until(tmp_path):
    path = calendar(tmp_path, ["UID:1", "SUMMARY:yoga", "DTSTART;VALUE=DATE:20200101", "RRULE:FREQ=WEEKLY"])
    with pytest.raises(sa.LogValidationError, match="repeats forever"):
        sa.read_ics(path)
    episodes = sa.read_ics(path, until="2020-01-31")
    assert len(episodes) == 5


@pytest.mark.parametrize(
    "rule, message",
    [
        ("FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3", "unsupported RRULE part.*BYMONTHDAY"),
        ("FREQ=HOURLY;COUNT=3", "FREQ must be one of DAILY, WEEKLY, MONTHLY, YEARLY"),
        ("FREQ=WEEKLY;BYDAY=1MO;COUNT=3", "only supported with FREQ=MONTHLY"),
        ("FREQ=DAILY;BYDAY=MO;COUNT=3", "BYDAY with FREQ=DAILY"),
        ("FREQ=MONTHLY;BYDAY=6MO;COUNT=3", "no occurrences"),
    ],
)
def test_unsupported_rules_are_named(tmp_path, rule, message):
    path = calendar(tmp_path, ["UID:1", "SUMMARY:x", "DTSTART;VALUE=DATE:20200101", f"RRULE:{rule}"])
    with pytest.raises(sa.LogValidationError, match=message) as excinfo:
        sa.read_ics(path)
    assert [(p.row, p.column) for p in excinfo.value.problems] == [(4, "RRULE")]


def test_malformed_calendars(tmp_path):
    path = calendar(
        tmp_path,
        ["UID:1", "SUMMARY:x", "DTSTART:2020-01-01"],
        ["UID:2", "SUMMARY:x"],
        ["UID:3", "SUMMARY:x", "DTSTART;VALUE=DATE:20200105", "DTEND;VALUE=DATE:20200103"],
        ["UID:4", "SUMMARY:x", "DTSTART;VALUE=DATE:20200105", "DURATION:soon"],
        ["UID:5", "this line has no colon", "DTSTART;VALUE=DATE:20200105"],
    )
    with pytest.raises(sa.LogValidationError) as excinfo:
        sa.read_ics(path)
    found = [(p.row, p.column) for p in excinfo.value.problems]
    assert found == [(27, None), (4, "DTSTART"), (9, "DTSTART"), (13, "DTEND"), (19, "DURATION")]
    not_ics = tmp_path / "notes.ics"
    not_ics.write_text("hello")
    with pytest.raises(sa.LogValidationError, match="not an iCalendar"):
        sa.read_ics(not_ics)
    unclosed = tmp_path / "unclosed.ics"
    unclosed.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20200101T000000\n")
    with pytest.raises(sa.LogValidationError, match="ends inside BEGIN:VEVENT"):
        sa.read_ics(unclosed)
    with pytest.raises(ValueError, match="episodes, treatments"):
        sa.read_ics(path, kind="visits")


def test_read_log_reads_a_calendar_file(tmp_path):
    path = calendar(
        tmp_path,
        ["UID:1", "SUMMARY:Back spasm", "DTSTART;VALUE=DATE:20131005", "DTEND;VALUE=DATE:20131008"],
        ["UID:2", "SUMMARY:Dentist", "DTSTART;VALUE=DATE:20131010"],
        ["UID:3", "SUMMARY:back spasm", "DTSTART;VALUE=DATE:20131101", "DTEND;VALUE=DATE:20131103"],
    )
    with pytest.warns(sa.FollowUpInferredWarning):
        log = sa.read_log(path, match="spasm")
    assert log.episodes["onset"].tolist() == [T(2013, 10, 5), T(2013, 11, 1)]
    with pytest.raises(TypeError, match="allowed"):
        sa.read_log(path, kind="treatments")
