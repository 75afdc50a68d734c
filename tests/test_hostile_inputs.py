"""Hostile and broken inputs through the command line: a clear error or a right answer.

Every row of :data:`CASES` writes an input (generated here, in ``tmp_path``)
and runs ``python -m spasm_analysis.cli`` on it in a subprocess with a memory
bound (``RLIMIT_AS``) and a time bound.  Each run must end with exit code 0 or
2 (2: the input could not be used, said in plain words), print no traceback,
leave every input file byte for byte as it was, and write nothing into the
(empty, temporary) home folder.  Some rows check more: the expected exit code,
a sentence in the message, the report's content.

The subprocesses run in a small pool so the whole table stays well under two
minutes on two cores.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

# Seconds a run may take (a machine shared by many jobs is slow; a hang is caught all the same):
# a summary reads and describes, a report also fits models and draws figures.
TIME_LIMIT_S = {"summary": 30, "report": 120}
MEMORY_LIMIT_BYTES = 2_000_000_000
WORKERS = 3

EPISODES = "onset,end,severity\n2020-01-05,2020-01-08,6\n2020-03-02,2020-03-04,7\n2020-06-10,2020-06-11,4\n"


@dataclass(frozen=True)
class Outcome:
    code: int | None
    out: str
    err: str
    seconds: float
    folder: Path

    def html(self, name: str = "out/report.html") -> str:
        return (self.folder / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Case:
    """One hostile input: ``make(folder)`` writes it under ``folder/in`` and returns the CLI arguments."""

    id: str
    make: Callable[[Path], list]
    expect: str = "either"  # "ok" (exit 0), "error" (exit 2) or "either"
    check: Callable[[Outcome], object] | None = None
    env: dict = field(default_factory=dict)
    owner: str | None = None  # engineer whose fix this row waits for (xfail until it lands)
    mock_denied: str | None = None  # path (under in/) that the child is refused, as PermissionError


# ---------------------------------------------------------------- writers


def _write(folder: Path, name: str, content) -> Path:
    path = folder / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def _summary(name: str, content, *extra):
    def make(folder: Path) -> list:
        _write(folder, name, content)
        return ["summary", f"in/{name}", *extra]
    return make


def _report(name: str, content, *extra, files: dict | None = None):
    def make(folder: Path) -> list:
        _write(folder, name, content)
        for other, text in (files or {}).items():
            _write(folder, other, text)
        return ["report", f"in/{name}", "-o", "out/report.html", *extra]
    return make


def _xlsx(cells: dict, *, formula_cached: bool = False) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for ref, value in cells.items():
        sheet[ref] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_GOOD_XLSX_CELLS = {"A1": "onset", "B1": "end", "A2": "2020-01-05", "B2": "2020-01-08", "A3": "2020-03-02", "B3": "2020-03-04"}


def _rezip(data: bytes, change: Callable[[str, bytes], bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A copy of a zip with each member's bytes passed through ``change(name, bytes)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return out.getvalue()


def _sheet_xml(change: Callable[[bytes], bytes]):
    return lambda name, data: change(data) if name == "xl/worksheets/sheet1.xml" else data


_LOL = b'<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
    b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
) + b"]>"


def _xlsx_bomb() -> bytes:
    def change(data: bytes) -> bytes:
        return b'<?xml version="1.0" encoding="UTF-8"?>' + _LOL + data.replace(b"<t>onset</t>", b"<t>onset&lol9;</t>", 1)
    return _rezip(_xlsx(_GOOD_XLSX_CELLS), _sheet_xml(change))


def _xlsx_padded(megabytes: int) -> bytes:
    padding = b" " * (megabytes * 1_000_000)
    return _rezip(_xlsx(_GOOD_XLSX_CELLS), _sheet_xml(lambda data: data.replace(b"<sheetData>", b"<sheetData>" + padding, 1)))


def _corrupt_member(data: bytes, member: str, *, flip_at: float = 0.5) -> bytes:
    """Flip bytes in the middle of one member's compressed data (a bad CRC or a broken deflate stream)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    raw = bytearray(data)
    header = info.header_offset
    name_len = int.from_bytes(raw[header + 26 : header + 28], "little")
    extra_len = int.from_bytes(raw[header + 28 : header + 30], "little")
    start = header + 30 + name_len + extra_len
    at = start + int(info.compress_size * flip_at)
    for k in range(at, min(at + 8, start + info.compress_size)):
        raw[k] ^= 0xFF
    return bytes(raw)


def _encrypted_flag(data: bytes) -> bytes:
    """Set the 'encrypted' flag on every member (local and central headers)."""
    raw = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(signature)
        while at != -1:
            raw[at + offset] |= 0x01
            at = raw.find(signature, at + 4)
    return bytes(raw)


