import datetime as dt
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from spasm_analysis import LogValidationError
from spasm_analysis.io.tables import (
    UnknownModalityWarning,
    read_covariates,
    read_episodes,
    read_exposures,
    read_follow_up,
    read_treatments,
)

T = pd.Timestamp

EPISODES_CSV = """Started,Duration,Where,Side,Pain (0-10),Trigger,Notes
2004,a week,lower back,left,7,lifting,remembered
Oct 2013,3-4 days,neck,right,8/10,cold pool,
2014-03-02,36h,mid back,both,5,,"long, bad"
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(excinfo):
    return [(p.row, p.column, p.value) for p in excinfo.value.problems]


def test_csv_episodes_recognised_and_parsed(tmp_path):
    episodes = read_episodes(write(tmp_path, "log.csv", EPISODES_CSV))
    assert list(episodes.index) == [2, 3, 4]  # header is line 1
    assert episodes["subject"].tolist() == ["me"] * 3
    assert episodes["onset"].tolist() == [T(2004, 1, 1), T(2013, 10, 1), T(2014, 3, 2)]
    assert episodes["end"].tolist() == [T(2004, 1, 8), T(2013, 10, 5), T(2014, 3, 3, 12)]
    assert episodes["onset_precision"].tolist() == ["year", "month", "day"]
    assert episodes["severity"].tolist() == [7.0, 8.0, 5.0]
    assert episodes["region"].tolist() == ["lower back", "neck", "mid back"]
    assert episodes["side"].tolist() == ["left", "right", "both"]
    assert episodes.loc[4, "notes"] == "long, bad"
    assert pd.isna(episodes.loc[4, "trigger"])


def test_csv_row_numbers_survive_blank_lines_and_padding(tmp_path):
    text = "\nOnset , End\n2020-01-05 , 2020-01-07\n\n  2020-02-01,2020-02-03\n"
    episodes = read_episodes(write(tmp_path, "log.csv", text))
    # Line 1 is blank, the header is line 2, data on lines 3 and 5.
    assert list(episodes.index) == [3, 5]
    assert episodes["onset"].tolist() == [T(2020, 1, 5), T(2020, 2, 1)]


def test_csv_every_problem_is_listed_with_its_line(tmp_path):
    text = "Date,Duration,Severity\n2020-01-05,3 days,4\nsometime,2 days,5\n2020-03-01,some days,11\n2020-04-01,2 days,bad\n"
    with pytest.raises(LogValidationError) as excinfo:
        read_episodes(write(tmp_path, "log.csv", text))
    found = problems_of(excinfo)
    assert (3, "Date", "sometime") in found
    assert (4, "Duration", "some days") in found
    assert (5, "Severity", "bad") in found
    # Out-of-range severity is found in the same pass once the cells parse.
    assert "row 3" in str(excinfo.value) and "log.csv" in str(excinfo.value)


def test_range_check_and_end_before_onset(tmp_path):
    text = "Start,End,Pain\n2020-01-05,2020-01-03,4\n2020-02-01,2020-02-03,12\n"
    with pytest.raises(LogValidationError) as excinfo:
        read_episodes(write(tmp_path, "log.csv", text))
    rows = {(p.row, p.column) for p in excinfo.value.problems}
    assert rows == {(2, "end"), (3, "severity")}


def test_tsv(tmp_path):
    path = write(tmp_path, "log.tsv", "Onset\tEnded\tLocation\n2020-01-05\t2020-01-08\tneck\n")
    episodes = read_episodes(path)
    assert episodes.loc[2, "end"] == T(2020, 1, 8) and episodes.loc[2, "region"] == "neck"


def test_xlsx_sheet_rows_and_datetime_cells(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "My log"
    sheet.append(["Back spasm log"])
    sheet.append([])
    sheet.append(["Date", "Days", "Pain"])
    sheet.append([dt.datetime(2020, 1, 5), 3, 6])
    sheet.append(["Oct 2013", "2-3 days", 4])
    sheet.append([dt.datetime(2020, 3, 1, 22, 15), None, None])
    path = tmp_path / "log.xlsx"
    book.save(path)
    # The title row is not the header: name the header row's columns explicitly.
    with pytest.raises(LogValidationError, match="no column recognised as onset"):
        read_episodes(path)
    book = openpyxl.load_workbook(path)
    book.active.delete_rows(1, 2)
    book.save(path)
    episodes = read_episodes(path)
    assert list(episodes.index) == [2, 3, 4]  # sheet row numbers
    assert episodes["onset"].tolist() == [T(2020, 1, 5), T(2013, 10, 1), T(2020, 3, 1, 22, 15)]
    assert episodes["end"].tolist()[:2] == [T(2020, 1, 8), T(2013, 10, 4)]
    assert pd.isna(episodes.loc[4, "end"])
    assert episodes["onset_precision"].tolist() == ["day", "month", "day"]


def test_xlsx_bad_cell_names_sheet_row(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Onset", "Duration"])
    book.active.append([dt.datetime(2020, 1, 5), "3 days"])
    book.active.append(["yesterday-ish", "3 days"])
    path = tmp_path / "log.xlsx"
    book.save(path)
    with pytest.raises(LogValidationError) as excinfo:
        read_episodes(path)
    assert problems_of(excinfo) == [(3, "Onset", "yesterday-ish")]


def test_xlsx_picks_sheet_named_after_table(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "episodes"
    book.active.append(["Onset"])
    book.active.append([dt.datetime(2020, 1, 5)])
    treatments = book.create_sheet("Treatments")
    treatments.append(["Date", "Treatment"])
    treatments.append([dt.datetime(2020, 1, 6), "massage"])
    path = tmp_path / "log.xlsx"
    book.save(path)
    assert read_treatments(path)["modality"].tolist() == ["massage"]
    assert read_episodes(path)["onset"].tolist() == [T(2020, 1, 5)]
    with pytest.raises(ValueError, match="sheet must be one of"):
        read_episodes(path, sheet="nope")


def test_corrupt_xlsx(tmp_path):
    path = tmp_path / "log.xlsx"
    path.write_bytes(b"not a zip file")
    with pytest.raises(LogValidationError, match="not a readable .xlsx"):
        read_episodes(path)


def test_parquet_keeps_wall_clock_of_aware_times(tmp_path):
    frame = pd.DataFrame(
        {
            "onset": pd.to_datetime(["2020-01-05 23:30", "2020-06-01 08:00"]).tz_localize("Europe/Berlin"),
            "severity": [3.0, 4.0],
        }
    )
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    episodes = read_episodes(path)
    assert list(episodes.index) == [1, 2]
    assert episodes["onset"].tolist() == [T(2020, 1, 5, 23, 30), T(2020, 6, 1, 8)]
    converted = read_episodes(path, tz="UTC")
    assert converted["onset"].tolist() == [T(2020, 1, 5, 22, 30), T(2020, 6, 1, 6)]


def test_json_records_table_key_and_lines(tmp_path):
    records = [{"Start": "2020-01-05", "Length": "2 days"}, {"Start": "2020-02-01", "Length": 1}]
    path = write(tmp_path, "log.json", json.dumps(records))
    episodes = read_episodes(path)
    assert list(episodes.index) == [1, 2]
    assert episodes["end"].tolist() == [T(2020, 1, 7), T(2020, 2, 2)]
    path = write(tmp_path, "all.json", json.dumps({"episodes": records, "treatments": []}))
    assert read_episodes(path)["onset"].tolist() == [T(2020, 1, 5), T(2020, 2, 1)]
    path = write(tmp_path, "log.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")
    assert len(read_episodes(path)) == 2
    path = write(tmp_path, "cols.json", json.dumps({"Start": ["2020-01-05"], "Length": [3]}))
    assert read_episodes(path)["end"].tolist() == [T(2020, 1, 8)]


def test_json_problems(tmp_path):
    with pytest.raises(LogValidationError, match="not valid JSON"):
        read_episodes(write(tmp_path, "log.json", '[{"Start": "2020-01-05",}]'))
    with pytest.raises(LogValidationError) as excinfo:
        read_episodes(write(tmp_path, "log.json", '[{"Start": "2020-01-05"}, 7]'))
    assert problems_of(excinfo) == [(2, None, 7)]
    with pytest.raises(LogValidationError, match="list of records"):
        read_episodes(write(tmp_path, "log.json", '"hello"'))


def test_dataframe_keeps_its_index():
    frame = pd.DataFrame({"Onset": ["2020-01-05", "garbage"], "Pain": [3, 4]}, index=["a", "b"])
    with pytest.raises(LogValidationError) as excinfo:
        read_episodes(frame)
    assert problems_of(excinfo) == [("b", "Onset", "garbage")]


def test_columns_override_and_absent_column():
    frame = pd.DataFrame({"When it began": ["2020-01-05"], "How long": ["3 days"]})
    episodes = read_episodes(frame, columns={"When it began": "onset"})
    assert episodes["end"].tolist() == [T(2020, 1, 8)]  # "How long" still recognised
    with pytest.raises(LogValidationError) as excinfo:
        read_episodes(frame, columns={"Began": "onset"})
    messages = str(excinfo.value)
    assert "'Began'" in messages and "not in the file" in messages and "no column recognised as onset" in messages


def test_dayfirst():
    frame = pd.DataFrame({"Date": ["05/10/2013", "2013-10-07"]})
    assert read_episodes(frame, dayfirst=False)["onset"].tolist() == [T(2013, 5, 10), T(2013, 10, 7)]
    assert read_episodes(frame, dayfirst=True)["onset"].tolist() == [T(2013, 10, 5), T(2013, 10, 7)]
    # Month first unless told otherwise (the API's default).
    assert read_episodes(frame)["onset"].tolist() == [T(2013, 5, 10), T(2013, 10, 7)]
    # Decided per column, 05/10/2013 alone reads both ways: refused rather than guessed, naming the row.
    with pytest.raises(LogValidationError, match=r"row 0 '05/10/2013'"):
        read_episodes(frame, dayfirst=None)


def test_partial_end_means_end_of_period():
    frame = pd.DataFrame({"Onset": ["2013-10-20"], "Ended": ["Nov 2013"]})
    assert read_episodes(frame)["end"].tolist() == [T(2013, 12, 1)]


def test_end_column_wins_over_duration():
    frame = pd.DataFrame({"Onset": ["2020-01-01", "2020-02-01"], "End": ["2020-01-03", None], "Duration": ["5 days", "2 days"]})
    assert read_episodes(frame)["end"].tolist() == [T(2020, 1, 3), T(2020, 2, 3)]


def test_subjects():
    frame = pd.DataFrame({"Onset": ["2020-01-05"]})
    assert read_episodes(frame, subject="anna")["subject"].tolist() == ["anna"]
    cohort = pd.DataFrame({"Patient": [7, 7.0, "8", None], "Onset": ["2020-01-05"] * 3 + ["2020-01-09"]})
    with pytest.raises(LogValidationError) as excinfo:
        read_episodes(cohort)
    assert problems_of(excinfo) == [(3, "subject", None)]
    assert read_episodes(cohort.iloc[:3])["subject"].tolist() == ["7", "7", "8"]
    with pytest.raises(ValueError, match="has one"):
        read_episodes(cohort.iloc[:3], subject="anna")


def test_unrecognised_columns_kept_numbers_as_numbers(tmp_path):
    path = write(tmp_path, "log.csv", "Onset,Weather,Steps\n2020-01-05,rain,4000\n2020-01-09,sun,\n")
    episodes = read_episodes(path)
    assert episodes["Weather"].tolist() == ["rain", "sun"]
    assert episodes["Steps"].dtype == float and episodes.loc[2, "Steps"] == 4000


@pytest.mark.parametrize(
    "text, match",
    [
        ("Onset,End\n2020-01-05,2020-01-06\n2020-01-07,2020-01-08,extra\n", "row 3.*more fields than the header.s 2"),
        ('Onset,End\n"2020-01-05,2020-01-06\n', "not a well-formed table"),
        ("", "is empty"),
        ("\n\n", "no header row"),
        ("Onset,Onset\n2020-01-05,2020-01-06\n", "appears more than once"),
    ],
)
def test_malformed_csv_is_a_validation_error(tmp_path, text, match):
    with pytest.raises(LogValidationError, match=match):
        read_episodes(write(tmp_path, "log.csv", text))


def test_bad_encoding(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes("Onset,Notes\n2020-01-05,caf\xe9\n".encode("latin-1"))
    with pytest.raises(LogValidationError, match="encoding"):
        read_episodes(path)
    assert read_episodes(path, encoding="latin-1")["notes"].tolist() == ["café"]


def test_format_options(tmp_path):
    path = write(tmp_path, "log.dat", "Onset\n2020-01-05\n")
    with pytest.raises(ValueError, match="csv, tsv, xlsx, parquet, json"):
        read_episodes(path)
    assert read_episodes(path, format="csv")["onset"].tolist() == [T(2020, 1, 5)]
    with pytest.raises(ValueError, match="format=.* is not valid"):
        read_episodes(path, format="xls")
    with pytest.raises(FileNotFoundError):
        read_episodes(tmp_path / "missing.csv")


# ----------------------------------------------------------------- treatments
def test_treatments_sessions_courses_and_modalities(tmp_path):
    text = (
        "Date,Until,Treatment,Dose\n"
        "2020-03-02,,chiro,\n"
        "2020-03-09,2020-03-09,trigger point injection,\n"
        "2020-04-01,2020-05-13,Flexeril,10 mg\n"
        "2020-04-03 14:00,,hot pack,\n"
    )
    treatments = read_treatments(write(tmp_path, "t.csv", text))
    assert list(treatments.index) == [2, 3, 4, 5]
    assert treatments["start"].tolist() == [T(2020, 3, 2), T(2020, 3, 9), T(2020, 4, 1), T(2020, 4, 3, 14)]
    assert treatments["end"].tolist() == [T(2020, 3, 3), T(2020, 3, 10), T(2020, 5, 13), T(2020, 4, 4, 14)]
    assert treatments["modality"].tolist() == ["chiropractic", "injection", "muscle_relaxant", "heat"]
    assert treatments["name"].tolist() == ["chiro", "trigger point injection", "Flexeril", "hot pack"]
    assert treatments.loc[4, "dose"] == "10 mg"


def test_treatment_duration_and_modality_column():
    frame = pd.DataFrame({"Start": ["2020-01-06"], "Days": [42], "Therapy": ["PT"], "Type": ["exercise"]})
    treatments = read_treatments(frame)
    assert treatments["end"].tolist() == [T(2020, 2, 17)]
    assert treatments["modality"].tolist() == ["exercise"]  # written modality wins


def test_unknown_treatment_names_are_kept_and_listed():
    frame = pd.DataFrame({"Date": ["2020-01-06", "2020-01-07", "2020-01-08"], "Treatment": ["float tank", "massage", "float tank"]})
    with pytest.warns(UnknownModalityWarning, match="'float tank'"):
        treatments = read_treatments(frame)
    assert treatments["modality"].tolist() == ["float tank", "massage", "float tank"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        treatments = read_treatments(frame, vocabulary={"float tank": "relaxation"})
    assert treatments["modality"].tolist() == ["relaxation", "massage", "relaxation"]


def test_treatment_problems():
    frame = pd.DataFrame({"Date": ["Oct 2013", "2013-11", "bad", "2013-12-01"], "Until": [None, "2014-01-01", None, "2013-11-01"],
                          "Treatment": ["chiro", "physio", "ice", None]})
    with pytest.raises(LogValidationError) as excinfo:
        read_treatments(frame)
    found = {(p.row, p.column) for p in excinfo.value.problems}
    assert (0, "Date") in found  # month-only session without an end
    assert (1, "Date") not in found  # a course with an end is fine
    assert (2, "Date") in found
    assert (3, "end") in found and (3, "modality") in found
    with pytest.raises(LogValidationError, match="no column recognised as name"):
        read_treatments(pd.DataFrame({"Date": ["2020-01-01"]}))


# ----------------------------------------------------------- other tables
def test_exposures_long_and_wide(tmp_path):
    long = read_exposures(pd.DataFrame({"Date": ["2020-01-01", "2020-01-02"], "Activity": ["yoga", "cold pool"], "Value": ["yes", 30]}))
    assert long["exposure"].tolist() == ["yoga", "cold pool"] and long["value"].tolist() == [1.0, 30.0]
    text = "Date,cold pool,sitting hours\n2020-01-01,yes,4\n2020-01-02,no,\n2020-01-03,,9.5\n"
    wide = read_exposures(write(tmp_path, "e.csv", text))
    assert len(wide) == 4  # blank cells are not records
    pool = wide[wide["exposure"] == "cold pool"]
    assert pool["time"].tolist() == [T(2020, 1, 1), T(2020, 1, 2)] and pool["value"].tolist() == [1.0, 0.0]
    sitting = wide[wide["exposure"] == "sitting hours"]
    assert sitting["value"].tolist() == [4.0, 9.5]
    with pytest.raises(LogValidationError) as excinfo:
        read_exposures(write(tmp_path, "bad.csv", "Date,cold pool\n2020-01-01,maybe\n"))
    assert problems_of(excinfo) == [(2, "cold pool", "maybe")]


def test_follow_up_partial_dates():
    fu = read_follow_up(pd.DataFrame({"Person": ["a", "b"], "From": ["2004", "2010-03-05"], "To": ["2013-06", "2012-01-01"]}))
    assert fu["start"].tolist() == [T(2004, 1, 1), T(2010, 3, 5)]
    assert fu["end"].tolist() == [T(2013, 7, 1), T(2012, 1, 1)]
    with pytest.raises(LogValidationError) as excinfo:
        read_follow_up(pd.DataFrame({"From": ["2004"], "To": [None]}))
    assert problems_of(excinfo) == [(0, "To", None)]


def test_covariates():
    cov = read_covariates(pd.DataFrame({"Patient": [1, 2], "age": ["54", "61"], "arm": ["A", "B"]}))
    assert cov["subject"].tolist() == ["1", "2"]
    assert cov["age"].tolist() == [54.0, 61.0] and cov["arm"].tolist() == ["A", "B"]
    with pytest.raises(LogValidationError, match="more than once"):
        read_covariates(pd.DataFrame({"Patient": [1, 1], "age": [3, 4]}))


# ------------------------------------------------------------------ read_log
def test_read_log_single_csv_with_treatment_column(tmp_path):
    import spasm_analysis as sa

    text = (
        "Started,Ended,Pain,Treatment\n"
        "2020-01-05,2020-01-08,6,chiro\n"
        "2020-02-10,,4,\n"
        "2020-03-01,2020-03-04,7,Flexeril + hot pack\n"
    )
    with pytest.warns(sa.FollowUpInferredWarning):
        log = sa.read_log(write(tmp_path, "spasms.csv", text))
    assert log.n_episodes == 3
    treatments = log.treatments
    assert treatments["name"].tolist() == ["chiro", "Flexeril", "hot pack"]
    assert treatments["modality"].tolist() == ["chiropractic", "muscle_relaxant", "heat"]
    # Given during the episode: from onset to end.
    assert treatments["start"].tolist() == [T(2020, 1, 5), T(2020, 3, 1), T(2020, 3, 1)]
    assert treatments["end"].tolist() == [T(2020, 1, 8), T(2020, 3, 4), T(2020, 3, 4)]


def test_read_log_workbook_with_table_sheets(tmp_path):
    import openpyxl

    import spasm_analysis as sa

    book = openpyxl.Workbook()
    book.active.title = "Episodes"
    book.active.append(["Date", "Days"])
    book.active.append([dt.datetime(2020, 1, 5), 3])
    book.active.append([dt.datetime(2020, 4, 5), "a week"])
    fu = book.create_sheet("follow_up")
    fu.append(["From", "To"])
    fu.append([dt.datetime(2020, 1, 1), dt.datetime(2020, 12, 31)])
    tr = book.create_sheet("treatments")
    tr.append(["Date", "Treatment"])
    tr.append([dt.datetime(2020, 2, 1), "PT"])
    path = tmp_path / "log.xlsx"
    book.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log = sa.read_log(path)
    assert log.episodes["end"].tolist() == [T(2020, 1, 8), T(2020, 4, 12)]
    assert log.follow_up["end"].tolist() == [T(2020, 12, 31)]
    assert log.treatments["modality"].tolist() == ["physiotherapy"]


def test_read_log_json_with_table_keys_and_columns_per_table(tmp_path):
    import spasm_analysis as sa

    content = {
        "episodes": [{"When": "2020-01-05", "Length": "2 days"}],
        "follow_up": [{"start": "2020-01-01", "end": "2020-06-30"}],
    }
    path = write(tmp_path, "log.json", json.dumps(content))
    log = sa.read_log(path, columns={"episodes": {"When": "onset"}})
    assert log.episodes["end"].tolist() == [T(2020, 1, 7)]
    with pytest.raises(ValueError, match="table names"):
        sa.read_log(path, columns={"visits": {"When": "onset"}})


def test_read_log_folder_rules(tmp_path):
    import spasm_analysis as sa

    (tmp_path / "README.md").write_text("not a table")
    (tmp_path / "truth.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="no episodes file"):
        sa.read_log(tmp_path)
    (tmp_path / "episodes.csv").write_text("Date\n05/10/2020\n")
    (tmp_path / "Follow-up.tsv").write_text("start\tend\n2020-01-01\t2020-12-31\n")
    log = sa.read_log(tmp_path, dayfirst=True)
    assert log.episodes["onset"].tolist() == [T(2020, 10, 5)]
    with pytest.raises(ValueError, match="each table to its mapping"):
        sa.read_log(tmp_path, columns={"Date": "onset"})
    with pytest.raises(TypeError, match="unexpected option"):
        sa.read_log(tmp_path, merge=True)
    (tmp_path / "episodes.json").write_text("[]")
    with pytest.raises(ValueError, match="more than one file"):
        sa.read_log(tmp_path)


def test_read_log_reports_file_rows(tmp_path):
    import spasm_analysis as sa

    (tmp_path / "episodes.csv").write_text("Date,End\n2020-01-05,2020-01-07\n2019-03-01,2019-03-02\n")
    (tmp_path / "follow_up.csv").write_text("start,end\n2020-01-01,2020-12-31\n")
    with pytest.raises(sa.LogValidationError) as excinfo:
        sa.read_log(tmp_path)
    assert [(p.table, p.row, p.column) for p in excinfo.value.problems] == [("episodes", 3, "onset")]


def test_dataframe_cells_holding_lists_and_repeated_labels():
    frame = pd.DataFrame({"Onset": ["2020-01-05", "2020-01-09"], "Notes": [["a", "b"], "fine"]}, index=[5, 6])
    with pytest.raises(LogValidationError) as excinfo:
        read_episodes(frame)
    assert problems_of(excinfo) == [(5, "Notes", "['a', 'b']")]
    repeated = pd.DataFrame({"Onset": ["2020-01-05", "garbage"]}, index=[3, 3])
    with pytest.raises(LogValidationError) as excinfo:
        read_episodes(repeated)
    assert problems_of(excinfo) == [(1, "Onset", "garbage")]


def test_n_merged_must_be_a_whole_number(tmp_path):
    path = write(tmp_path, "log.csv", "onset,n_merged\n2020-01-05,2\n2020-02-05,INF\n2020-03-05,1.5\n")
    with pytest.raises(LogValidationError) as excinfo:
        read_episodes(path)
    assert problems_of(excinfo) == [(3, "n_merged", "INF"), (4, "n_merged", "1.5")]


def test_options_are_checked(tmp_path):
    path = write(tmp_path, "log.csv", "Onset\n2020-01-05\n")
    with pytest.raises(TypeError, match="belong to read_log or EpisodeLog"):
        read_episodes(path, merge_within_days=2)
    with pytest.raises(TypeError, match="allowed: sep, encoding, quotechar"):
        read_episodes(path, skiprows=1)
    with pytest.raises(TypeError, match="not to a DataFrame"):
        read_episodes(pd.DataFrame({"Onset": ["2020-01-05"]}), encoding="latin-1")
    assert read_episodes(write(tmp_path, "semi.csv", "Onset;Pain\n2020-01-05;3\n"), sep=";")["severity"].tolist() == [3.0]


def test_zero_padded_codes_stay_text(tmp_path):
    path = write(tmp_path, "cov.csv", "Patient,site,age\n1,007,54\n2,012,61\n")
    cov = read_covariates(path)
    assert cov["site"].tolist() == ["007", "012"] and cov["age"].tolist() == [54, 61]
