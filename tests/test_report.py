"""The HTML report: sections, self-containment, escaping of user text, robustness, the CLI."""

import html
import io
import re
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import spasm_analysis as sa  # noqa: E402
from spasm_analysis.report import build_report, write_report  # noqa: E402
from spasm_analysis.report.html import table  # noqa: E402
from spasm_analysis.results import format_p_value  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PERSONAL = ROOT / "data" / "sample" / "personal"
COHORT = ROOT / "data" / "sample" / "cohort"
QUIET = False  # no progress bar


def _read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sa.read_log(path)


def _section(page, anchor):
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', page, flags=re.S)
    assert match, f"section {anchor!r} missing"
    return match.group(1)


def _status(page):
    return {anchor: status for status, anchor in re.findall(r'<li class="(\w+)"><a href="#(\w+)"', page)}


def assert_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)\s*=\s*["\']?\s*(https?:|//)', page, flags=re.I)
    assert not re.search(r"url\(|@import|<link", page, flags=re.I)
    srcs = re.findall(r'src="([^"]*)"', page)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', page))
    assert "default-src 'none'" in page  # the browser is told to fetch nothing


@pytest.fixture(scope="module")
def personal_page():
    return build_report(_read(PERSONAL), source="personal", progress=QUIET)


@pytest.fixture(scope="module")
def cohort_page():
    return build_report(_read(COHORT), by="arm", progress=QUIET)


def test_personal_report_has_every_section(personal_page):
    status = _status(personal_page)
    assert list(status) == ["summary", "timeline", "trend", "treatments", "triggers", "durations", "forecast",
                            "clinician", "methods"]
    assert set(status.values()) == {"ok"}
    assert_self_contained(personal_page)
    # timeline, calendar, change points, cumulative episodes, did-it-help forest, durations
    assert personal_page.count("<img ") == 6


def test_personal_report_numbers_come_from_the_analyses(personal_page):
    log = _read(PERSONAL)
    laplace = sa.laplace_test(log)
    trend = _section(personal_page, "trend")
    assert f"{laplace.statistic:.3g}" in trend and format_p_value(laplace.p_value) in trend
    fit = sa.crow_amsaa(log)
    assert f"beta {fit.beta:.2f}" in trend
    reconciled = sa.trend_summary(log)
    assert html.escape(reconciled.answer) in trend
    assert html.escape(reconciled.explanation) in trend
    stretches = reconciled.change_points.segments
    assert f"{stretches['rate_per_year'].iloc[-1]:.3g}" in trend
    assert "Time of year" in trend and "January" in trend
    treatments = _section(personal_page, "treatments")
    effect = sa.treatment_effect(log, "chiropractic")
    assert f"<td class=\"num\">{effect.rate_ratio:.3g}</td>" in treatments
    assert effect.verdict.replace("'", "&#x27;") in treatments
    assert "times as frequent during" not in treatments  # the crude on/off headline is gone
    assert "regression to the mean" in treatments
    summary = _section(personal_page, "summary")
    assert f"{log.n_episodes} (" in summary
    assert "not medical advice" in _section(personal_page, "methods")


def test_cohort_report_sections_and_numbers(cohort_page):
    status = _status(cohort_page)
    assert list(status) == ["summary", "events", "mcf", "models", "gaps", "methods"]
    assert set(status.values()) == {"ok"}
    assert_self_contained(cohort_page)
    log = _read(COHORT)
    cp = sa.to_counting_process(log, treatments="all")
    test = sa.mcf_test(cp, by="arm")
    mcf_part = _section(cohort_page, "mcf")
    assert f"{test.statistic:.4g}" in mcf_part and format_p_value(test.p_value) in mcf_part
    models = _section(cohort_page, "models")
    ag = sa.andersen_gill(cp, ["age", "sex", "arm", "on_physiotherapy"])
    assert f"{ag.hazard_ratios['arm']:.4g}" in models
    assert "Andersen-Gill" in models and "PWP, total time" in models
    zph = ag.test_proportional_hazards()
    assert "stay the same over follow-up" in models and f"{zph.loc['GLOBAL', 'chisq']:.4g}" in models
    assert f"Concordance {ag.concordance:.3f}" in models


def _tiny_log(note="fine", exposures=None):
    onsets = pd.date_range("2020-01-10", periods=12, freq="35D")
    episodes = pd.DataFrame({"onset": onsets, "end": onsets + pd.Timedelta(days=3), "severity": 5.0,
                             "notes": [note] + [""] * 11, "trigger": ["<b>cold</b>"] + [""] * 11})
    follow_up = pd.DataFrame({"start": [pd.Timestamp("2020-01-01")], "end": [pd.Timestamp("2021-03-01")]})
    treatments = pd.DataFrame({"start": pd.to_datetime(["2020-05-01", "2020-05-08"]),
                               "end": pd.to_datetime(["2020-05-01", "2020-05-08"]), "modality": ["massage"] * 2,
                               "name": ["<i>deep</i> tissue"] * 2})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sa.EpisodeLog(episodes, follow_up=follow_up, treatments=treatments, exposures=exposures)


def test_user_text_is_escaped():
    page = build_report(_tiny_log(note="<script>alert(1)</script>"), title="<b>my log</b>", progress=QUIET)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page and "<b>cold</b>" not in page and "<b>my log</b>" not in page
    assert "&lt;b&gt;cold&lt;/b&gt;" in page and "&lt;b&gt;my log&lt;/b&gt;" in page
    assert_self_contained(page)


def test_sections_explain_what_cannot_be_computed():
    page = build_report(_tiny_log(), progress=QUIET)
    assert _status(page)["triggers"] == "unavailable"
    assert "No exposures" in _section(page, "triggers")
    # exposures recorded only on episode days cannot inform a trigger analysis
    log = _tiny_log()
    only_on_episodes = pd.DataFrame({"time": log.episodes["onset"], "exposure": "cold pool"})
    page = build_report(_tiny_log(exposures=only_on_episodes), progress=QUIET)
    triggers = _section(page, "triggers")
    assert "on an episode day" in triggers and "ordinary days" in triggers
    assert '<div class="note">' in triggers


def test_options_are_checked():
    with pytest.raises(ValueError, match="--by groups the cohort report"):
        build_report(_tiny_log(), by="arm", progress=QUIET)
    # An unknown covariate stops the report before any analysis, naming the covariates there are.
    with pytest.raises(ValueError, match="--by no_such_column: the log has no covariate of that name; its covariates are: .*sex"):
        build_report(_read(COHORT), by="no_such_column", progress=QUIET)


def test_table_escapes_and_formats():
    frame = pd.DataFrame({"name": ["<x>", None], "value": [1234567.0, np.inf], "flag": [True, False]})
    html = table(frame)
    assert "&lt;x&gt;" in html and "1234567" in html and "&infin;" in html and ">yes<" in html


def test_sections_run_in_order_and_a_failure_is_explained():
    from spasm_analysis.report.sections import run_sections

    specs = [("a", "First", lambda x: f"<p>{x}</p>"), ("b", "Second", lambda x: 1 / 0)]
    sections = run_sections(specs, "ok", progress=False)
    assert [(s.anchor, s.status) for s in sections] == [("a", "ok"), ("b", "unavailable")]
    assert "<p>ok</p>" in sections[0].body and "division by zero" in sections[1].body


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_only(monkeypatch):
    from spasm_analysis.report.sections import run_sections

    specs = [("a", "First", lambda: "<p>1</p>"), ("b", "Second", lambda: "<p>2</p>")]
    for stream, progress, drawn in ((_Terminal(), True, True), (io.StringIO(), True, False),
                                    (_Terminal(), False, False)):
        monkeypatch.setattr(sys, "stderr", stream)
        run_sections(specs, progress=progress)
        text = stream.getvalue()
        assert ("report:" in text and "Second" in text) is drawn, (progress, text)
        if not drawn:
            assert text == ""


def test_cli_report_from_a_spreadsheet(tmp_path, capsys):
    from spasm_analysis.cli import main
    from spasm_analysis.report import cli_report  # noqa: F401  (registers the subcommand)

    sheet = tmp_path / "my spasms.xlsx"
    pd.read_csv(PERSONAL / "episodes.csv").to_excel(sheet, index=False)
    out = tmp_path / "out" / "report.html"
    assert main(["report", str(sheet), "-o", str(out)]) == 0
    assert "Report written to" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert "my spasms.xlsx" in page
    assert _status(page)["timeline"] == "ok"
    assert main(["report", str(tmp_path / "missing.csv"), "-o", str(out)]) == 2


def test_write_report_cohort_flag(tmp_path):
    out = write_report(COHORT, tmp_path / "c.html", by="sex", progress=QUIET)
    page = out.read_text(encoding="utf-8")
    assert "Do the curves differ?" in _section(page, "mcf")
    log = _read(COHORT)
    test = sa.mcf_test(sa.to_counting_process(log, treatments="all"), by="sex")
    assert f"{test.statistic:.4g}" in _section(page, "mcf")


def test_cli_report_from_an_app_export(tmp_path, capsys):
    from spasm_analysis.cli import main

    export = ROOT / "tests" / "fixtures" / "apps" / "bearable.csv"
    out = tmp_path / "app.html"
    # two symptoms in the export: without --symptom the reader's error is shown, with exit code 2
    assert main(["report", str(export), "-o", str(out)]) == 2
    assert "symptom" in capsys.readouterr().err
    assert main(["report", str(export), "--symptom", "Back", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert_self_contained(page)
    status = _status(page)
    assert status["timeline"] == "ok"
    # too few gaps for the forecast: the section says why instead of failing the report
    assert status["forecast"] == "unavailable"
    assert "at least 3 completed gaps" in _section(page, "forecast")


def test_forecast_placements_with_the_same_answer_share_a_row():
    from spasm_analysis.report.personal import same_answer_together

    start = pd.to_datetime(["2014-11-08", "2014-11-08", "2013-01-01", "2014-11-08", "2014-11-08", "2014-11-08"])
    sensitivity = pd.DataFrame({
        "choice": ["placed: midpoint", "placed: earliest", "placed: latest", "placed: random 1", "placed: random 2",
                   "imprecise_onsets='exclude'"],
        "stretch_start": start, "within_30_days": [0.5, 0.5, 0.4, 0.5, 0.5, 0.5],
    })
    shown = same_answer_together(sensitivity)
    assert shown["choices"].tolist() == ["midpoint, earliest, 2 random placements, left out", "latest"]
    assert shown["stretch_start"].tolist() == ["2014-11-08", "2013-01-01"]
    assert shown["within_30_days"].tolist() == [0.5, 0.4]
