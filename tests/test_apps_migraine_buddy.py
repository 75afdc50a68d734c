"""Migraine Buddy CSV export -> EpisodeLog: preamble, locale dates, durations, medication ratings."""

from pathlib import Path

import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.apps import DateOrderInferredWarning, detect_app
from spasm_analysis.apps.migraine_buddy import TriggersOnEpisodeDaysOnlyWarning

FIXTURES = Path(__file__).parent / "fixtures" / "apps"
T = pd.Timestamp
pytestmark = pytest.mark.filterwarnings(
    "ignore::spasm_analysis.FollowUpInferredWarning",
    "ignore::spasm_analysis.apps.migraine_buddy.TriggersOnEpisodeDaysOnlyWarning",
)


def read(name="migraine_buddy.csv", **options):
    return sa.read_app_export(FIXTURES / name, app="migraine_buddy", **options)


def test_detected_after_preamble():
    assert detect_app(FIXTURES / "migraine_buddy.csv") == "migraine_buddy"
    assert detect_app(FIXTURES / "migraine_buddy_dayfirst.csv") == "migraine_buddy"


def test_month_first_inferred_and_announced():
    with pytest.warns(DateOrderInferredWarning, match=r"month-first \(mm/dd/yy\), because line 7 has '03/15/24 22:10'"):
        log = read()
    episodes = log.episodes
    assert list(episodes["onset"]) == [T("2024-03-02 08:30"), T("2024-03-15 22:10"), T("2024-04-01 07:00")]
    # Lasted "01h 00m", "1d 02h 15m", "03h 30m".
    assert list(episodes["end"]) == [T("2024-03-02 09:30"), T("2024-03-17 00:25"), T("2024-04-01 10:30")]
    assert list(episodes["severity"]) == [4.0, 8.0, 6.0]
    assert list(episodes["region"]) == ["Neck, Left Temple", "Neck, Upper back", "Left Temple"]
    assert episodes["notes"].iloc[1] == "woke up with it, lasted into Sunday"


def test_medications_with_their_rating_and_triggers():
    with pytest.warns(TriggersOnEpisodeDaysOnlyWarning, match="only for attacks"):
        log = read(dayfirst=False)
    treatments = log.treatments
    assert list(treatments["name"]) == ["Ibuprofen", "Cyclobenzaprine", "Acetaminophen", "Sumatriptan", "Ibuprofen"]
    assert list(treatments["modality"]) == ["nsaid", "muscle_relaxant", "analgesic", "Sumatriptan", "nsaid"]
    assert list(treatments["notes"]) == ["helpful", "somewhat helpful", "unhelpful", "helpful", "somewhat helpful"]
    assert list(treatments["start"]) == [T("2024-03-02"), T("2024-03-15"), T("2024-03-15"), T("2024-04-01"), T("2024-04-01")]
    exposures = log.exposures
    assert list(exposures["exposure"]) == ["Stress", "Poor sleep", "Long sitting", "Weather"]
    assert list(exposures["time"]) == [T("2024-03-02"), T("2024-03-15"), T("2024-03-15"), T("2024-04-01")]


def test_follow_up_first_to_last_record_or_given():
    log = read(dayfirst=False)
    assert (log.follow_up["start"].tolist(), log.follow_up["end"].tolist()) == ([T("2024-03-02")], [T("2024-04-02")])
    assert any("No follow_up given" in action for action in log.actions)
    log = read(dayfirst=False, follow_up=("2024-01-01", "2024-06-30"))
    assert (log.follow_up["start"].tolist(), log.follow_up["end"].tolist()) == ([T("2024-01-01")], [T("2024-06-30")])


def test_day_first_older_export_without_preamble_or_offsets():
    with pytest.warns(DateOrderInferredWarning, match="day-first"):
        log = read("migraine_buddy_dayfirst.csv")
    episodes = log.episodes
    assert list(episodes["onset"]) == [T("2024-03-02 08:30"), T("2024-03-25 18:00")]
    assert episodes["end"].iloc[0] == T("2024-03-02 10:30") and pd.isna(episodes["end"].iloc[1])
    assert log.treatments["modality"].tolist() == ["heat"]


