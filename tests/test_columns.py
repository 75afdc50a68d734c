import pytest

from spasm_analysis.io.columns import normalise_header, recognise_columns
from spasm_analysis.schema import ProblemList


def recognise(headers, table="episodes", columns=None):
    problems = ProblemList()
    mapping = recognise_columns(headers, table, columns=columns, problems=problems)
    return mapping, list(problems)


@pytest.mark.parametrize(
    "header, canonical",
    [
        ("Started", "onset"), ("Date", "onset"), ("Start", "onset"), ("Onset", "onset"),
        ("Start date", "onset"), ("Onset_Date", "onset"), ("  ONSET ", "onset"),
        ("Ended", "end"), ("End", "end"), ("Stop", "end"), ("Until", "end"), ("End date", "end"),
        ("Duration", "duration"), ("Days", "duration"), ("Length", "duration"), ("Duration (days)", "duration"),
        ("Where", "region"), ("Location", "region"), ("Region", "region"), ("Body part", "region"),
        ("Side", "side"),
        ("Severity", "severity"), ("Pain", "severity"), ("Intensity", "severity"), ("Pain (0-10)", "severity"),
        ("Pain level", "severity"),
        ("Trigger", "trigger"), ("Cause", "trigger"), ("Suspected trigger", "trigger"),
        ("Treatment", "treatment"), ("Therapy", "treatment"), ("Medication", "treatment"),
        ("Notes", "notes"), ("Comment", "notes"), ("Detail", "notes"),
        ("Subject", "subject"), ("Patient", "subject"), ("ID", "subject"), ("Person", "subject"),
        ("onset_precision", "onset_precision"),
    ],
)
def test_episode_headers(header, canonical):
    mapping, problems = recognise([header])
    assert mapping == {header: canonical} and not problems


@pytest.mark.parametrize(
    "table, header, canonical",
    [
        ("treatments", "Date", "start"), ("treatments", "Treatment", "name"), ("treatments", "Medication", "name"),
        ("treatments", "Therapy", "name"), ("treatments", "Until", "end"), ("treatments", "Dose", "dose"),
        ("treatments", "Modality", "modality"),
        ("exposures", "Date", "time"), ("exposures", "Activity", "exposure"), ("exposures", "Value", "value"),
        ("follow_up", "From", "start"), ("follow_up", "To", "end"), ("covariates", "Patient ID", "subject"),
    ],
)
def test_other_tables(table, header, canonical):
    mapping, problems = recognise([header], table)
    assert mapping == {header: canonical} and not problems


def test_unrecognised_headers_are_left_out():
    mapping, problems = recognise(["Date", "Weather", "Mood"])
    assert mapping == {"Date": "onset"} and not problems


def test_two_headers_for_one_column_is_a_problem():
    mapping, problems = recognise(["Date", "Start", "Pain"])
    assert mapping == {"Pain": "severity"}
    assert len(problems) == 1 and "'Date' and 'Start' both read as onset" in problems[0].message


def test_override_wins_and_resolves_ambiguity():
    mapping, problems = recognise(["Date", "Start"], columns={"Start": "onset"})
    assert mapping == {"Start": "onset"} and not problems
    mapping, problems = recognise(["When it began", "Length"], columns={"When it began": "onset"})
    assert mapping == {"When it began": "onset", "Length": "duration"} and not problems


def test_override_naming_absent_column_or_unknown_target():
    mapping, problems = recognise(["Date"], columns={"Begin": "onset", "Date": "when"})
    assert mapping == {}
    assert [(p.column, p.value) for p in problems] == [("Begin", None), ("Date", "when")]
    assert "not in the file (columns present: 'Date')" in problems[0].message
    assert "must be one of subject, onset, end" in problems[1].message


def test_override_mapping_two_headers_to_one_target():
    _, problems = recognise(["A", "B"], columns={"A": "onset", "B": "onset"})
    assert len(problems) == 1 and "both 'A' and 'B'" in problems[0].message


def test_unknown_table():
    with pytest.raises(ValueError, match="table='visits' is not valid; allowed values: 'episodes', 'treatments'"):
        recognise(["Date"], "visits")


def test_normalise_header():
    assert normalise_header("  Pain  (0-10) ") == "pain"
    assert normalise_header("Onset_Date") == "onset date"
    assert normalise_header(3) == "3"
