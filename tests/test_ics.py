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


def test_rules_the_old_reader_refused(tmp_path):
    path = calendar(
        tmp_path,
        # Outlook's "every weekday": FREQ=DAILY with BYDAY.  1 Jan 2020 was a Wednesday.
        ["UID:wd", "SUMMARY:x", "DTSTART:20200101T090000", "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=6"],
        # RFC 5545's WKST example: weeks starting on Sunday put Sunday 5 and Monday 6 in one week.
        ["UID:su", "SUMMARY:x", "DTSTART;VALUE=DATE:20200105", "RRULE:FREQ=WEEKLY;WKST=SU;INTERVAL=2;BYDAY=MO,SU;COUNT=6"],
        ["UID:mo", "SUMMARY:x", "DTSTART;VALUE=DATE:20200105", "RRULE:FREQ=WEEKLY;WKST=MO;INTERVAL=2;BYDAY=MO,SU;COUNT=5"],
        ["UID:md", "SUMMARY:x", "DTSTART;VALUE=DATE:20200115", "RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3"],
        ["UID:h", "SUMMARY:x", "DTSTART:20200101T220000", "RRULE:FREQ=HOURLY;INTERVAL=3;COUNT=3"],
    )
    by = {uid: g["onset"].tolist() for uid, g in sa.read_ics(path).groupby("uid")}
    assert by["wd"] == [T(2020, 1, d, 9) for d in (1, 2, 3, 6, 7, 8)]
    assert by["su"] == [T(2020, 1, 5), T(2020, 1, 6), T(2020, 1, 19), T(2020, 1, 20), T(2020, 2, 2), T(2020, 2, 3)]
    assert by["mo"] == [T(2020, 1, 5), T(2020, 1, 13), T(2020, 1, 19), T(2020, 1, 27), T(2020, 2, 2)]
    assert by["md"] == [T(2020, 1, 15), T(2020, 2, 15), T(2020, 3, 15)]
    assert by["h"] == [T(2020, 1, 1, 22), T(2020, 1, 2, 1), T(2020, 1, 2, 4)]


def test_count_zero_gives_none_and_negative_count_is_named(tmp_path):
    path = calendar(
        tmp_path,
        ["UID:0", "SUMMARY:spasm", "DTSTART;VALUE=DATE:20200105", "RRULE:FREQ=DAILY;COUNT=0"],
        ["UID:1", "SUMMARY:spasm", "DTSTART;VALUE=DATE:20200301"],
    )
    assert sa.read_ics(path)["onset"].tolist() == [T(2020, 3, 1)]
    negative = calendar(tmp_path, ["UID:1", "SUMMARY:x", "DTSTART;VALUE=DATE:20200105", "RRULE:FREQ=DAILY;COUNT=-3"])
    with pytest.raises(sa.LogValidationError, match="COUNT must not be negative") as excinfo:
        sa.read_ics(negative)
    assert [(p.row, p.column, p.value) for p in excinfo.value.problems] == [(8, "RRULE", "FREQ=DAILY;COUNT=-3")]


def test_exdate_in_utc_cancels_an_occurrence_written_with_a_tzid(tmp_path):
    path = calendar(
        tmp_path,
        ["UID:c", "SUMMARY:chiro", "DTSTART;TZID=Europe/Berlin:20200106T090000", "RRULE:FREQ=WEEKLY;COUNT=3",
         "EXDATE:20200113T080000Z"],  # 9 am in Berlin is 8 am UTC in winter
    )
    assert sa.read_ics(path)["onset"].tolist() == [T(2020, 1, 6, 9), T(2020, 1, 20, 9)]


def test_a_broken_rule_in_an_unrelated_event_does_not_stop_the_calendar(tmp_path):
    path = calendar(
        tmp_path,
        ["UID:1", "SUMMARY:Back spasm", "DTSTART;VALUE=DATE:20200105", "DTEND;VALUE=DATE:20200107"],
        ["UID:2", "SUMMARY:Dentist", "DTSTART;VALUE=DATE:20200110", "RRULE:FREQ=DAILY;COUNT=-1"],
        ["UID:3", "SUMMARY:Team meeting", "DTSTART;VALUE=DATE:20200110", "RRULE:FREQ=WEEKLY"],
    )
    assert sa.read_ics(path, match="spasm")["onset"].tolist() == [T(2020, 1, 5)]
    with pytest.raises(sa.LogValidationError) as excinfo:
        sa.read_ics(path)
    assert [(p.row, p.column) for p in excinfo.value.problems] == [(14, "RRULE"), (20, "RRULE")]
    assert "repeats forever" in str(excinfo.value)


