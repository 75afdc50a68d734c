"""What people write: dates and lengths as intervals, ongoing episodes, red flags, analysis windows,
column-wide date order, DataFrame dates, and the one-page clinician summary."""

import re
import shutil
import warnings

import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.cli import main
from spasm_analysis.io.dates import decide_date_order, parse_date_interval, remembered_count
from spasm_analysis.io.durations import parse_length

T = pd.Timestamp
D = pd.Timedelta
ACCOUNT = "tests/fixtures/real_account"


@pytest.mark.parametrize("text, earliest, latest, precision", [
    ("2004", T(2004, 1, 1), T(2004, 12, 31), "year"),
    ("summer 2004", T(2004, 6, 1), T(2004, 8, 31), "season"),
    ("2004, summer", T(2004, 6, 1), T(2004, 8, 31), "season"),
    ("autumn 2010", T(2010, 9, 1), T(2010, 11, 30), "season"),
    ("winter 2003/04", T(2003, 12, 1), T(2004, 2, 29), "season"),
    ("early Oct 2013", T(2013, 10, 1), T(2013, 10, 10), "part_month"),
    ("mid October 2013", T(2013, 10, 11), T(2013, 10, 20), "part_month"),
    ("late Feb 2012", T(2012, 2, 21), T(2012, 2, 29), "part_month"),
    ("Oct 2013", T(2013, 10, 1), T(2013, 10, 31), "month"),
    ("around Nov 8 2014", T(2014, 11, 5), T(2014, 11, 11), "around"),
    ("~Nov 8 2014", T(2014, 11, 5), T(2014, 11, 11), "around"),
    ("Nov 8 2014?", T(2014, 11, 5), T(2014, 11, 11), "around"),
    ("2014-11-08", T(2014, 11, 8), T(2014, 11, 8), "day"),
    ("05.10.2015", T(2015, 10, 5), T(2015, 10, 5), "day"),
])
def test_written_dates_keep_their_interval(text, earliest, latest, precision):
    assert parse_date_interval(text, dayfirst=None) == (earliest, latest, precision)


@pytest.mark.parametrize("text, reason", [
    ("1/2/3", "year in full"), ("03/15/24", "year in full"), ("45", "not a year"),
    ("today", "relative to today"), ("yesterday", "relative to today"), ("02/03/2015", "reads both"),
])
def test_guesses_are_refused_with_the_accepted_forms(text, reason):
    with pytest.raises(ValueError, match=reason) as excinfo:
        parse_date_interval(text, dayfirst=None)
    assert "summer 2004" in str(excinfo.value) and "around Nov 8 2014" in str(excinfo.value)


@pytest.mark.parametrize("text, shortest, longest, ongoing", [
    ("3 days", D(days=3), D(days=3), False),
    ("3-4 days", D(days=3), D(days=4), False),
    ("a couple of days", D(days=2), D(days=2), False),
    ("couple of days", D(days=2), D(days=2), False),
    ("a few days", D(days=2), D(days=4), False),
    ("several days", D(days=3), D(days=7), False),
    ("over a week", D(days=8), pd.NaT, False),
    ("more than a week", D(days=8), pd.NaT, False),
    ("still going", pd.NaT, pd.NaT, True),
    ("ongoing", pd.NaT, pd.NaT, True),
    ("hasn't stopped", pd.NaT, pd.NaT, True),
    ("9 days and still going", D(days=9), pd.NaT, True),
    ("?", pd.NaT, pd.NaT, False),
    ("unknown", pd.NaT, pd.NaT, False),
    ("", pd.NaT, pd.NaT, False),
])
def test_written_lengths(text, shortest, longest, ongoing):
    length = parse_length(text)
    assert (length.ongoing, str(length.shortest), str(length.longest)) == (ongoing, str(shortest), str(longest))


def test_unreadable_length_lists_the_accepted_forms():
    with pytest.raises(ValueError, match="over a week, still going"):
        parse_length("banana")


