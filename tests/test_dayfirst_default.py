"""``dayfirst``: False by default as the API fixes it, None decides per column (as the command line does)."""

from __future__ import annotations

import pandas as pd

import spasm_analysis as sa
from raised_problems import raised_problems


def test_dayfirst_default_matches_the_api_and_none_decides_per_column(tmp_path, capsys):
    import inspect

    from spasm_analysis.cli import main

    for reader in (sa.read_episodes, sa.read_treatments, sa.read_follow_up, sa.read_exposures):
        assert inspect.signature(reader).parameters["dayfirst"].default is False
    path = tmp_path / "my spasms.csv"
    path.write_text("Started,Ended\n02/03/2015,04/03/2015\n13/03/2015,15/03/2015\n", encoding="utf-8")
    # month first by default: row 3 is impossible, and the message says what to pass
    error = raised_problems(lambda: sa.read_episodes(path))
    assert [(p.row, p.column) for p in error.problems] == [(3, "Started"), (3, "Ended")]
    assert "no month 13 when read month first" in str(error) and "dayfirst=True (--dayfirst" in str(error)
    assert "dayfirst=None to let each column decide" in str(error)
    assert "dayfirst=True" in str(raised_problems(lambda: sa.read_log(path)))
    # per-column deciding, asked for explicitly
    decided = sa.read_episodes(path, dayfirst=None)
    assert decided["onset"].tolist() == [pd.Timestamp("2015-03-02"), pd.Timestamp("2015-03-13")]
    assert sa.read_episodes(path, dayfirst=True)["end"].tolist() == [pd.Timestamp("2015-03-04"), pd.Timestamp("2015-03-15")]
    # the command line decides per column, so a person's day-first log reads as it is
    assert main(["summary", str(path)]) == 0
    assert "Episodes: 2" in capsys.readouterr().out
    assert main(["summary", str(path), "--monthfirst"]) == 2
    assert "--dayfirst on the command line" in capsys.readouterr().err
