"""``summary`` and ``report`` read every source read_log and read_app_export read, with the choices their errors ask for."""

from pathlib import Path

import pytest

from spasm_analysis import cli

APPS = Path(__file__).parent / "fixtures" / "apps"


def run(capsys, *argv):
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_summary_reads_app_exports(capsys):
    # A Daylio export used to give one "a date needs a year" error per row.
    code, out, err = run(capsys, "summary", str(APPS / "daylio.csv"), "--symptom", "back spasm")
    assert code == 0, err
    assert "detected app Daylio" in err
    code, out, err = run(capsys, "summary", str(APPS / "daylio_polish.csv"), "--app", "daylio", "--symptom", "skurcz pleców")
    assert code == 0, err
    assert "detected app" not in err
    code, out, err = run(capsys, "summary", str(APPS / "bearable.csv"))
    assert code == 2 and "Pass symptom=" in err and "Traceback" not in err


def test_summary_reads_calendars_with_match_and_until(capsys, tmp_path):
    path = tmp_path / "cal.ics"
    path.write_text("\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0",
        "BEGIN:VEVENT", "UID:1", "SUMMARY:Back spasm", "DTSTART;VALUE=DATE:20200105", "DTEND;VALUE=DATE:20200107", "END:VEVENT",
        "BEGIN:VEVENT", "UID:2", "SUMMARY:Yoga", "DTSTART;VALUE=DATE:20200101", "RRULE:FREQ=WEEKLY", "END:VEVENT",
        "BEGIN:VEVENT", "UID:3", "SUMMARY:Back spasm", "DTSTART;VALUE=DATE:20200301", "END:VEVENT",
        "END:VCALENDAR", ""]))
    code, out, err = run(capsys, "summary", str(path))
    assert code == 2 and "repeats forever" in err and "until=" in err
    code, out, err = run(capsys, "summary", str(path), "--match", "spasm")
    assert code == 0, err
    assert "Episode log" in out
    code, out, err = run(capsys, "summary", str(path), "--until", "2020-03-31")
    assert code == 0, err


def test_table_options_reach_the_reader(capsys, tmp_path):
    path = tmp_path / "episodes.csv"
    path.write_bytes("onset;end;notes\n05/10/2015;07/10/2015;bücken\n13/11/2015;14/11/2015;\n".encode("cp1252"))
    code, out, err = run(capsys, "summary", str(path), "--separator", ";", "--encoding", "cp1252", "--dayfirst")
    assert code == 0, err
    assert "2015" in out
    code, out, err = run(capsys, "summary", str(path), "--separator", ";", "--encoding", "cp1252", "--symptom", "x")
    assert code == 2
    assert "--symptom cannot be used here" in err and "read as a table" in err


def test_report_takes_the_same_choices(capsys, tmp_path):
    output = tmp_path / "r.html"
    code, out, err = run(capsys, "report", str(APPS / "daylio_polish.csv"), "-o", str(output),
                         "--app", "daylio", "--language", "pl", "--symptom", "skurcz pleców")
    assert code == 0, err
    assert output.exists() and "2017" in output.read_text(encoding="utf-8")


def test_calendar_zone_and_broken_zip_messages(capsys, tmp_path):
    path = tmp_path / "a.ics"
    path.write_text("BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:America\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:spasm\r\n"
                    "DTSTART:20200101T010000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    code, out, err = run(capsys, "summary", str(path))
    assert code == 2 and "X-WR-TIMEZONE 'America' is not a time zone name" in err
    code, out, err = run(capsys, "summary", str(path), "--tz", "America/New_York")
    assert code == 0, err
    broken = tmp_path / "export.zip"
    broken.write_bytes(b"PK\x03\x04cut short")
    code, out, err = run(capsys, "summary", str(broken))
    assert code == 2 and "not a readable zip file" in err and "Traceback" not in err


def test_report_shows_the_readers_notes_escaped_and_prints_them(capsys, tmp_path):
    # A made-up medication name carrying markup: the note quotes it, the page must not run it.
    export = tmp_path / "bearable.csv"
    export.write_text(
        "date,date formatted,weekday,time of day,category,rating/amount,detail,notes\n"
        "2021-05-03,3 May 2021,Monday,am,Symptom,2,Back (lower) pain (Moderate),\n"
        "2021-05-04,4 May 2021,Tuesday,am,Mood,3,Okay,\n"
        "2021-05-05,5 May 2021,Wednesday,am,Symptom,3,Back (lower) pain (Severe),\n"
        "2021-05-05,5 May 2021,Wednesday,pm,Medication,1,<b>Fizzy</b>,\n", encoding="utf-8")
    output = tmp_path / "r.html"
    code, out, err = run(capsys, "report", str(export), "-o", str(output))
    assert code == 0, err
    # The same notes on the command line and in the page.
    assert "note: bearable.csv: detected app Bearable" in err
    assert "note: 1 treatment name(s) matched no vocabulary rule" in err and "'<b>Fizzy</b>'" in err
    page = output.read_text(encoding="utf-8")
    assert "Notes from reading the file (2)" in page
    assert "detected app Bearable" in page
    assert "&#x27;&lt;b&gt;Fizzy&lt;/b&gt;&#x27;" in page and "<b>Fizzy</b>" not in page
    assert "No follow_up given" not in page  # an app export's logged days are its follow-up
    assert page.index("Notes from reading the file") < page.index("Red flags")


def test_read_source_noting_returns_each_note_once():
    from spasm_analysis.reading import read_source_noting

    log, notes = read_source_noting(APPS / "daylio.csv", symptom="back spasm")
    assert log.n_episodes > 0
    assert len(notes) == len(set(notes)) and any("detected app Daylio" in n for n in notes)


def test_report_notes_say_which_calendar_events_were_left_out(capsys, tmp_path):
    path = tmp_path / "cal.ics"
    events = [("1", "20200105", "20200108", "CONFIRMED"), ("2", "20200302", "20200304", "CONFIRMED"),
              ("3", "20200610", "20200611", "CONFIRMED"), ("4", "20200801", "20200803", "CANCELLED")]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0"]
    for uid, start, end, status in events:
        lines += ["BEGIN:VEVENT", f"UID:{uid}", "SUMMARY:Back spasm", f"DTSTART;VALUE=DATE:{start}",
                  f"DTEND;VALUE=DATE:{end}", f"STATUS:{status}", "END:VEVENT"]
    path.write_text("\r\n".join(lines + ["END:VCALENDAR", ""]))
    output = tmp_path / "r.html"
    code, out, err = run(capsys, "report", str(path), "-o", str(output))
    assert code == 0, err
    assert "note: 1 event(s) with STATUS:CANCELLED were not read" in err
    page = output.read_text(encoding="utf-8")
    assert "1 event(s) with STATUS:CANCELLED were not read" in page
    assert "Personal episode log: 3 episodes" in page