def test_remembered_counts_become_one_year_wide_episode_per_year():
    assert remembered_count("about once a year 2005-2012") == [str(y) for y in range(2005, 2013)]
    assert remembered_count("2015-03-02") is None
    with pytest.raises(ValueError, match="one row per remembered episode"):
        remembered_count("twice a year 2005-2012")
    episodes = sa.read_episodes(pd.DataFrame({"Started": ["about once a year 2005-2007"], "Lasted": ["a few days"]}))
    assert list(episodes.index) == ["0:2005", "0:2006", "0:2007"]
    assert episodes["onset_latest"].tolist() == [T(2005, 12, 31), T(2006, 12, 31), T(2007, 12, 31)]
    assert set(episodes["notes"]) == {"remembered: about once a year 2005-2007"}


def test_reader_keeps_both_ends_of_lengths_and_onsets():
    frame = pd.DataFrame({"Started": ["around Nov 8 2014", "2015-03-02", "2015-05-01"], "Lasted": ["a few days", "over a week", "3-4 days"]})
    ep = sa.read_episodes(frame)
    assert ep.loc[0, "onset"] == T(2014, 11, 5) and ep.loc[0, "onset_latest"] == T(2014, 11, 11)
    assert ep.loc[0, "end_earliest"] == T(2014, 11, 7) and ep.loc[0, "end_latest"] == T(2014, 11, 15)
    assert ep.loc[1, "end"] == T(2015, 3, 10) and pd.isna(ep.loc[1, "end_latest"])
    assert (ep.loc[2, "end_earliest"], ep.loc[2, "end"], ep.loc[2, "end_latest"]) == (T(2015, 5, 4), T(2015, 5, 5), T(2015, 5, 5))


def test_date_order_is_decided_for_the_whole_column():
    assert decide_date_order([(2, "02/03/2015"), (3, "13/03/2015")]) == (True, "read day-first (dd/mm/yyyy), because row 3 has '13/03/2015'")
    ep = sa.read_episodes(pd.DataFrame({"Started": ["02/03/2015", "13/03/2015"]}), dayfirst=None)
    assert ep["onset"].tolist() == [T(2015, 3, 2), T(2015, 3, 13)]  # both day-first, never Feb 3
    with pytest.raises(sa.LogValidationError, match=r"row 1 '13/03/2015' put the day first, row 2 '03/14/2015' the month first"):
        sa.read_episodes(pd.DataFrame({"Started": ["02/03/2015", "13/03/2015", "03/14/2015"]}), dayfirst=None)
    with pytest.raises(sa.LogValidationError, match=r"row 0 '02/03/2015'"):
        sa.read_episodes(pd.DataFrame({"Started": ["02/03/2015"]}), dayfirst=None)
    assert sa.read_episodes(pd.DataFrame({"Started": ["02/03/2015"]}), dayfirst=False)["onset"][0] == T(2015, 2, 3)


def test_dataframe_input_goes_through_the_same_date_parser():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.FollowUpInferredWarning)
        ep = sa.EpisodeLog(pd.DataFrame({"onset": [2015]})).episodes
    assert (ep.loc[0, "onset"], ep.loc[0, "onset_latest"], ep.loc[0, "onset_precision"]) == (T(2015, 1, 1), T(2015, 12, 31), "year")
    with pytest.raises(sa.LogValidationError, match="row 0, column 'onset', value 'today': a date relative to today"):
        sa.EpisodeLog(pd.DataFrame({"onset": ["today"]}))
    with pytest.raises(sa.LogValidationError, match="put the day first"):
        sa.EpisodeLog(pd.DataFrame({"onset": ["13/03/2015", "03/14/2015"]}))


def _ongoing_log(end="2020-03-10"):
    episodes = pd.DataFrame({"onset": ["2020-01-05", "2020-03-01"], "end": ["2020-01-08", None], "ongoing": [False, True]})
    return sa.EpisodeLog(episodes, follow_up=pd.DataFrame({"start": ["2020-01-01"], "end": [end]}))


