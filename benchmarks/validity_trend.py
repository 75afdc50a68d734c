"""Validity of the "is it changing?" and "when is the next one?" answers on simulated logs.

Every log is a seeded history from :mod:`spasm_analysis.simulate.scenarios` (no
treatment effect), analysed with the public functions as a person would:

- **false detection**: share of logs where :func:`sa.change_points` reports a
  change although the rate has no step (constant, seasonal, clustered
  histories; target about 5%, at most 6%);
- **power**: share of ``step`` logs (1.5 a year stepping up to 12 a year at
  year five) where a change is found, where it is found within a year of the
  true step, and where a spurious second change is reported;
- **coverage**: share of stretches whose exact interval holds the true mean
  rate over that stretch's time at risk (constant and step logs); on constant
  logs also split into logs where no change was found and logs with a false
  change (whose stretches were chosen to differ, so their intervals, which take
  the boundaries as given, cannot cover);
- **forecast calibration**: the 30-day probability of
  :func:`sa.forecast_next_episode` made 31 days before the end of the
  simulated history (so all 30 days can hold an onset), against the share of
  logs with an onset in those 30 days (target: mean predicted within 0.05 of
  the observed frequency) and against the mean true chance given each log's
  history (``ScenarioDays.chance_of_onset``, which has no sampling noise from
  the outcomes).  Logs whose cut falls inside an episode are skipped (a
  forecast is made between episodes).

Run from the repository root:

    python benchmarks/validity_trend.py --quick         # 50 logs per scenario, a check
    python benchmarks/validity_trend.py --n-logs 1000   # the reported run
    python benchmarks/validity_trend.py --n-logs 1000 --only forecast --workers 2
        # only the forecast calibration; the change-point rows of RESULTS.md are kept
        # from the run that wrote them (and say so)

Standalone, it writes its own ``validity_trend`` section of benchmarks/RESULTS.md;
``bench_personal_validity.py`` imports :func:`run` and :func:`markdown`.
"""

from __future__ import annotations

import argparse
import dataclasses
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import spasm_analysis as sa
from spasm_analysis.simulate.scenarios import scenario_days

sys.path.insert(0, str(Path(__file__).parent))
from bench_common import write_section  # noqa: E402

SECTION = "validity_trend"
NO_STEP = ("constant", "seasonal", "clustered")
FORECAST_SCENARIOS = ("constant", "step", "trend", "seasonal", "clustered", "remembered")
HORIZON = 30
FIRST_SEEDS = 1000  # a run on more logs also reports the forecast on the logs of these first seeds
PER_YEAR = 365.25
_SEED_BASE = {"constant": 1_000_000, "step": 2_000_000, "trend": 3_000_000, "seasonal": 4_000_000,
              "clustered": 5_000_000, "remembered": 6_000_000}


def _history(scenario: str, seed: int):
    return scenario_days(scenario, effect="none", seed=_SEED_BASE[scenario] + seed)


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def false_detection(scenario: str, n_logs: int) -> dict:
    """Share of logs of a no-step scenario in which a change is reported."""
    found = [len(_quiet(sa.change_points, _history(scenario, i).to_log()).segments) > 1 for i in range(n_logs)]
    return {"scenario": scenario, "n_logs": n_logs, "false_detection": float(np.mean(found))}


def _true_mean_rates(history, log, segments, rate_of_day) -> np.ndarray:
    """Mean true rate (per year) over each stretch's time at risk."""
    cp = sa.to_counting_process(log)
    day = np.arange(history.n_days + 1)
    per_day = rate_of_day(day)
    # Each at-risk day holds an onset with probability 1 - exp(-h): that, per day at risk, is the rate a stretch estimates.
    cumulative = np.concatenate([[0.0], np.cumsum(-np.expm1(-per_day[1:]))])
    origin = history.start
    out = []
    for row in segments.itertuples(index=False):
        a, b = (row.start - origin).days, (row.end - origin).days
        lo, hi = np.clip(cp["start"].to_numpy(), a, b), np.clip(cp["stop"].to_numpy(), a, b)
        expected = np.interp(hi, day, cumulative) - np.interp(lo, day, cumulative)
        out.append(expected.sum() / row.days_at_risk * PER_YEAR if row.days_at_risk > 0 else np.nan)
    return np.array(out)