def test_no_matching_event_is_a_clear_error(tmp_path):
    path = calendar(
        tmp_path,
        ["UID:1", "SUMMARY:Dentist", "DTSTART;VALUE=DATE:20200105"],
        ["UID:2", "SUMMARY:Dentist", "DTSTART;VALUE=DATE:20200205"],
        ["UID:3", "SUMMARY:Yoga", "DTSTART;VALUE=DATE:20200305"],
    )
    with pytest.raises(sa.LogValidationError, match="no event's title or category contains 'spasm'.*'Dentist', 'Yoga'"):
        sa.read_ics(path, match="spasm")
    empty = tmp_path / "empty.ics"
    empty.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    with pytest.raises(sa.LogValidationError, match="holds no events"):
        sa.read_ics(empty)


def test_occurrences_are_capped_per_file(tmp_path):
    # 40 events of COUNT=99999 would be 4 million rows: refused before any expansion.
    many = [["UID:%d" % i, "SUMMARY:pill", "DTSTART:20200101T090000", "RRULE:FREQ=DAILY;COUNT=99999"] for i in range(40)]
    with pytest.raises(sa.LogValidationError, match="more than 20,000 occurrences.*max_occurrences="):
        sa.read_ics(calendar(tmp_path, *many))
    # Rules bounded by UNTIL are counted while they expand.
    until = [["UID:%d" % i, "SUMMARY:pill", "DTSTART;VALUE=DATE:20200101", "RRULE:FREQ=DAILY;UNTIL=20201231"] for i in range(3)]
    path = calendar(tmp_path, *until)
    with pytest.raises(sa.LogValidationError, match="more than 500 occurrences"):
        sa.read_ics(path, max_occurrences=500)
    assert len(sa.read_ics(path, max_occurrences=1200)) == 3 * 366
    assert len(sa.read_ics(path, until="2020-01-31")) == 3 * 31
    with pytest.raises(ValueError, match="max_occurrences"):
        sa.read_ics(path, max_occurrences=0)


@pytest.mark.parametrize("zone", ["America", "Bogus/Zone", "../../etc/passwd", ""])
def test_unusable_calendar_zone_is_named(tmp_path, zone):
    path = calendar(tmp_path, ["UID:z", "SUMMARY:spasm", "DTSTART:20131101T010000Z"], header=[f"X-WR-TIMEZONE:{zone}"])
    with pytest.raises(sa.LogValidationError, match="not a time zone name.*pass tz=") as excinfo:
        sa.read_ics(path)
    assert [(p.row, p.column) for p in excinfo.value.problems] == [(4, "X-WR-TIMEZONE")]
    assert sa.read_ics(path, tz="America/New_York")["onset"].tolist() == [T(2013, 10, 31, 21)]
    with pytest.raises(ValueError, match="tz 'America' is not a time zone"):
        sa.read_ics(path, tz="America")


def test_many_moved_occurrences_read_quickly(tmp_path):
    import time

    day = pd.Timedelta(days=1)
    moved = [
        ["UID:a", "SUMMARY:ice", f"RECURRENCE-ID:{T(2020, 1, 1, 9) + i * day:%Y%m%dT%H%M%S}",
         f"DTSTART:{T(2020, 1, 1, 10) + i * day:%Y%m%dT%H%M%S}"]
        for i in range(2000)
    ]
    path = calendar(tmp_path, ["UID:a", "SUMMARY:ice", "DTSTART:20200101T090000", "RRULE:FREQ=DAILY;COUNT=2500"], *moved)
    began = time.perf_counter()
    treatments = sa.read_ics(path, kind="treatments")
    assert time.perf_counter() - began < 20  # about 1 s quietly; generous so a loaded machine cannot fail it
    assert len(treatments) == 2500
    assert treatments["start"].dt.hour.value_counts().to_dict() == {10: 2000, 9: 500}


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
    # The line of the property at fault (the line of BEGIN:VEVENT when it is missing).
    assert found == [(27, None), (7, "DTSTART"), (9, "DTSTART"), (17, "DTEND"), (23, "DURATION")]
    not_ics = tmp_path / "notes.ics"
    not_ics.write_text("hello")
    with pytest.raises(sa.LogValidationError, match="not an iCalendar"):
        sa.read_ics(not_ics)
    unclosed = tmp_path / "unclosed.ics"
    unclosed.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20200101T000000\n")
    with pytest.raises(sa.LogValidationError, match="ends inside BEGIN:VEVENT"):
        sa.read_ics(unclosed)
    with pytest.raises(ValueError, match="kind=.* is not valid; allowed values: 'episodes', 'treatments'"):
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