def test_ongoing_spasm_crossing_seven_days_at_the_end_of_follow_up_is_flagged():
    flags = sa.red_flags(_ongoing_log())
    assert flags[["onset", "days", "ongoing"]].values.tolist() == [[T(2020, 3, 1), 9.0, True]]
    assert "still going on 2020-03-10, 9 days after it began" in flags["reason"][0]
    # Seven days in, it has not yet lasted more than a week.
    assert sa.red_flags(_ongoing_log("2020-03-08")).empty
    assert sa.red_flags(_ongoing_log(), as_of="2020-03-05").empty
    assert sa.red_flags(_ongoing_log(), min_days=8)["days"].tolist() == [9.0]
    with pytest.raises(ValueError, match="min_days"):
        sa.red_flags(_ongoing_log(), min_days=-1)


def test_ongoing_episode_keeps_the_person_out_of_the_risk_set():
    cp = sa.to_counting_process(_ongoing_log())
    assert cp[["start", "stop", "event"]].values.tolist() == [[0.0, 4.0, 1], [7.0, 60.0, 1]]
    assert _ongoing_log().episodes.loc[1, "end_earliest"] == T(2020, 3, 10)


def test_completed_long_episodes_and_ranges_that_may_cross_a_week():
    episodes = pd.DataFrame({"onset": ["2020-01-05", "2020-03-01", "2020-05-01"], "end": ["2020-01-15", "2020-03-04", "2020-05-09"],
                             "end_earliest": [None, None, "2020-05-07"]})
    log = sa.EpisodeLog(episodes, follow_up=pd.DataFrame({"start": ["2020-01-01"], "end": ["2020-12-31"]}))
    flags = sa.red_flags(log)
    assert flags["days"].tolist() == [10.0, 8.0]
    assert "lasted 10 days" in flags["reason"][0] and "may have lasted more than 7 days" in flags["reason"][1]


def test_between_cuts_every_table_the_same_way():
    episodes = pd.DataFrame({"onset": ["2019-03-01", "2019-12-30", "2020-02-01", "2020-08-01"],
                             "end": ["2019-03-04", "2020-01-03", "2020-02-03", "2020-08-02"]})
    treatments = pd.DataFrame({"start": ["2019-05-01", "2020-02-05"], "end": ["2019-05-02", "2020-02-06"], "modality": ["massage", "massage"]})
    exposures = pd.DataFrame({"time": ["2019-06-01", "2020-03-01"], "exposure": ["cold pool", "cold pool"]})
    log = sa.EpisodeLog(episodes, follow_up=pd.DataFrame({"start": ["2019-01-01"], "end": ["2021-01-01"]}),
                        treatments=treatments, exposures=exposures)
    window = log.between("2020-01-01", "2020-07-01")
    assert (window.follow_up["start"].tolist(), window.follow_up["end"].tolist()) == ([T(2020, 1, 1)], [T(2020, 7, 1)])
    assert window.episodes["onset"].tolist() == [T(2019, 12, 30), T(2020, 2, 1)]  # the first was going on at the start
    assert window.treatments["start"].tolist() == [T(2020, 2, 5)]
    assert window.exposures["time"].tolist() == [T(2020, 3, 1)]
    assert log.between(since := "2020-01-01").n_episodes == 3 and since
    with pytest.raises(ValueError, match="start before end"):
        log.between("2020-07-01", "2020-01-01")
    with pytest.raises(ValueError, match="nothing was logged"):
        log.between("2030-01-01", "2031-01-01")


def test_a_real_account_loads_with_no_refused_rows_and_flags_the_ongoing_spasm(capsys):
    assert main(["summary", ACCOUNT]) == 0
    out = capsys.readouterr().out
    assert out.index("RED FLAGS") < out.index("Episodes per calendar year")
    assert "began 2015-06-10 still going on 2015-06-19, 9 days after it began" in out
    assert "began 2013-10-01 lasted 8 days or more" in out
    assert "When to get care" in out and "not a diagnosis" in out
    assert "Episodes: 13" in out  # 5 written rows + 8 remembered years
    assert main(["summary", ACCOUNT, "--since", "2015-01-01"]) == 0
    assert "Episodes: 2" in capsys.readouterr().out