def _stored_xlsx_with_bad_crc() -> bytes:
    stored = _rezip(_xlsx(_GOOD_XLSX_CELLS), lambda name, data: data, compression=zipfile.ZIP_STORED)
    with zipfile.ZipFile(io.BytesIO(stored)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    raw = bytearray(stored)
    name_len = int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little")
    start = info.header_offset + 30 + name_len + int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
    text = raw[start : start + info.compress_size]
    at = text.find(b"2020")
    raw[start + at] = ord("3")  # still well-formed XML, but the CRC no longer matches
    return bytes(raw)


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


_HEALTH_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n <ExportDate value="2024-01-01 00:00:00 -0800"/>\n'
_HEALTH_RECORD = (' <Record type="HKCategoryTypeIdentifierLowerBackPain" sourceName="Health" creationDate="{d} 09:00:00 -0800" '
                  'startDate="{d} 09:00:00 -0800" endDate="{d} 10:00:00 -0800" value="HKCategoryValueSeverityModerate"{extra}/>\n')


def _health(days=("2023-01-02", "2023-02-10"), *, extra: str = "", head: str = _HEALTH_HEAD) -> str:
    return head + "".join(_HEALTH_RECORD.format(d=d, extra=extra) for d in days) + "</HealthData>\n"


def _zipped(members: dict, *, level: int = 9) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _health_zip_bomb(megabytes: int) -> bytes:
    filler = ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="W" unit="count/min" startDate="2023-01-02 09:00:00 -0800" endDate="2023-01-02 09:00:00 -0800" value="60"/>\n'
    body = filler * (megabytes * 1_000_000 // len(filler))
    return _zipped({"apple_health_export/export.xml": _HEALTH_HEAD + body + _health()[len(_HEALTH_HEAD):]}, level=6)


_ICS_HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n"


def _event(uid: str, start: str, *lines: str, summary: str = "back spasm") -> str:
    return "".join(f"{line}\r\n" for line in ("BEGIN:VEVENT", f"UID:{uid}", f"SUMMARY:{summary}", f"DTSTART:{start}", *lines, "END:VEVENT"))


def _ics(*events: str, head: str = _ICS_HEAD) -> str:
    return head + "".join(events) + "END:VCALENDAR\r\n"


def _recurrence_ids(n: int) -> str:
    master = _event("r", "20200101T090000", "DTEND:20200101T100000", f"RRULE:FREQ=DAILY;COUNT={n}")
    moved = "".join(
        _event("r", f"{(pd.Timestamp('2020-01-01') + pd.Timedelta(days=k)):%Y%m%d}T120000",
               f"RECURRENCE-ID:{(pd.Timestamp('2020-01-01') + pd.Timedelta(days=k)):%Y%m%d}T090000", "DURATION:PT1H")
        for k in range(n)
    )
    return _ics(master + moved)


def _folder(files: dict, *, args=("summary",), target="in/log"):
    def make(folder: Path) -> list:
        for name, content in files.items():
            _write(folder, f"log/{name}", content)
        return [*args[:1], target, *args[1:]]
    return make


def _fifo(folder: Path) -> list:
    path = folder / "in" / "episodes.csv"
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    return ["summary", "in/episodes.csv"]


def _symlink(target: str, name: str = "log.csv"):
    def make(folder: Path) -> list:
        (folder / "in").mkdir()
        (folder / "in" / name).symlink_to(target)
        return ["summary", f"in/{name}"]
    return make


def _output_case(output, *, input_name="log.csv", setup: Callable[[Path], None] | None = None, args=()):
    def make(folder: Path) -> list:
        _write(folder, input_name, EPISODES)
        (folder / "out").mkdir(exist_ok=True)
        if setup is not None:
            setup(folder)
        return ["report", f"in/{input_name}", "-o", output, *args]
    return make


def _output_into_folder(folder: Path) -> list:
    _write(folder, "log/episodes.csv", EPISODES)
    _write(folder, "log/follow_up.csv", "start,end\n2020-01-01,2020-12-31\n")
    return ["report", "in/log", "-o", "in/log/follow_up.csv"]


def _output_symlink_to_input(folder: Path) -> list:
    _write(folder, "log.csv", EPISODES)
    (folder / "out").mkdir()
    (folder / "out" / "report.html").symlink_to(folder / "in" / "log.csv")
    return ["report", "in/log.csv", "-o", "out/report.html"]


def _mixed_encodings() -> bytes:
    return "onset,notes\n2020-01-05,caf\u00e9\n".encode() + "2020-02-05,na\u00efve\n".encode("latin-1")


def _wide(columns: int) -> str:
    names = ["onset"] + [f"c{k}" for k in range(columns - 1)]
    return ",".join(names) + "\n" + ",".join(["2020-01-05"] + ["1"] * (columns - 1)) + "\n"


_MANY_EPISODES = "onset,end,severity\n" + "".join(
    f"{pd.Timestamp('2019-01-05') + pd.Timedelta(days=d):%Y-%m-%d},{pd.Timestamp('2019-01-05') + pd.Timedelta(days=d + 2):%Y-%m-%d},5\n"
    for d in (0, 31, 70, 95, 150, 170, 230, 260, 300, 341, 390, 405)
)


def _small_cohort() -> dict:
    """Twelve subjects, two arms, a few episodes each: enough for the cohort report's Cox models."""
    episodes, follow_up, covariates = ["subject,onset,end"], ["subject,start,end"], ["subject,arm"]
    for k in range(12):
        start = pd.Timestamp("2018-01-01") + pd.Timedelta(days=7 * k)
        follow_up.append(f"s{k},{start:%Y-%m-%d},{start + pd.Timedelta(days=700):%Y-%m-%d}")
        covariates.append(f"s{k},{'AB'[k % 2]}")
        for j in range(1 + k % 4):
            onset = start + pd.Timedelta(days=40 + 150 * j + 11 * k)
            episodes.append(f"s{k},{onset:%Y-%m-%d},{onset + pd.Timedelta(days=3):%Y-%m-%d}")
    return {name: "\n".join(rows) + "\n" for name, rows in
            (("episodes.csv", episodes), ("follow_up.csv", follow_up), ("covariates.csv", covariates))}


def _timeline_has_figure(outcome: Outcome) -> bool:
    page = outcome.html()
    timeline = page[page.index('<section id="timeline">'):]
    timeline = timeline[: timeline.index("</section>")]
    return "$x^2$" in page and "<img" in timeline and "could not be computed" not in timeline


# ---------------------------------------------------------------- checks


def _says(*words: str) -> Callable[[Outcome], bool]:
    return lambda outcome: all(word.lower() in outcome.err.lower() for word in words)


def _stdout_says(*words: str) -> Callable[[Outcome], bool]:
    return lambda outcome: all(word in outcome.out for word in words)



CASES = [
    # --- empty, blank and odd bytes
    Case("empty_file", _summary("log.csv", b""), "error", _says("empty")),
    Case("only_blank_lines", _summary("log.csv", b"\n\r\n  \n"), "error"),
    Case("header_only", _summary("log.csv", "onset,end\n"), "ok", _stdout_says("No episodes and no logged days")),
    Case("header_only_cohort_report", _report("log.csv", "onset,end\n", "--cohort"), "error", _says("no episodes")),
    Case("header_only_personal_report", _report("log.csv", "onset,end\n"), "error", _says("no episodes")),
    Case("utf8_bom", _summary("log.csv", "\ufeff" + EPISODES), "ok", _stdout_says("Episodes: 3")),
    Case("utf16_with_bom", _summary("log.csv", EPISODES.encode("utf-16")), "ok", _stdout_says("Episodes: 3")),
    Case("latin1_text", _summary("log.csv", "onset,notes\n2020-01-05,caf\u00e9\n".encode("latin-1")), "error",
         _says("line 2", "pass encoding=")),
    Case("mixed_encodings", _summary("log.csv", _mixed_encodings()), "error", _says("line 3", "pass encoding=")),
    Case("nul_inside_date", _summary("log.csv", "onset\n2020-\x0001-05\n"), "error", _says("row 2", "onset", "control character")),
    Case("nul_bytes_only", _summary("log.csv", b"\0" * 5000), "error"),
    Case("lone_cr_line_ends", _summary("log.csv", EPISODES.replace("\n", "\r")), "either"),
    Case("binary_garbage_csv", _summary("log.csv", bytes(range(256)) * 40), "error"),
    Case("very_long_line", _summary("log.csv", "onset,notes\n2020-01-05," + "x" * 2_000_000 + "\n"), "either"),
    Case("many_columns_20000", _summary("log.csv", _wide(20_000)), "error", _says("max_columns", "SPASM_ANALYSIS_MAX_COLUMNS")),
    Case("many_columns_under_limit", _summary("log.csv", _wide(900)), "ok"),
    Case("many_rows_over_lowered_limit", _summary("log.csv", "onset\n" + "".join(f"{pd.Timestamp('2000-01-01') + pd.Timedelta(days=3 * k):%Y-%m-%d}\n" for k in range(500))),
         "error", _says("max_rows"), env={"SPASM_ANALYSIS_MAX_ROWS": "100"}),
    Case("limit_variable_not_a_number", _summary("log.csv", EPISODES), "error", _says("SPASM_ANALYSIS_MAX_ROWS"), env={"SPASM_ANALYSIS_MAX_ROWS": "lots"}),
    Case("duplicate_headers", _summary("log.csv", "onset,onset\n2020-01-05,2020-01-06\n"), "error", _says("more than once")),
    Case("blank_headers_only", _summary("log.csv", ",,\n2020-01-05,x,y\n"), "error"),
    Case("unclosed_quote", _summary("log.csv", 'onset,notes\n2020-01-05,"never closed\n2020-02-01,x\n'), "either"),
    Case("more_fields_than_header", _summary("log.csv", "onset\n2020-01-05,extra,more\n"), "error"),
    # --- numbers, lengths and dates out of range
    Case("huge_severity", _summary("log.csv", "onset,severity\n2020-01-05,1e308\n"), "error"),
    Case("twenty_digit_severity", _summary("log.csv", "onset,severity\n2020-01-05,99999999999999999999\n"), "error"),
    Case("infinite_severity", _summary("log.csv", "onset,severity\n2020-01-05,inf\n"), "error"),
    Case("negative_duration", _summary("log.csv", "onset,duration\n2020-01-05,-3 days\n"), "error"),
    Case("huge_duration", _summary("log.csv", "onset,duration\n2020-01-05,99999999999 days\n"), "error"),
    Case("end_before_onset", _summary("log.csv", "onset,end\n2020-01-05,2019-01-05\n"), "error"),
    Case("future_dates", _summary("log.csv", "onset,end\n2999-01-05,2999-01-08\n"), "either"),
    Case("dates_300_years_apart", _summary("log.csv", "onset,end\n1750-01-05,1750-01-08\n2060-01-05,2060-01-06\n"), "either"),
    Case("year_one_and_9999", _summary("log.csv", "onset\n0001-01-01\n9999-12-31\n"), "error"),
    Case("impossible_date", _summary("log.csv", "onset\n2020-13-45\n"), "error"),
    Case("twenty_digit_extra_ids", _summary("log.csv", "onset,record id\n2020-01-05,12345678901234567890\n2020-02-05,12345678901234567891\n"), "ok"),
    # --- dates misread silently
    Case("date_order_mixed_in_column", _summary("log.csv", "onset,end\n02/03/2015,05/03/2015\n13/03/2015,14/03/2015\n"), "ok"),
    Case("dotted_dates_are_day_first", _folder({"episodes.csv": "onset\n05.10.2015\n", "follow_up.csv": "start,end\n2015-09-01,2015-12-31\n"}), "ok"),
    Case("two_digit_year_alone", _summary("log.csv", "onset\n45\n"), "error"),
    Case("three_part_short_date", _summary("log.csv", "onset\n1/2/3\n"), "error"),
    Case("json_onset_as_number", _summary("log.json", '[{"onset": 2015}]'), "either",
         lambda o: o.code == 2 or "2015" in o.out),
    # --- user text
    Case("emoji_and_rtl_notes", _report("log.csv", "onset,end,notes\n2020-01-05,2020-01-08,\U0001F62B \u202eevil\u202c \u05e9\u05dc\u05d5\u05dd\n2020-03-02,2020-03-04,ok\n"), "ok"),
    Case("script_in_title", _report("log.csv", EPISODES, "--title", "<script>alert(1)</script>"), "ok",
         lambda o: "<script>alert(1)" not in o.html()),
    Case("formula_in_notes", _report("log.csv", 'onset,end,notes\n2020-01-05,2020-01-08,"=HYPERLINK(""http://x"",""y"")"\n'), "ok"),
    Case("mathtext_in_treatment_column", _report("log.csv", _MANY_EPISODES.replace("severity\n", "severity,treatment\n", 1).replace(",5\n", ",5,$x^2$\n", 2).replace(",5\n", ",5,$\\frac{$ x\n", 2)),
         "ok", _timeline_has_figure),
    Case("mathtext_in_folder_treatments", _folder({"episodes.csv": _MANY_EPISODES, "treatments.csv": "start,name\n2019-02-01,$x^2$\n2019-05-03,$\\frac{$ x\n"},
                                                  args=("report", "-o", "out/report.html")), "ok", _timeline_has_figure),
    Case("cohort_report_writes_only_its_output", _folder(_small_cohort(), args=("report", "--by", "arm", "-o", "out/report.html")), "ok",
         lambda o: "Andersen-Gill" in o.html()),
    Case("unicode_file_name", _summary("\u65e5\u672c \u2603 log.csv", EPISODES), "ok"),
    # --- JSON
    Case("json_100000_deep_lists", _summary("log.json", "[" * 100_000 + "]" * 100_000), "error", _says("nest")),
    Case("json_100000_deep_objects", _summary("log.json", '{"a":' * 100_000 + "1" + "}" * 100_000), "error", _says("nest")),
    Case("json_nan_severity", _summary("log.json", '[{"onset": "2020-01-05", "severity": NaN}]'), "either"),
    Case("json_huge_number", _summary("log.json", '[{"onset": "2020-01-05", "severity": 1e400}]'), "error"),
    Case("json_scalar", _summary("log.json", "42"), "error"),
    Case("jsonl_bad_line", _summary("log.jsonl", '{"onset": "2020-01-05"}\n{oops\n'), "error"),
    Case("json_duplicate_keys", _summary("log.json", '[{"onset": "2020-01-05", "onset": "2020-02-05"}]'), "either"),
    # --- Parquet
    Case("parquet_list_in_notes", _summary("log.parquet", _parquet(pd.DataFrame({"onset": ["2020-01-05"], "notes": [["a", "b"]]}))), "error"),
    Case("parquet_struct_column", _summary("log.parquet", _parquet(pd.DataFrame({"onset": ["2020-01-05"], "extra": [{"a": 1}]}))), "error"),
    Case("parquet_list_onset", _summary("log.parquet", _parquet(pd.DataFrame({"onset": [["2020-01-05"]]}))), "error"),
    Case("parquet_random_bytes", _summary("log.parquet", b"PAR1" + bytes(range(256)) * 8 + b"PAR1"), "error"),
    Case("parquet_truncated", _summary("log.parquet", _parquet(pd.DataFrame({"onset": ["2020-01-05"] * 50}))[:300]), "error"),
    # --- spreadsheets
    Case("xlsx_random_bytes", _summary("log.xlsx", bytes(range(256)) * 20), "error"),
    Case("xlsx_truncated", _summary("log.xlsx", _xlsx(_GOOD_XLSX_CELLS)[:2000]), "error"),
    Case("xlsx_ole_encrypted", _summary("log.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000), "error"),
    Case("xlsx_encrypted_members", _summary("log.xlsx", _encrypted_flag(_xlsx(_GOOD_XLSX_CELLS))), "error"),
    Case("xlsx_broken_deflate", _summary("log.xlsx", _corrupt_member(_xlsx(_GOOD_XLSX_CELLS), "xl/worksheets/sheet1.xml")), "error"),
    Case("xlsx_bad_crc", _summary("log.xlsx", _stored_xlsx_with_bad_crc()), "error"),
    Case("xlsx_cell_at_XFD1048576", _summary("log.xlsx", _xlsx({**_GOOD_XLSX_CELLS, "XFD1048576": "x"})), "error", _says("row 1048576")),
    Case("xlsx_malformed_sheet_xml", _summary("log.xlsx", _rezip(_xlsx(_GOOD_XLSX_CELLS), _sheet_xml(lambda data: data[:-40]))), "error"),
    Case("xlsx_formula_without_value", _summary("log.xlsx", _xlsx({**_GOOD_XLSX_CELLS, "C1": "severity", "C2": "=1+5"})), "either",
         lambda o: "formula" in o.err.lower()),
    Case("xlsx_xml_bomb", _summary("log.xlsx", _xlsx_bomb()), "error", lambda o: "EntitiesForbidden(" not in o.err and "entit" in o.err.lower()),
    Case("xlsx_zip_bomb_over_lowered_limit", _summary("log.xlsx", _xlsx_padded(30)), "error", _says("max_decompressed_bytes"),
         env={"SPASM_ANALYSIS_MAX_DECOMPRESSED_BYTES": "10000000"}),
    Case("xlsx_many_columns", _summary("log.xlsx", _xlsx({"A1": "onset", "A2": "2020-01-05", **{f"B{k}": "x" for k in range(1, 3)}, "ZZ1": "far", "ZZ2": "y"})), "either"),
    Case("xls_old_format", _summary("log.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100), "error", _says(".xls")),
    # --- files and folders
    Case("unknown_suffix", _summary("log.docx", EPISODES), "error"),
    Case("no_such_file", lambda folder: ["summary", "in/missing.csv"], "error"),
    Case("fifo_instead_of_file", _fifo, "error"),
    Case("symlink_loop", _symlink("log.csv"), "error"),
    Case("symlink_to_dev_zero", _symlink("/dev/zero", "zero.csv"), "error"),
    Case("symlink_to_dev_null", _symlink("/dev/null", "null.csv"), "error"),
    Case("folder_empty", _folder({"README.txt": "nothing"}), "error"),
    Case("folder_two_episode_files", _folder({"episodes.csv": EPISODES, "episodes.json": "[]"}), "error"),
    Case("folder_episodes_is_a_folder", _folder({"episodes.csv/inner.csv": EPISODES}), "error"),
    Case("folder_named_like_a_file", _folder({"episodes.csv": EPISODES}, target="in/log"), "ok"),
    Case("permission_denied_file", _summary("log.csv", EPISODES), "error", _says("permission"), mock_denied="in/log.csv"),
    Case("permission_denied_folder", _folder({"episodes.csv": EPISODES}), "error", _says("permission"), mock_denied="in/log"),
    Case("permission_denied_folder_table", _folder({"episodes.csv": EPISODES, "follow_up.csv": "start,end\n2020-01-01,2020-12-31\n"}),
         "error", _says("permission"), mock_denied="in/log/follow_up.csv"),
    # --- the report's output
    Case("report_output_is_its_input", _output_case("in/log.csv"), "error", _says("input")),
    Case("report_output_is_a_table_of_the_input_folder", _output_into_folder, "error", _says("input")),
    Case("report_output_symlink_to_input", _output_symlink_to_input, "error", _says("input")),
    Case("report_output_existing_folder", _output_case("out"), "error", _says("folder")),
    Case("report_output_parent_is_a_file", _output_case("in/log.csv/report.html"), "error"),
    Case("report_output_name_too_long", _output_case("out/" + "x" * 300 + ".html"), "error"),
    Case("report_output_undecodable_name", _output_case(b"out/r\xff.html"), "ok"),
    Case("report_by_unknown_covariate", _output_case("out/report.html", args=("--cohort", "--by", "nope")), "error",
         _says("--by nope", "no covariate")),
    Case("cohort_report_by_unknown_covariate_lists_them",
         _folder(_small_cohort(), args=("report", "--by", "armm", "-o", "out/report.html")), "error", _says("armm", "arm")),
    # --- app exports
    Case("health_xml_bomb", _report("export.xml", _health(head=_HEALTH_HEAD.replace("\n<HealthData", "\n" + _LOL.decode() + "\n<HealthData"))),
         "error", lambda o: "EntitiesForbidden(" not in o.err and "entit" in o.err.lower()),
    Case("health_external_entity", _report("export.xml", _health(head=_HEALTH_HEAD.replace("\n<HealthData", '\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<HealthData'))),
         "either", lambda o: "root:" not in o.out + o.err),
    Case("health_zip_path_traversal", _report("export.zip", _zipped({"../../evil/export.xml": _health(), "/abs/export.xml": _health()})), "either"),
    Case("health_zip_no_export", _report("export.zip", _zipped({"readme.txt": "hi"})), "error"),
    Case("health_zip_truncated", _report("export.zip", _zipped({"apple_health_export/export.xml": _health()})[:-30]), "error"),
    Case("health_zip_bomb_over_lowered_limit", _report("export.zip", _health_zip_bomb(40)), "error", _says("unpacks to more than 20,000,000 bytes"),
         env={"SPASM_ANALYSIS_MAX_DECOMPRESSED_BYTES": "20000000"}),
    Case("health_64mb_attribute", _report("export.zip", _zipped({"apple_health_export/export.xml": _health(extra=' note="' + "a" * 64_000_000 + '"')})),
         "either"),
    # --- calendars
    Case("ics_empty_calendar", _summary("cal.ics", _ics()), "error"),
    Case("ics_not_a_calendar", _summary("cal.ics", "hello\n"), "error"),
    Case("ics_x_wr_timezone_is_a_zone_folder", _summary("cal.ics", _ics(_event("1", "20200105T090000", "DTEND:20200105T100000"),
                                                                       head=_ICS_HEAD + "X-WR-TIMEZONE:America\r\n")), "either",
         lambda o: "Is a directory" not in o.err and "America" in o.err),
    Case("ics_invalid_x_wr_timezone", _summary("cal.ics", _ics(_event("1", "20200105T090000", "DTEND:20200105T100000"),
                                                              head=_ICS_HEAD + "X-WR-TIMEZONE:Mars/Base\r\n")), "either",
         lambda o: o.code == 2 or "Mars/Base" in o.err),
    Case("ics_count_zero", _summary("cal.ics", _ics(_event("1", "20200105T090000", "DTEND:20200105T100000"),
                                                   _event("2", "20200205T090000", "DTEND:20200205T100000", "RRULE:FREQ=DAILY;COUNT=0"))),
         "either", lambda o: o.code == 2 or "Episodes: 1\n" in o.out),
    Case("ics_count_negative", _summary("cal.ics", _ics(_event("1", "20200105T090000", "DTEND:20200105T100000"),
                                                       _event("2", "20200205T090000", "DTEND:20200205T100000", "RRULE:FREQ=DAILY;COUNT=-5"))),
         "either", lambda o: o.code == 2 or "Episodes: 1\n" in o.out),
    Case("ics_40_events_count_99999", _summary("cal.ics", _ics(*(_event(str(k), f"19{k:02d}0101T090000", f"DTEND:19{k:02d}0101T100000", "RRULE:FREQ=DAILY;COUNT=99999") for k in range(40)))),
         "error", _says("occurrences")),
    Case("ics_occurrences_over_lowered_limit", _summary("cal.ics", _ics(_event("1", "20200105T090000", "DTEND:20200105T100000", "RRULE:FREQ=DAILY;COUNT=100"))),
         "error", _says("more than 50 occurrences", "SPASM_ANALYSIS_MAX_OCCURRENCES"), env={"SPASM_ANALYSIS_MAX_OCCURRENCES": "50"}),
    Case("ics_20000_recurrence_ids", _summary("cal.ics", _recurrence_ids(20_000)), "either"),
]


# ---------------------------------------------------------------- running
#
# Starting Python and importing pandas for each of a hundred runs would take
# minutes on a busy machine.  A small server imports the package once and forks
# one child per run; the child sets its memory bound, folder, environment and
# output files, then runs ``spasm_analysis.cli`` as ``python -m`` does (runpy,
# as ``__main__``).  An exception escaping the CLI prints its traceback and
# exits 1, exactly as the interpreter would.  ``test_real_entry_point`` checks
# the plain ``python -m spasm_analysis.cli`` path once.

_SERVER = r"""
import io, json, os, resource, runpy, signal, sys, time, traceback
import spasm_analysis  # the imports every run shares
assert "matplotlib" not in sys.modules  # each run configures matplotlib itself

def deny(path):
    import builtins, pathlib
    denied = os.path.realpath(path)
    def refused(name):
        try:
            return os.path.realpath(os.fsdecode(name)) == denied
        except (TypeError, ValueError):
            return False
    real_open, real_iterdir, real_scandir = io.open, pathlib.Path.iterdir, os.scandir
    def guarded_open(file, *args, **kwargs):
        if not isinstance(file, int) and refused(file):
            raise PermissionError(13, "Permission denied", os.fsdecode(file))
        return real_open(file, *args, **kwargs)
    def guarded_iterdir(self):
        if refused(self):
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)
    def guarded_scandir(path="."):
        if refused(path):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path)
    builtins.open = io.open = guarded_open
    pathlib.Path.iterdir = guarded_iterdir
    os.scandir = guarded_scandir

def child(job):
    resource.setrlimit(resource.RLIMIT_AS, (job["memory"], job["memory"]))
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    for fd, name in ((1, "stdout"), (2, "stderr")):
        os.dup2(os.open(job[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", line_buffering=True)
    sys.argv = ["spasm-analysis", *job["argv"]]
    if job["deny"]:
        deny(job["deny"])
    try:
        runpy.run_module("spasm_analysis.cli", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if not isinstance(done.code, (int, type(None))):
            print(done.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)

for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        child(job)
    deadline = time.monotonic() + job["timeout"]
    code = None
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        time.sleep(0.02)
    print(json.dumps({"code": code}), flush=True)
"""


class _Server:
    """One forking server process; runs one job at a time."""

    def __init__(self, env: dict) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", _SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        env=env, text=True, encoding="utf-8", errors="surrogateescape")

    def run(self, job: dict) -> int | None:
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("the test server stopped")
        return json.loads(answer)["code"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def _child_env(case: Case, home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPASM_ANALYSIS_") and k not in ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")}
    env.update(case.env, HOME=str(home), LC_ALL="C.UTF-8",
               PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]))
    return env


def _fingerprint(root: Path) -> dict:
    """Every entry under ``root``: a regular file's hash, a link's target, a folder's presence."""
    prints = {}
    for folder, names, files in os.walk(root):
        for name in names + files:
            path = Path(folder) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                prints[str(path)] = "link:" + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                prints[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                prints[str(path)] = stat.filemode(info.st_mode)[0]
    return prints


def _run(server: _Server, case: Case, folder: Path, home: Path) -> tuple[Outcome, dict, dict]:
    folder.mkdir(parents=True)
    argv = [os.fsdecode(a) for a in case.make(folder)]
    before = _fingerprint(folder / "in")
    job = {"argv": argv, "cwd": str(folder), "env": _child_env(case, home), "memory": MEMORY_LIMIT_BYTES, "timeout": TIME_LIMIT_S[argv[0]],
           "stdout": str(folder / "stdout.txt"), "stderr": str(folder / "stderr.txt"),
           "deny": str(folder / case.mock_denied) if case.mock_denied else None}
    started = time.monotonic()
    code = server.run(job)
    seconds = time.monotonic() - started
    err = (folder / "stderr.txt").read_bytes().decode("utf-8", "replace")
    if code is None:
        err += f"\n[killed after {TIME_LIMIT_S[argv[0]]} s]"
    outcome = Outcome(code, (folder / "stdout.txt").read_bytes().decode("utf-8", "replace"), err, seconds, folder)
    return outcome, before, _fingerprint(folder / "in")


def run_cases(cases, root: Path, workers: int = WORKERS) -> dict:
    """Run ``cases`` (in folders under ``root``); ``{id: (outcome, inputs before, inputs after, home)}``."""
    import threading
    from queue import Queue

    servers: Queue = Queue()
    # One BLAS thread: a process that forks should hold no thread pools.
    base = dict(_child_env(Case("server", lambda folder: []), root / "server-home"), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    (root / "server-home").mkdir(parents=True, exist_ok=True)
    started = [_Server(base) for _ in range(workers)]
    for server in started:
        servers.put(server)
    lock = threading.Lock()

    def one(case: Case):
        home = root / "home" / case.id
        with lock:
            home.mkdir(parents=True)
        server = servers.get()
        try:
            return (*_run(server, case, root / case.id, home), home)
        finally:
            servers.put(server)

    try:
        with ThreadPoolExecutor(workers) as pool:
            return dict(zip((case.id for case in cases), pool.map(one, cases)))
    finally:
        for server in started:
            server.close()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict:
    return run_cases(CASES, tmp_path_factory.mktemp("hostile"))


def _params() -> list:
    return [pytest.param(case, id=case.id, marks=[pytest.mark.xfail(strict=True, reason=f"waits for {case.owner}")] if case.owner else [])
            for case in CASES]


def test_the_table_is_large_and_names_are_unique():
    assert len(CASES) >= 60
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", _params())
def test_hostile_input(case: Case, outcomes):
    outcome, before, after, home = outcomes[case.id]
    shown = f"exit {outcome.code} after {outcome.seconds:.1f} s\nstdout: {outcome.out[-1500:]}\nstderr: {outcome.err[-3000:]}"
    assert outcome.code is not None, f"no answer within the time bound (or killed): {shown}"
    assert "Traceback" not in outcome.err, shown
    assert outcome.code in (0, 2), shown
    assert "needs more memory" not in outcome.err, f"the memory bound was reached: {shown}"
    if case.expect == "ok":
        assert outcome.code == 0, shown
    elif case.expect == "error":
        assert outcome.code == 2, shown
        assert outcome.err.strip(), shown
    assert after == before, "an input file was changed"
    assert not any(home.iterdir()), f"files were written into the home folder: {sorted(p.name for p in home.rglob('*'))}"
    if case.check is not None:
        assert case.check(outcome), shown


# ---------------------------------------------------------------- the same fixes, in process


def test_limits_override_environment_and_message(monkeypatch):
    import spasm_analysis as sa

    assert sa.limits.current() == sa.limits.DEFAULTS
    with sa.limits.override(max_columns=5):
        assert sa.limits.current().max_columns == 5
        with pytest.raises(sa.LimitExceededError) as caught:
            sa.limits.check("max_columns", 6, "wide.csv")
    assert sa.limits.current().max_columns == sa.limits.DEFAULTS.max_columns
    message = str(caught.value)
    assert "wide.csv has 6 columns, more than the limit of 5 (max_columns)" in message
    assert "SPASM_ANALYSIS_MAX_COLUMNS=6" in message and "sa.limits.override(max_columns=6)" in message
    assert (caught.value.limit, caught.value.found, caught.value.allowed) == ("max_columns", 6, 5)
    monkeypatch.setenv("SPASM_ANALYSIS_MAX_ROWS", "1_000")
    assert sa.limits.current().max_rows == 1000
    monkeypatch.setenv("SPASM_ANALYSIS_MAX_ROWS", "0")
    with pytest.raises(ValueError, match="SPASM_ANALYSIS_MAX_ROWS must be a whole number"):
        sa.limits.current()
    with pytest.raises(ValueError, match="unknown limit"):
        with sa.limits.override(max_cells=3):
            pass


def test_csv_row_and_column_limits_name_the_limit(tmp_path):
    import spasm_analysis as sa

    path = tmp_path / "log.csv"
    path.write_text("onset,a,b\n" + "2020-01-05,1,2\n" * 30)
    with sa.limits.override(max_rows=29), pytest.raises(sa.LimitExceededError, match="30 rows.*max_rows"):
        sa.read_episodes(path)
    with sa.limits.override(max_columns=2), pytest.raises(sa.LimitExceededError, match="3 columns.*max_columns"):
        sa.read_episodes(path)
    with sa.limits.override(max_rows=30, max_columns=3):
        assert len(sa.read_episodes(path)) == 30


def test_json_nesting_limit(tmp_path):
    import spasm_analysis as sa

    path = tmp_path / "log.json"
    path.write_text('[{"onset": "2020-01-05", "notes": "[[[[ not nesting ]"}]')
    assert sa.read_episodes(path)["notes"].tolist() == ["[[[[ not nesting ]"]
    path.write_text("[" * 5000 + "]" * 5000)
    with pytest.raises(sa.LimitExceededError, match="5,000 levels of nesting.*max_nesting"):
        sa.read_episodes(path)


@pytest.mark.parametrize(("option", "value", "message"), [
    ("tz", "Bogus/Zone", "tz='Bogus/Zone' is not valid; allowed values: an IANA time-zone name"),
    ("tz", "America", "tz='America' is not valid"),
    ("sep", "", "sep='' is not valid; allowed values: one character"),
    ("sep", ";;", "sep=';;' is not valid"),
    ("encoding", "klingon", "encoding='klingon' is not valid; allowed values: a text encoding"),
])
def test_reading_options_are_checked_with_a_sentence(tmp_path, option, value, message):
    import spasm_analysis as sa

    path = tmp_path / "log.csv"
    path.write_text(EPISODES)
    with pytest.raises(ValueError, match=message):
        sa.read_log(path, **{option: value})


def test_until_garbage_is_a_named_error(tmp_path):
    import spasm_analysis as sa

    path = tmp_path / "cal.ics"
    path.write_text(_ics(_event("1", "20200105T090000", "DTEND:20200105T100000")))
    with pytest.raises(ValueError, match="until='garbage' is not valid; allowed values: a date such as '2030-01-01'"):
        sa.read_log(path, until="garbage")


def test_unreadable_file_and_folder_are_one_sentence(tmp_path, monkeypatch, capsys):
    # Tests run as root, for whom file modes do not deny reading: the refusal is simulated.
    from spasm_analysis import cli

    folder = tmp_path / "log"
    folder.mkdir()
    (folder / "episodes.csv").write_text(EPISODES)
    real_open, real_iterdir = Path.open, Path.iterdir

    def refused_open(self, *args, **kwargs):
        if self.name == "episodes.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refused_open)
    assert cli.main(["summary", str(folder / "episodes.csv")]) == 2
    err = capsys.readouterr().err
    assert f"cannot use {folder / 'episodes.csv'}: Permission denied" in err and "Traceback" not in err

    def refused_iterdir(self):
        if self == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", refused_iterdir)
    assert cli.main(["summary", str(folder)]) == 2
    assert f"cannot use {folder}: Permission denied" in capsys.readouterr().err


def test_xml_bomb_is_described_in_words():
    from defusedxml import EntitiesForbidden

    from spasm_analysis.cli import describe_error

    text = describe_error(EntitiesForbidden("lol", None, None, None, None, None))
    assert "EntitiesForbidden" not in text and "XML bomb" in text


def test_dates_centuries_apart_are_named_not_an_overflow():
    import spasm_analysis as sa
    from spasm_analysis.merging import _days_between

    frame = pd.DataFrame({"onset": pd.to_datetime(["1750-01-05", "2060-01-05"]), "end": pd.to_datetime(["1750-01-08", "2060-01-06"])})
    with pytest.raises(sa.LogValidationError) as caught:
        sa.EpisodeLog(frame)
    (problem,) = caught.value.problems
    assert (problem.table, problem.row) == ("episodes", 1)
    assert "from 1750-01-05 (episodes row 0)" in problem.message and "more than 250 years apart" in problem.message
    # The gap arithmetic itself no longer overflows: 1700 to 2100 is 146,097 days.
    early = pd.Series(pd.to_datetime(["1700-01-01", "2000-01-01"]))
    late = pd.Series([pd.Timestamp("2100-01-01"), pd.Timestamp("2000-01-01") + pd.Timedelta(1, "ns")])
    days = _days_between(early, late)
    assert days[0] == 146_097.0 and days[1] == pytest.approx(1e-9 / 86_400)


def test_twenty_digit_ids_stay_text(tmp_path):
    import spasm_analysis as sa

    path = tmp_path / "log.csv"
    path.write_text("onset,record id,code,count\n2020-01-05,12345678901234567890,007,3\n2020-02-05,12345678901234567891,010,4\n")
    episodes = sa.read_episodes(path)
    assert episodes["record id"].tolist() == ["12345678901234567890", "12345678901234567891"]
    assert episodes["code"].tolist() == ["007", "010"]
    assert episodes["count"].tolist() == [3, 4]


def test_to_folder_writes_formulas_as_text_and_reads_them_back(tmp_path):
    import spasm_analysis as sa

    notes = ['=HYPERLINK("http://evil.example","click")', "+1 more", "-3 days", "@cmd", "'=already quoted", "plain", "'quoted text"]
    frame = pd.DataFrame({"onset": pd.date_range("2020-01-01", periods=len(notes), freq="10D"), "notes": notes})
    log = sa.EpisodeLog(frame, follow_up=pd.DataFrame({"start": [pd.Timestamp("2019-12-01")], "end": [pd.Timestamp("2020-12-31")]}))
    with pytest.warns(UserWarning, match="5 text cell\\(s\\) begin with =, \\+, -, @"):
        folder = log.to_folder(tmp_path / "out")
    written = pd.read_csv(folder / "episodes.csv", dtype=str)["notes"].tolist()
    assert written == ["'" + n if n[0] in "=+-@" or n.startswith("'=") else n for n in notes]
    assert sa.read_log(folder).episodes["notes"].tolist() == notes


def test_formula_cells_without_a_saved_result_are_reported(tmp_path):
    import spasm_analysis as sa

    path = tmp_path / "log.xlsx"
    path.write_bytes(_xlsx({**_GOOD_XLSX_CELLS, "C1": "severity", "C2": "=1+5", "C3": 4}))
    with pytest.raises(sa.LogValidationError) as caught:
        sa.read_episodes(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "C", "=1+5")
    assert "formula whose result is not saved" in problem.message


def test_far_away_cell_is_read_in_a_moment(tmp_path):
    import spasm_analysis as sa

    path = tmp_path / "log.xlsx"
    path.write_bytes(_xlsx({**_GOOD_XLSX_CELLS, "XFD1048576": "x"}))
    started = time.monotonic()
    with pytest.raises(sa.LogValidationError, match="row 1048576"):
        sa.read_episodes(path)
    assert time.monotonic() - started < 30  # 1-4 s; bounds a read that would walk a million empty rows


def test_report_refuses_its_input_before_reading_and_leaves_no_file(tmp_path):
    from spasm_analysis.report import write_report

    log = tmp_path / "log.csv"
    log.write_text(EPISODES)
    with pytest.raises(ValueError, match="is an input of this report"):
        write_report(log, log)
    assert log.read_text() == EPISODES
    # A run that fails after the output was claimed removes the empty file and the folders it made.
    broken = tmp_path / "broken.csv"
    broken.write_text("onset\nnot a date\n")
    import spasm_analysis as sa

    with pytest.raises(sa.LogValidationError):
        write_report(broken, tmp_path / "new" / "deeper" / "report.html")
    assert not (tmp_path / "new").exists()
    with pytest.raises(ValueError, match="cannot be encoded"):
        write_report(log, tmp_path / "r\ud800.html")


def test_real_entry_point(tmp_path):
    """The plain ``python -m spasm_analysis.cli`` (which the server imitates) runs and reports bad input in a sentence."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "log.csv").write_text("onset\nnot a date\n")
    env = _child_env(Case("entry", lambda folder: []), tmp_path)
    done = subprocess.run([sys.executable, "-m", "spasm_analysis.cli", "summary", "in/log.csv"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "not a date" in done.stderr
    done = subprocess.run([sys.executable, "-m", "spasm_analysis.cli", "report", "--help"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "--output" in done.stdout


def test_dollar_signs_in_treatment_names_do_not_stop_a_figure():
    import io as _io

    import spasm_analysis as sa

    onsets = pd.date_range("2019-01-05", periods=8, freq="41D")
    names = ["$x^2$ pill", "$\\frac{$ broken"]
    log = sa.EpisodeLog(pd.DataFrame({"onset": onsets, "end": onsets + pd.Timedelta(days=2)}),
                        follow_up=pd.DataFrame({"start": [onsets[0]], "end": [onsets[-1] + pd.Timedelta(days=30)]}),
                        treatments=pd.DataFrame({"start": [onsets[1] + pd.Timedelta(days=3), onsets[4] + pd.Timedelta(days=3)],
                                                 "name": names, "modality": names}))
    ax = sa.plot_timeline(log)
    ax.figure.savefig(_io.BytesIO(), format="png")  # mathtext would raise ParseSyntaxException here
    drawn = [t.get_text() for t in ax.figure.findobj(lambda a: hasattr(a, "get_text")) if "$" in t.get_text()]
    assert set(names) <= set(drawn)