def _rate_of_day(scenario: str, n_days: int):
    if scenario == "step":
        return lambda day: np.where(day < n_days // 2, 1.5, 12.0) / PER_YEAR
    return lambda day: np.full(len(day), 10.0 / PER_YEAR)


def step_power_and_coverage(n_logs: int) -> dict:
    """Detection of the step, where it is placed, spurious extra changes, and interval coverage."""
    detected, near, extra, covered, stretches = [], [], [], 0, 0
    for i in range(n_logs):
        history = _history("step", i)
        log = history.to_log()
        result = _quiet(sa.change_points, log)
        segments = result.segments
        truth_date = history.start + pd.Timedelta(days=history.n_days // 2)
        detected.append(len(segments) > 1)
        extra.append(len(segments) > 2)
        if len(segments) > 1:
            nearest = min(abs((d - truth_date).days) for d in result.changes["date"])
            near.append(nearest <= 365)
        true = _true_mean_rates(history, log, segments, _rate_of_day("step", history.n_days))
        covered += int(np.sum((segments["ci_lower"] <= true) & (true <= segments["ci_upper"])))
        stretches += len(segments)
    return {"scenario": "step", "n_logs": n_logs, "power": float(np.mean(detected)),
            "within_a_year": float(np.mean(near)) if near else float("nan"),
            "extra_change": float(np.mean(extra)), "coverage": covered / stretches}


def constant_coverage(n_logs: int) -> dict:
    """Coverage of the stretch intervals on constant-rate logs (10 a year), overall and by whether a change was found."""
    covered = {True: 0, False: 0}
    stretches = {True: 0, False: 0}
    for i in range(n_logs):
        history = _history("constant", i)
        log = history.to_log()
        segments = _quiet(sa.change_points, log).segments
        true = _true_mean_rates(history, log, segments, _rate_of_day("constant", history.n_days))
        split = len(segments) > 1
        covered[split] += int(np.sum((segments["ci_lower"] <= true) & (true <= segments["ci_upper"])))
        stretches[split] += len(segments)
    return {"scenario": "constant", "n_logs": n_logs,
            "coverage": (covered[True] + covered[False]) / (stretches[True] + stretches[False]),
            "coverage_no_change": covered[False] / stretches[False] if stretches[False] else float("nan"),
            "coverage_false_change": covered[True] / stretches[True] if stretches[True] else float("nan"),
            "stretches_false_change": stretches[True]}


def _cut(history, cut: int):
    keep = history.onset_day <= cut
    return dataclasses.replace(
        history, onset_day=history.onset_day[keep], end_day=np.minimum(history.end_day[keep], cut),
        precision=history.precision[keep], session_day=history.session_day[history.session_day < cut], n_days=cut)


def forecast_logs(scenario: str, n_logs: int, horizon: int = HORIZON) -> pd.DataFrame:
    """One row per log of ``scenario`` not cut inside an episode: ``seed, predicted, observed, true_chance,
    trend_weight`` (the 30-day forecast made 31 days before the end of the history); ``attrs["skipped"]``
    counts the logs cut inside an episode."""
    rows, skipped = [], 0
    for i in range(n_logs):
        history = _history(scenario, i)
        cut = history.n_days - horizon - 1  # no onset is drawn on the last day of follow-up
        if np.any((history.onset_day <= cut) & (history.end_day >= cut)):
            skipped += 1  # the cut falls inside an episode
            continue
        log = _cut(history, cut).to_log()
        result = _quiet(sa.forecast_next_episode, log, horizons=(horizon,), n_bootstrap=0)
        rows.append({"seed": i, "predicted": float(result.table["probability"].iloc[0]),
                     "observed": bool(np.any((history.onset_day > cut) & (history.onset_day <= cut + horizon))),
                     "true_chance": history.chance_of_onset(cut, horizon), "trend_weight": result.trend_weight})
    logs = pd.DataFrame(rows, columns=["seed", "predicted", "observed", "true_chance", "trend_weight"]).assign(
        scenario=scenario)
    logs.attrs["skipped"] = skipped
    return logs


def summarise_forecast(logs: pd.DataFrame, scenario: str) -> dict:
    """Mean forecast probability against the observed share and the mean true chance, for one scenario."""
    predicted, observed, chance = (logs[c].to_numpy(float) for c in ("predicted", "observed", "true_chance"))
    mean_p, freq, true = float(np.mean(predicted)), float(np.mean(observed)), float(np.mean(chance))
    # The logs of the first FIRST_SEEDS seeds alone, so a longer run can be compared with the usual one.
    first = logs["seed"].to_numpy() < FIRST_SEEDS
    firsts = {"first_difference": float(np.mean(predicted[first]) - np.mean(observed[first])),
              "first_difference_true": float(np.mean(predicted[first]) - np.mean(chance[first]))}
    return {**firsts, "scenario": scenario, "n_logs": len(predicted),
            "skipped": logs.attrs.get("skipped", 0), "mean_predicted": mean_p,
            "observed": freq, "difference": mean_p - freq, "true_chance": true, "difference_true": mean_p - true,
            "observed_se": float(np.sqrt(freq * (1 - freq) / len(observed))),
            "rmse_true": float(np.sqrt(np.mean((predicted - chance) ** 2))),
            "true_chance_sd": float(np.std(chance)),
            "trend_weight": float(logs["trend_weight"].mean())}


def forecast_calibration(scenario: str, n_logs: int, horizon: int = HORIZON) -> dict:
    """Mean forecast probability of an onset within ``horizon`` days vs the observed share."""
    return summarise_forecast(forecast_logs(scenario, n_logs, horizon), scenario)


#: Bins of the forecast probability for the reliability table (all scenarios pooled).
RELIABILITY_BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def reliability_note(table: pd.DataFrame, forecast: pd.DataFrame) -> str:
    """Plain words under the reliability table, with the end bins that hold at least 100 logs (all of them, in a small run)."""
    full = table[table["n_logs"] >= 100] if (table["n_logs"] >= 100).sum() >= 2 else table
    low, high = full.iloc[0], full.iloc[-1]
    span = lambda column: f"{forecast[column].min():.2f}-{forecast[column].max():.2f}"  # noqa: E731
    return ("Pooling by the forecast sorts the logs partly by their estimation error: one log's forecast is off by "
            f"{span('rmse_true')} (root mean square against its true chance), while within a scenario the true chances "
            f"spread by {span('true_chance_sd')} (standard deviation). So the forecasts far from the middle are too far "
            f"from it (a forecast of about {low.mean_predicted:.2f} goes with a mean true chance of {low.true_chance:.2f}, "
            f"one of {high.mean_predicted:.2f} with {high.true_chance:.2f}): the regression to the mean of any estimate "
            "from one person's log, which a single forecast's interval has to be read with. How far each scenario's mean "
            "forecast is from its observed share and true chance is in the table above.")


def reliability(logs: pd.DataFrame) -> pd.DataFrame:
    """Logs of all scenarios pooled by their forecast probability: mean forecast, observed share, mean true chance.

    A calibrated forecast has each bin's observed share (and true chance) close to its mean forecast,
    not only the overall means (Murphy & Winkler 1977, the reliability diagram).
    """
    bins = pd.cut(logs["predicted"], RELIABILITY_BINS, include_lowest=True)
    table = logs.groupby(bins, observed=True).agg(n_logs=("predicted", "size"), mean_predicted=("predicted", "mean"),
                                                 observed=("observed", "mean"), true_chance=("true_chance", "mean"))
    table["observed_se"] = np.sqrt(table["observed"] * (1 - table["observed"]) / table["n_logs"])
    return table.reset_index(names="forecast")


def run(n_logs: int = 1000, *, progress=print, only: str | None = None, workers: int = 1) -> dict[str, pd.DataFrame]:
    """All four checks (``only="forecast"``: the forecast calibration alone); returns one table per check.

    ``workers`` > 1 runs the forecast scenarios in that many processes (the results do not depend on it).
    """
    started = time.perf_counter()

    def step(label):
        progress(f"[{time.perf_counter() - started:7.1f} s] {label}")

    tables = {}
    if only != "forecast":
        tables.update(_change_point_checks(n_logs, step))
    rows, per_log = [], []
    with ProcessPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
        mapped = (pool.map(forecast_logs, FORECAST_SCENARIOS, [n_logs] * len(FORECAST_SCENARIOS)) if pool
                  else (forecast_logs(scenario, n_logs) for scenario in FORECAST_SCENARIOS))
        for scenario, logs in zip(FORECAST_SCENARIOS, mapped):
            per_log.append(logs)
            rows.append(summarise_forecast(logs, scenario))
            step(f"forecast calibration: {rows[-1]}")
    tables["forecast"] = pd.DataFrame(rows)
    tables["reliability"] = reliability(pd.concat(per_log, ignore_index=True))
    return tables


def _change_point_checks(n_logs: int, step) -> dict[str, pd.DataFrame]:
    tables = {}
    rows = []
    for scenario in NO_STEP:
        rows.append(false_detection(scenario, n_logs))
        step(f"false detection: {rows[-1]}")
    tables["false_detection"] = pd.DataFrame(rows)
    tables["step"] = pd.DataFrame([step_power_and_coverage(n_logs)])
    step(f"power and coverage: {tables['step'].iloc[0].to_dict()}")
    tables["coverage"] = pd.DataFrame([constant_coverage(n_logs)])
    step(f"coverage: {tables['coverage'].iloc[0].to_dict()}")
    return tables


def _kept_rows(previous: str) -> tuple[list[str], list[str], str]:
    """Change-point table rows, their bullet lines and the run note of an earlier section of RESULTS.md."""
    lines = previous.splitlines()
    rows = [ln for ln in lines if ln.startswith(("| change_points", "| stretch interval"))]
    bullets = [ln for ln in lines if ln.startswith(("- false detection", "- stretch interval"))]
    # A section written by an earlier --only forecast run already says where its change-point rows come from.
    note = next((ln for ln in lines if ln.startswith("Change-point rows:")),
                next((ln for ln in lines if ln.startswith("Histories from")), ""))
    return rows, bullets, note


def _previous_section() -> str:
    from bench_common import RESULTS

    text = RESULTS.read_text() if RESULTS.exists() else ""
    start, end = f"<!-- {SECTION}:start -->", f"<!-- {SECTION}:end -->"
    return text[text.index(start):text.index(end)] if start in text and end in text else ""


def markdown(tables: dict[str, pd.DataFrame], n_logs: int, *, minutes: float | None = None,
             previous: str | None = None, workers: int = 1) -> str:
    """The results as a RESULTS.md section (a sub-section of the personal validity benchmark).

    Without the change-point tables (``--only forecast``) their rows are copied from ``previous``
    (the section as it stands), with a sentence saying from which run they come.
    """
    fc = tables["forecast"]
    run_note = ""
    if minutes is not None:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        what = "the forecast calibration" if "false_detection" not in tables else "everything"
        on = "one worker" if workers == 1 else f"{workers} worker processes (the forecast scenarios)"
        run_note = (f" Run {pd.Timestamp.now('UTC'):%Y-%m-%d %H:%M} UTC: {what} in {minutes:.1f} min on {on} "
                    f"(load average at the end {load}, the 2 cores shared with other jobs).")
    lines = [
        f"### Trend and forecast validity ({n_logs} simulated logs per scenario, `benchmarks/validity_trend.py`)",
        "",
        "Histories from `spasm_analysis.simulate.scenarios` (10 years, no treatment effect), analysed with "
        "`sa.change_points` and `sa.forecast_next_episode` (default options, no bootstrap)." + run_note,
    ]
    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    if "false_detection" in tables:
        cp_rows, cp_bullets = _change_point_lines(tables, met)
    else:
        cp_rows, cp_bullets, note = _kept_rows(previous if previous is not None else _previous_section())
        if not note.startswith("Change-point rows:"):
            note = ("Change-point rows: kept from the earlier run of `validity_trend.py` that wrote them (this run "
                    "re-ran only the forecast, `--only forecast`). That run: "
                    + note.split("(default options, no bootstrap).")[-1].strip())
        lines += ["", note]
    lines += ["", "| check | scenario | result | target |", "|---|---|---|---|", *cp_rows]
    for row in fc.itertuples(index=False):
        lines.append(f"| forecast, {HORIZON}-day probability | {row.scenario} | predicted {row.mean_predicted:.3f}, observed "
                     f"{row.observed:.3f} (difference {row.difference:+.3f}, SE of observed {row.observed_se:.3f}); "
                     f"true chance {row.true_chance:.3f} (difference {row.difference_true:+.3f}, RMSE per log "
                     f"{row.rmse_true:.3f}); mean weight of the steady trend {row.trend_weight:.2f}; {row.n_logs} logs, "
                     f"{row.skipped} cut inside an episode | within 0.05 of observed; aim within 0.02 of the true chance |")
    if "reliability" in tables:
        lines += ["", "Reliability: the logs of all six scenarios pooled by their forecast probability.", "",
                  "| forecast | logs | mean forecast | observed share (SE) | mean true chance |", "|---|---|---|---|---|"]
        lines += [f"| {row.forecast} | {row.n_logs} | {row.mean_predicted:.3f} | {row.observed:.3f} ({row.observed_se:.3f}) "
                  f"| {row.true_chance:.3f} |" for row in tables["reliability"].itertuples(index=False)]
        lines += ["", reliability_note(tables["reliability"], fc)]
    lines += [
        "",
        *cp_bullets,
        "- forecast within 0.05 of the observed frequency: "
        + "; ".join(f"{r.scenario} {r.difference:+.3f} ({met(abs(r.difference) <= 0.05)})" for r in fc.itertuples(index=False)),
        *([f"- the same on the logs of the first {FIRST_SEEDS} seeds alone (forecast minus observed; minus true "
             "chance): " + "; ".join(f"{r.scenario} {r.first_difference:+.3f}; {r.first_difference_true:+.3f}"
                                      for r in fc.itertuples(index=False))] if n_logs > FIRST_SEEDS else []),
        "- forecast within 0.02 of the mean true chance (aim): "
        + "; ".join(f"{r.scenario} {r.difference_true:+.3f} ({met(abs(r.difference_true) <= 0.02)})"
                    for r in fc.itertuples(index=False)),
        "",
        "The true chance is each log's exact probability of an onset in the 30 days given its history "
        "(`ScenarioDays.chance_of_onset`); its mean has no noise from the outcomes, so it is the sharper check. "
        "The forecast averages the stretches reading (current stretch) and the steady-trend reading (whole log, "
        "trend carried on) by their Akaike weights, each change location costing 6 (Ninomiya 2015), and takes an "
        "onset known to the day at the middle of its day; its annual "
        "cycle is averaged with no cycle the same way. Every log is cut 31 days before the end of its history, "
        "in early December, near the seasonal scenario's midwinter peak, where pulling a cycle towards none costs "
        "the most. A stretch's interval takes the stretch's boundaries as given: where a change is found in a "
        "constant-rate log (the 5% false detections), the stretches were chosen because their rates differ, so their "
        "intervals rarely hold the true rate; in logs where no change is found the intervals hold it at the nominal "
        "rate.",
    ]
    return "\n".join(lines)


def _change_point_lines(tables, met) -> tuple[list[str], list[str]]:
    fd, st, cov = (tables[k] for k in ("false_detection", "step", "coverage"))
    c, s = cov.iloc[0], st.iloc[0]
    rows = [f"| change_points false detection | {row.scenario} | {row.false_detection:.1%} | about 5%, at most 6% |"
            for row in fd.itertuples(index=False)]
    rows.append(f"| change_points power (1.5 -> 12 a year) | step | {s['power']:.1%} found; {s['within_a_year']:.1%} of those "
                f"within a year of the true step; {s['extra_change']:.1%} with a spurious extra change | |")
    rows.append(f"| stretch interval coverage (95%) | step | {s['coverage']:.1%} | 93-97% |")
    rows.append(f"| stretch interval coverage (95%) | constant | {c['coverage']:.1%} overall: {c['coverage_no_change']:.1%} "
                f"in logs where no change was found, {c['coverage_false_change']:.1%} of the "
                f"{int(c['stretches_false_change'])} stretches of logs with a false change | 93-97% |")
    worst_fd = fd["false_detection"].max()
    bullets = [
        f"- false detection at most 6% (about 5%): worst {worst_fd:.1%}: {met(worst_fd <= 0.06)}",
        f"- stretch interval coverage 93-97%: step {s['coverage']:.1%} ({met(0.93 <= s['coverage'] <= 0.97)}), "
        f"constant {c['coverage']:.1%} ({met(0.93 <= c['coverage'] <= 0.97)}; "
        f"{c['coverage_no_change']:.1%} where no change was found)",
    ]
    return rows, bullets


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-logs", type=int, default=1000, help="simulated logs per scenario (default 1000)")
    parser.add_argument("--quick", action="store_true", help="50 logs per scenario, RESULTS.md not written")
    parser.add_argument("--workers", type=int, default=1, help="processes for the forecast scenarios (default 1)")
    parser.add_argument("--only", choices=["forecast"], default=None,
                        help="run only the forecast calibration; RESULTS.md keeps the change-point rows it has")
    args = parser.parse_args(argv)
    n_logs = 50 if args.quick else args.n_logs
    started = time.perf_counter()
    tables = run(n_logs, only=args.only, workers=args.workers)
    text = markdown(tables, n_logs, minutes=(time.perf_counter() - started) / 60, workers=args.workers)
    print(text)
    if not args.quick:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