def test_clinician_summary_text_puts_red_flags_first():
    text = str(sa.clinician_summary(sa.read_log(ACCOUNT)))
    assert text.index("RED FLAGS") < text.index("Recent episodes") < text.index("Treatments and medications tried")
    assert "2015-06-10  still going  (long sitting; worst one so far)" in text
    assert "2013-10-01 to 2013-10-10  over 8 days" in text
    assert "massage: 1 time(s), 2015-03-04 to 2015-03-05; helped: yes, eased within two days" in text


def test_clinician_html_is_self_contained_and_escaped(tmp_path):
    assert main(["clinician", ACCOUNT, "-o", str(tmp_path / "summary.html")]) == 0
    page = (tmp_path / "summary.html").read_text()
    assert "@page { size: A4" in page and "Red flags" in page and "http" not in page.replace("http-equiv", "")
    assert page.index("Red flags") < page.index("Recent episodes") < page.index("Treatments and medications tried")
    assert "Helped" in page and "yes, eased within two days" in page


@pytest.mark.skipif(shutil.which("chromium") is None and shutil.which("chromium-browser") is None, reason="Chromium not installed")
@pytest.mark.parametrize("source, paper, width", [
    (ACCOUNT, "A4", 595), (ACCOUNT, "Letter", 612),
    ("data/sample/personal", "A4", 595), ("data/sample/personal", "Letter", 612),  # ten years, many flags and treatments
])
def test_clinician_pdf_is_one_page(tmp_path, source, paper, width):
    path = tmp_path / "summary.pdf"
    assert main(["clinician", source, "-o", str(path), "--paper", paper]) == 0
    data = path.read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)", data)
    assert round(float(box.group(1))) == width


def test_forecast_from_a_log_ending_in_an_episode_with_inferred_follow_up():
    onsets = ["2019-01-10", "2019-04-02", "2019-07-20", "2019-11-05", "2020-02-14", "2020-06-01"]
    lasted = ["3 days", "4 days", "2 days", "5 days", "3 days", "still going"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = sa.EpisodeLog(sa.read_episodes(pd.DataFrame({"Started": onsets, "Lasted": lasted})))
        result = sa.forecast_next_episode(log, n_bootstrap=0)
    assert result.days_since_end == 0.0
    assert "the forecast starts from its end" in str(result.notes)
    assert ((result.table["probability"] > 0) & (result.table["probability"] < 1)).all()


def test_messages_after_loading_name_the_file_line(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("Started,Lasted\n2015-03-02,3 days\n2015-05-01,?\n")
    log = sa.read_log(path)
    assert list(log.row_labels()) == [2, 3]
    with pytest.raises(sa.LogValidationError, match=r"row 3, column 'end': .* has no recorded end") as excinfo:
        sa.to_counting_process(log)
    assert "write 'still going' if it had not ended" in str(excinfo.value)
    assert list(log.between("2015-04-01", None).row_labels()) == [3]


def test_a_missing_exposures_table_is_explained():
    with pytest.raises(ValueError, match="no exposures table, so 'cold pool' cannot be studied as a trigger"):
        sa.case_crossover(_ongoing_log(), exposure="cold pool")


def test_report_shows_red_flags_first_notes_and_kept_columns(tmp_path):
    from spasm_analysis.report import write_report

    page = write_report(ACCOUNT, tmp_path / "report.html").read_text()
    assert page.index("Red flags and when to get care") < page.index("Episodes per year")
    assert "still going on 2015-06-19, 9 days after it began" in page
    assert "Your notes" in page and "worst one so far" in page
    assert "Kept from your files but not analysed: Helped (treatments)" in page


def test_since_and_until_cut_the_report_and_the_clinician_page(tmp_path):
    assert main(["clinician", ACCOUNT, "-o", str(tmp_path / "c.html"), "--until", "2015-01-01"]) == 0
    page = (tmp_path / "c.html").read_text()
    assert "as of 2015-01-01" in page and "2015-06-10" not in page
    assert "No episode in the log lasted more than a week" not in page  # early Oct 2013 is still inside
    assert main(["report", ACCOUNT, "-o", str(tmp_path / "r.html"), "--since", "2015-01-01"]) == 0
    report = (tmp_path / "r.html").read_text()
    assert "2 episodes, 2015-01-01 to 2015-06-19" in report and "2013-10-01" not in report