def test_ambiguous_dates_need_dayfirst(tmp_path):
    path = tmp_path / "mb.csv"
    path.write_text("Started,Lasted,Pain Level\n02/03/24 08:30,01h 00m,5\n05/04/24 10:00,02h 00m,6\n")
    with pytest.raises(ValueError, match="ambiguous.*dayfirst=True"):
        read(path)
    assert read(path, dayfirst=True).episodes["onset"].tolist() == [T("2024-03-02 08:30"), T("2024-04-05 10:00")]
    assert read(path, dayfirst=False).episodes["onset"].tolist() == [T("2024-02-03 08:30"), T("2024-05-04 10:00")]


def test_symptom_selects_pain_positions_and_min_severity_drops_attacks():
    assert read(dayfirst=False, symptom="neck").episodes["onset"].tolist() == [T("2024-03-02 08:30"), T("2024-03-15 22:10")]
    log = read(dayfirst=False, symptom="neck", min_severity=5)
    assert log.episodes["onset"].tolist() == [T("2024-03-15 22:10")]
    assert log.treatments["name"].tolist() == ["Cyclobenzaprine", "Acetaminophen"]
    with pytest.raises(sa.LogValidationError, match="pain positions found: 'Left Temple' \\(2 attacks\\)"):
        read(dayfirst=False, symptom="knee")


def test_malformed_file_names_line_and_field():
    with pytest.raises(sa.LogValidationError) as error:
        read("migraine_buddy_malformed.csv", dayfirst=False)
    text = str(error.value)
    assert "line 2, field 'Lasted', value 'forever-ish'" in text
    assert "line 3, field 'Pain Level', value '12': outside the scale 0-10" in text
    assert "line 4, field 'Started', value '02/30/24 10:00': not a date-time read as mm/dd/yy" in text
    assert "line 5, field 'Started': missing" in text


def test_long_preamble_unsure_medication_and_relief_methods(tmp_path):
    # The export lists ongoing health events before the attacks; 60 of them push the header past row 60.
    preamble = ["Migraine Buddy", "Health events", "Type,Name,Started,Ended"]
    preamble += [f"Medication,Propranolol {i} mg,01/{1 + i % 28:02d}/23,," for i in range(60)]
    header = ('"#","Started","Lasted","Start UTC Offset (min)","End UTC Offset (min)","Pain Level","Pain Positions",'
              '"Potential Triggers","Helpful Medication","Somewhat Helpful Medication","Unhelpful Medication",'
              '"Unsure Medication","Helpful Non Drug Relief Methods","Somewhat Helpful Non Drug Relief Methods",'
              '"Unhelpful Non Drug Relief Methods","Unsure Non Drug Relief Methods","Notes"')
    rows = [
        '1,03/02/24 08:30,01h 00m,-480,-480,4,"Neck",Stress,,,,Ibuprofen,"Ice, Dark room",,,,',
        '2,03/15/24 22:10,1d 02h 15m,-420,-420,8,"Neck",,No medication,,,,,,Massage,Heat,',
    ]
    path = tmp_path / "MigraineBuddy_export.csv"
    path.write_text("\n".join(preamble + ["", header] + rows) + "\n")
    assert detect_app(path) == "migraine_buddy"
    with pytest.warns(sa.vocabulary.UnknownModalityWarning, match="'Dark room'"):
        log = sa.read_app_export(path, app="migraine_buddy")
    treatments = log.treatments.sort_values(["start", "name"])
    assert treatments[["name", "notes"]].values.tolist() == [
        ["Dark room", "helpful (non-drug)"], ["Ibuprofen", "unsure"], ["Ice", "helpful (non-drug)"],
        ["Heat", "unsure (non-drug)"], ["Massage", "unhelpful (non-drug)"],
    ]
    assert treatments["start"].dt.day.tolist() == [2, 2, 2, 15, 15]
    assert log.n_episodes == 2
