"""Flaredown exports -> EpisodeLog: the per-user wide export and the multi-user research dump."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.apps import detect_app

FIXTURES = Path(__file__).parent / "fixtures" / "apps"
T = pd.Timestamp


def read(name, **options):
    return sa.read_app_export(FIXTURES / name, app="flaredown", **options)


def test_both_layouts_detected():
    assert detect_app(FIXTURES / "flaredown_wide.csv") == "flaredown"
    assert detect_app(FIXTURES / "flaredown_research.csv") == "flaredown"


def test_wide_export_episodes_and_follow_up():
    log = read("flaredown_wide.csv", symptom="Back spasm")
    episodes = log.episodes
    # 2-3 Jan rated 2, 3; 4 Jan no check-in (bridged); 5 Jan rated 1; 6 Jan rated 0 splits.
    assert list(episodes["onset"]) == [T("2024-01-02"), T("2024-01-07")]
    assert list(episodes["end"]) == [T("2024-01-06"), T("2024-01-08")]
    assert list(episodes["severity"]) == [7.5, 10.0]  # 2.5 x the 0-4 rating
    assert list(log.follow_up["start"]) == [T("2024-01-01"), T("2024-01-09")]
    assert list(log.follow_up["end"]) == [T("2024-01-08"), T("2024-01-10")]


def test_wide_export_treatments_and_exposures():
    log = read("flaredown_wide.csv", symptom="Back spasm")
    treatments = log.treatments
    assert list(treatments["start"]) == [T("2024-01-02"), T("2024-01-03"), T("2024-01-03"), T("2024-01-06"), T("2024-01-07")]
    assert list(treatments["modality"]) == ["muscle_relaxant", "muscle_relaxant", "physiotherapy", "physiotherapy", "muscle_relaxant"]
    assert treatments["dose"].tolist()[1] == "10 mg"
    summary = log.exposures.groupby("exposure")["value"].agg(["sum", "count"])
    assert summary.to_dict("index") == {
        "Coffee, brewed from grounds": {"sum": 1, "count": 7}, "cold": {"sum": 1, "count": 7},
        "long sitting": {"sum": 2, "count": 7}, "stress": {"sum": 2, "count": 7},
    }


def test_research_dump_is_a_cohort_with_covariates():
    log = read("flaredown_research.csv", symptom="Back spasm")
    assert log.subjects == ("u1", "u2", "u3")
    episodes = log.episodes
    assert list(episodes["subject"]) == ["u1", "u1", "u2"]
    assert list(episodes["onset"]) == [T("2024-02-01"), T("2024-02-04"), T("2024-02-03")]
    assert list(episodes["end"]) == [T("2024-02-03"), T("2024-02-05"), T("2024-02-04")]
    assert list(episodes["severity"]) == [7.5, 10.0, 2.5]
    follow_up = log.follow_up
    assert list(follow_up["subject"]) == ["u1", "u2", "u2", "u2", "u3"]
    assert list(follow_up["start"]) == [T("2024-02-01"), T("2024-02-01"), T("2024-02-03"), T("2024-02-05"), T("2024-02-10")]
    assert list(follow_up["end"]) == [T("2024-02-05"), T("2024-02-02"), T("2024-02-04"), T("2024-02-07"), T("2024-02-11")]
    covariates = log.covariates.set_index("subject")
    assert covariates.loc["u1", "age"] == 34 and covariates.loc["u2", "sex"] == "male"
    assert np.isnan(covariates.loc["u3", "age"]) and covariates.loc["u3", "country"] == "CA"
    assert list(log.treatments["name"]) == ["Ibuprofen", "Heat"]
    dose = log.treatments["dose"].tolist()
    assert dose[0] == "400 mg" and pd.isna(dose[1])  # an empty value: taken, dose not given
    exposures = log.exposures.groupby(["subject", "exposure"])["value"].agg(["sum", "count"])
    assert exposures.loc[("u1", "stress")].tolist() == [2, 4]
    assert exposures.loc[("u2", "cold")].tolist() == [1, 4]
    # The cohort feeds the counting process.  Only u1's second onset is an event: an onset on the
    # first day of a window (u1 on 1 Feb, u2 on 3 Feb after an unlogged day) may have begun
    # while nobody was logging, so no time at risk precedes it.
    frame = sa.to_counting_process(log).to_frame()
    assert frame["event"].sum() == 1 and set(frame["subject"]) == {"u1", "u2", "u3"}
    event = frame[frame["event"] == 1]
    assert (event["subject"].item(), event["stop"].item()) == ("u1", 3.0)


def test_symptom_choice_and_min_severity():
    with pytest.raises(sa.LogValidationError, match=r"'Back spasm' \(4 days\), 'Fatigue' \(4 days\)"):
        read("flaredown_wide.csv")
    log = read("flaredown_research.csv", symptom="fatigue")
    assert list(log.episodes["subject"]) == ["u1", "u3"]
    log = read("flaredown_research.csv", symptom="Back spasm", min_severity=6)
    assert list(log.episodes["onset"]) == [T("2024-02-01"), T("2024-02-04")]
    assert list(log.episodes["end"]) == [T("2024-02-02"), T("2024-02-05")]


def test_malformed_file_names_line_and_field():
    with pytest.raises(sa.LogValidationError) as error:
        read("flaredown_malformed.csv", symptom="Back spasm")
    text = str(error.value)
    assert "line 2, field 'trackable_value', value '9': outside the scale 0-4" in text
    assert "line 3, field 'checkin_date', value '2024-02-31'" in text
    assert "line 4, field 'user_id': missing" in text
    assert "line 5, field 'age', value 'old': not a number" in text
    assert "line 5, field 'trackable_name'" in text


def test_wide_rating_outside_scale(tmp_path):
    path = tmp_path / "fd.csv"
    path.write_text("Date,Back spasm,Tags,Foods\n2024-01-01,2,,\n2024-01-02,five,,\n")
    with pytest.raises(sa.LogValidationError, match="line 3, field 'Back spasm', value 'five': not a number"):
        sa.read_app_export(path, app="flaredown")


def test_wide_export_as_flaredown_writes_it_today(tmp_path):
    # The six weather columns (pressure 1015.0, humidity 93.0) are not 0-4 ratings.
    log = read("flaredown_wide.csv", symptom="Back spasm")
    assert set(log.exposures["exposure"]) == {"Coffee, brewed from grounds", "cold", "long sitting", "stress"}
    with pytest.raises(sa.LogValidationError, match="'Back spasm' \\(4 days\\), 'Fatigue' \\(4 days\\)"):
        read("flaredown_wide.csv")
    # A dose written "400 mg" marks a treatment column, and every column after it is one too.
    path = tmp_path / "fd.csv"
    path.write_text(
        "Date,Back spasm,Ibuprofen,Heat pad,Tags,Foods,Weather summary,Weather pressure\n"
        "2024-01-01,2,400 mg,1,stress; poor sleep,\"Coffee, brewed from grounds; Bread, white\",Rain,1015.0\n"
        "2024-01-02,0,Not Taken,,,,Clear,1020.5\n"
    )
    log = sa.read_app_export(path, app="flaredown")
    assert log.treatments[["name", "dose"]].values.tolist() == [["Ibuprofen", "400 mg"], ["Heat pad", "1"]]
    assert sorted(log.exposures["exposure"].unique()) == ["Bread, white", "Coffee, brewed from grounds", "poor sleep", "stress"]


def test_research_dump_age_zero_is_kept(tmp_path):
    path = tmp_path / "fd-export.csv"
    path.write_text(
        "user_id,age,sex,country,checkin_date,trackable_id,trackable_type,trackable_name,trackable_value\n"
        "QEVuQwEA,0,female,CA,2017-04-28,3175,Condition,neck and upper back pain,2\n"
        "QEVuQwEA,0,female,CA,2017-04-28,9363,Weather,pressure,1012.0\n"
        "QEVuQwEB,30,male,US,2015-11-26,3175,Condition,neck and upper back pain,0\n"
    )
    log = sa.read_app_export(path, app="flaredown")
    ages = log.covariates.set_index("subject")["age"]
    assert ages["QEVuQwEA"] == 0 and ages["QEVuQwEB"] == 30


def test_treatment_names_go_through_the_one_modality_mapping(tmp_path):
    # The same mapping as read_treatments: known names get their modality, unknown ones are listed in a warning.
    path = tmp_path / "fd.csv"
    path.write_text(
        "Date,Back spasm,Treatment: Flexeril,Treatment: Ibuprofen,Treatment: Moon water,Tags,Foods\n"
        "2024-01-01,2,10 mg,Taken,Taken,,\n"
        "2024-01-02,0,Not Taken,400 mg,,,\n"
    )
    with pytest.warns(sa.vocabulary.UnknownModalityWarning, match="'Moon water'"):
        log = sa.read_app_export(path, app="flaredown")
    treatments = log.treatments.sort_values(["start", "name"])
    assert treatments[["name", "modality"]].values.tolist() == [
        ["Flexeril", sa.normalize_modality("Flexeril")], ["Ibuprofen", sa.normalize_modality("Ibuprofen")],
        ["Moon water", "Moon water"], ["Ibuprofen", sa.normalize_modality("Ibuprofen")]]
    assert sa.normalize_modality("Flexeril") == "muscle_relaxant"
    expected = sa.read_treatments(pd.DataFrame({"Date": ["2024-01-01"], "Treatment": ["Ibuprofen"]}))["modality"].iloc[0]
    assert treatments["modality"].iloc[1] == expected


# The research dump's layout variants (made-up rows in the dump's exact layout, as quoted from
# fd-export.csv): empty age/sex/country cells, age 0, Weather rows holding text and numbers, a
# treatment dose, Tag rows with an empty value, and a blank line after the last row.
LAYOUT = FIXTURES / "flaredown_research_layout.csv"


def test_research_dump_layout_variants():
    assert detect_app(LAYOUT) == "flaredown"
    assert LAYOUT.read_bytes().endswith(b",0\n\n")
    with pytest.warns(sa.vocabulary.UnknownModalityWarning, match="'Zofran'"):
        log = sa.read_app_export(LAYOUT, app="flaredown", symptom="Nausea")
    nausea = "QEVuQwEAmadeup4EEEEEEEEEEEEEE=="
    # Nausea rated 1 on 9 March 2016 and 0 on 27 March: one one-day episode, severity 2.5 (= 2.5 x 1).
    assert log.episodes["subject"].tolist() == [nausea]
    assert [f"{t:%Y-%m-%d}" for t in log.episodes["onset"]] == ["2016-03-09"]
    assert log.episodes["severity"].tolist() == [2.5]
    assert log.n_subjects == 5 and len(log.follow_up) == 6
    ages = log.covariates.set_index("subject")["age"]
    assert ages["QEVuQwEAmadeup2+CCCCCCCCCCCC/=="] == 0  # age 0 is kept as written
    assert ages["QEVuQwEAmadeup1BBBBBBBBBBBBBB=="] == 41 and pd.isna(ages[nausea])
    assert log.treatments[["name", "dose"]].values.tolist() == [["Zofran", "8.0 mg"]]
    tags = log.exposures[log.exposures["subject"] == nausea].pivot(index="time", columns="exposure", values="value")
    assert tags["stressed"].tolist() == [1.0, 0.0] and sorted(tags.columns) == ["feels", "stressed", "tired"]


def test_research_dump_condition_beside_weather_rows():
    log = sa.read_app_export(LAYOUT, app="flaredown", symptom="Headache")
    assert log.episodes["subject"].tolist() == ["QEVuQwEAmadeup2+CCCCCCCCCCCC/=="]
    assert [f"{t:%Y-%m-%d}" for t in log.episodes["onset"]] == ["2018-09-12"]
    assert log.episodes["severity"].tolist() == [5.0]
