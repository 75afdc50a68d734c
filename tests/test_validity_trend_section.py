"""benchmarks/validity_trend.py: the forecast part alone (--only forecast) keeps the change-point rows it did not re-run."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import validity_trend  # noqa: E402

PREVIOUS = """<!-- validity_trend:start -->
### Trend and forecast validity (1000 simulated logs per scenario, `benchmarks/validity_trend.py`)

Histories from `spasm_analysis.simulate.scenarios` (10 years, no treatment effect), analysed with `sa.change_points` and `sa.forecast_next_episode` (default options, no bootstrap). Run 2026-12-02 00:36 UTC on one worker.

| check | scenario | result | target |
|---|---|---|---|
| change_points false detection | constant | 4.5% | about 5%, at most 6% |
| stretch interval coverage (95%) | step | 93.6% | 93-97% |
| forecast, 30-day probability | trend | predicted 0.754 | within 0.05 |

- false detection at most 6% (about 5%): worst 4.5%: met
- stretch interval coverage 93-97%: step 93.6% (met)
- forecast within 0.05 of the observed frequency: trend -0.082 (NOT met)
"""


def test_forecast_only_section_keeps_the_change_point_rows_and_says_from_which_run():
    tables = validity_trend.run(3, only="forecast", progress=lambda message: None)
    assert set(tables) == {"forecast", "reliability"} and len(tables["forecast"]) == len(validity_trend.FORECAST_SCENARIOS)
    assert tables["reliability"]["n_logs"].sum() == tables["forecast"]["n_logs"].sum()
    row = tables["forecast"].set_index("scenario").loc["step"]
    assert 0 < row["mean_predicted"] < 1 and 0 <= row["trend_weight"] <= 1
    assert row["first_difference_true"] == pytest.approx(row["difference_true"])  # all 3 seeds are first seeds
    text = validity_trend.markdown(tables, 3, previous=PREVIOUS)
    assert "| change_points false detection | constant | 4.5% |" in text
    assert "| stretch interval coverage (95%) | step | 93.6% |" in text
    assert "predicted 0.754" not in text and "trend -0.082" not in text  # the old forecast rows are replaced
    assert "- false detection at most 6% (about 5%): worst 4.5%: met" in text
    assert "Change-point rows: kept from the earlier run" in text and "Run 2026-12-02 00:36 UTC on one worker." in text
    # Written again from its own output, the kept note stays as it is.
    again = validity_trend.markdown(tables, 3, previous=text)
    assert again.count("Change-point rows:") == 1 and "| change_points false detection | constant | 4.5% |" in again
    # ... and still names the run that made the change-point rows, not the forecast-only run in between.
    kept = next(line for line in again.splitlines() if line.startswith("Change-point rows:"))
    assert "Run 2026-12-02 00:36 UTC on one worker." in kept
    assert "within 0.02 of the mean true chance" in text


def test_forecast_scenarios_in_worker_processes_give_the_same_table():
    quiet = dict(only="forecast", progress=lambda message: None)
    one, two = validity_trend.run(2, **quiet), validity_trend.run(2, workers=2, **quiet)
    assert list(two["forecast"]["scenario"]) == list(validity_trend.FORECAST_SCENARIOS)
    assert one["forecast"].equals(two["forecast"]) and one["reliability"].equals(two["reliability"])
    assert (two["forecast"]["skipped"] + two["forecast"]["n_logs"] == 2).all()  # the skipped count crosses processes
    text = validity_trend.markdown(two, 2, minutes=1.0, previous=PREVIOUS, workers=2)
    assert "on 2 worker processes" in text and "| forecast | logs | mean forecast |" in text


def test_reliability_pools_the_logs_by_their_forecast():
    logs = validity_trend.pd.DataFrame({"predicted": [0.1, 0.15, 0.5, 0.9], "observed": [False, True, True, True],
                                        "true_chance": [0.1, 0.2, 0.5, 0.8]})
    table = validity_trend.reliability(logs)
    assert table["n_logs"].tolist() == [2, 1, 1]
    assert table["mean_predicted"].iloc[0] == pytest.approx(0.125) and table["observed"].iloc[0] == pytest.approx(0.5)
    assert table["true_chance"].iloc[0] == pytest.approx(0.15)
    assert table["observed_se"].iloc[0] == pytest.approx(0.5 / 2 ** 0.5)


def test_reliability_note_names_the_well_filled_end_bins():
    pd = validity_trend.pd
    table = pd.DataFrame({"n_logs": [30, 1296, 6744, 2074], "mean_predicted": [0.158, 0.332, 0.529, 0.854],
                          "true_chance": [0.477, 0.430, 0.587, 0.753]})
    forecast = pd.DataFrame({"rmse_true": [0.087, 0.106], "true_chance_sd": [0.001, 0.151]})
    note = validity_trend.reliability_note(table, forecast)
    assert "a forecast of about 0.33 goes with a mean true chance of 0.43, one of 0.85 with 0.75" in note
    assert "off by 0.09-0.11 (root mean square" in note and "spread by 0.00-0.15 (standard deviation)" in note
    small = validity_trend.reliability_note(table.assign(n_logs=[1, 2, 3, 4]), forecast)
    assert "a forecast of about 0.16" in small
