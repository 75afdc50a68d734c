"""Problems name the column as the file's header wrote it ("Lasted"), beside the canonical name."""

from __future__ import annotations

import pandas as pd

import spasm_analysis as sa
from raised_problems import raised_problems
from spasm_analysis.schema import Problem, ProblemList


def test_reader_checks_name_the_header(tmp_path):
    path = tmp_path / "spasms.csv"
    path.write_text("Started,Ended,Pain\n2020-01-05,2020-01-03,4\n2020-02-01,2020-02-04,11\n", encoding="utf-8")
    error = raised_problems(lambda: sa.read_episodes(path))
    by_row = {p.row: p for p in error.problems}
    assert (by_row[2].column, by_row[2].header) == ("end", "Ended")
    assert (by_row[3].column, by_row[3].header, by_row[3].value) == ("severity", "Pain", 11.0)
    assert "row 2, column 'Ended' (read as end)" in str(error)
    assert "row 3, column 'Pain' (read as severity), value 11.0" in str(error)


def test_an_end_computed_from_a_length_is_named_by_the_length_column(tmp_path):
    path = tmp_path / "spasms.csv"
    path.write_text("Date,Lasted\n2020-01-05,3 days\n2020-01-06,2 days\n", encoding="utf-8")
    episodes = sa.read_episodes(path)
    assert episodes.attrs["headers"] == {"onset": "Date", "duration": "Lasted", "end": "Lasted", "onset_latest": "Date",
                                         "end_earliest": "Lasted", "end_latest": "Lasted"}
    # the overlap is found later, by EpisodeLog, which still knows the headers
    error = raised_problems(lambda: sa.read_log(path))
    (problem,) = error.problems
    assert (problem.row, problem.column, problem.header) == (3, "onset", "Date")
    assert "row 3, column 'Date' (read as onset)" in str(error)
    assert "earlier episode of subject 'me' (row 2)" in str(error)


def test_the_same_column_under_its_canonical_name_is_shown_once():
    frame = pd.DataFrame({"onset": ["2020-01-05"], "end": ["2020-01-01"]})
    error = raised_problems(lambda: sa.read_episodes(frame))
    assert "column 'end', value" in str(error) and "read as" not in str(error)


def test_problem_list_names_columns_per_table():
    problems = ProblemList()
    problems.name_columns("episodes", {"end": "Lasted"})
    problems.add("episodes", 4, "end", "x", "bad")
    problems.add("follow_up", 2, "end", "y", "bad")
    assert [p.header for p in problems] == ["Lasted", None]
    assert str(Problem("episodes", 4, "end", "x", "bad", "Lasted")) == "episodes, row 4, column 'Lasted' (read as end), value 'x': bad"

