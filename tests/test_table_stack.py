"""One delimited-text reader under the table loaders and the app readers: decoding, strict parsing, limits, lines."""

from pathlib import Path

import pytest

import spasm_analysis as sa
from spasm_analysis.io import delimited

APPS = Path(__file__).parent / "fixtures" / "apps"
DAYLIO = (APPS / "daylio.csv").read_text(encoding="utf-8")


def _episodes_of(log):
    return [(str(o.date()), str(e.date())) for o, e in zip(log.episodes["onset"], log.episodes["end"])]


def test_a_byte_order_mark_names_the_encoding_for_tables_and_exports(tmp_path):
    table = tmp_path / "episodes.csv"
    table.write_bytes("onset,end,notes\n2020-01-05,2020-01-08,Rücken\n".encode("utf-16"))
    read = sa.read_episodes(table)
    assert read["notes"].tolist() == ["Rücken"] and str(read["onset"].iloc[0].date()) == "2020-01-05"
    export = tmp_path / "daylio.csv"
    export.write_bytes(DAYLIO.encode("utf-16"))
    expected = sa.read_app_export(APPS / "daylio.csv", app="daylio", symptom="back spasm")
    assert _episodes_of(sa.read_app_export(export, app="daylio", symptom="back spasm")) == _episodes_of(expected)
    assert delimited.detect_encoding("x".encode("utf-32")) == "utf-32"
    assert delimited.detect_encoding(b"\xef\xbb\xbfx") == "utf-8-sig"


SMALL = ("full_date,date,weekday,time,mood,activities,note_title,note\n"
         "2024-05-13,May 13,Monday,8:10 pm,good,work,,\n"
         "2024-05-12,May 12,Sunday,8:10 pm,bad,back spasm,,\n"
         "2024-05-11,May 11,Saturday,8:10 pm,bad,back spasm,,\"better \u2013 a bit\"\n"
         "2024-05-10,May 10,Friday,9:00 pm,good,work,,\n")


def test_bytes_that_are_not_text_name_the_line_in_both_paths(tmp_path):
    # cp1252's "\u2013" (0x96) is not UTF-8: no silent Latin-1 guess, a sentence naming the line.
    export = tmp_path / "daylio.csv"
    export.write_bytes(SMALL.encode("cp1252"))
    with pytest.raises(sa.LogValidationError, match=r"line 4 holds the byte\(s\) b'\\x96'; pass encoding="):
        sa.read_app_export(export, app="daylio", symptom="back spasm")
    log = sa.read_app_export(export, app="daylio", symptom="back spasm", encoding="cp1252")
    assert _episodes_of(log) == [("2024-05-11", "2024-05-13")]
    table = tmp_path / "episodes.csv"
    table.write_bytes("onset,notes\n2020-01-05,ok\n2020-02-05,na\u2013ve\n".encode("cp1252"))
    with pytest.raises(sa.LogValidationError, match=r"row 3: .*line 3 holds the byte\(s\) b'\\x96'; pass encoding="):
        sa.read_episodes(table)
    assert sa.read_episodes(table, encoding="cp1252")["notes"].tolist() == ["ok", "na\u2013ve"]


def test_a_quote_left_open_stops_an_export_instead_of_eating_the_rest(tmp_path):
    export = tmp_path / "daylio.csv"
    export.write_text(SMALL.replace(',,\n2024-05-12', ',,"forgot to close\n2024-05-12'), encoding="utf-8")
    with pytest.raises(sa.LogValidationError, match="line 2: .*not a well-formed table"):
        sa.read_app_export(export, app="daylio", symptom="back spasm")


def test_exports_are_bounded_by_the_same_limits(tmp_path):
    with sa.limits.override(max_rows=3), pytest.raises(sa.limits.LimitExceededError, match="max_rows"):
        sa.read_app_export(APPS / "daylio.csv", app="daylio", symptom="back spasm")
    with sa.limits.override(max_columns=5), pytest.raises(sa.limits.LimitExceededError, match="max_columns"):
        sa.read_app_export(APPS / "daylio.csv", app="daylio", symptom="back spasm")


def test_line_numbers_and_blank_records_agree(tmp_path):
    # A note spanning two lines and a blank line: both readers name the same file lines.
    text = "onset,notes\n2020-01-05,\"two\nlines\"\n\n2020-02-30,x\n"
    path = tmp_path / "episodes.csv"
    path.write_text(text)
    assert [(line, fields) for line, fields in delimited.records(path)] == [
        (1, ["onset", "notes"]), (2, ["2020-01-05", "two\nlines"]), (4, []), (5, ["2020-02-30", "x"])]
    with pytest.raises(sa.LogValidationError, match="row 5, column 'onset'"):
        sa.read_episodes(path)
    assert delimited.is_blank(["", "  "]) and not delimited.is_blank(["", "x"])
