"""Benchmark: Cox models for recurrent episodes (Andersen-Gill and PWP with cluster-robust
variance, shared gamma frailty) on simulated cohorts, day-scale and continuous times, against
R's coxph, lifelines and statsmodels in the same run.

Run from the repository root:

    python benchmarks/bench_cox.py                       # the full run (about 15 minutes)
    python benchmarks/bench_cox.py --quick               # 2k subjects only, peers capped at 30 s

Prints tables and replaces the ``bench_cox`` section of benchmarks/RESULTS.md.
Targets: on day-scale cohorts (whole-day times: thousands of subjects share every
event day), Andersen-Gill and PWP with robust variance at least 40x faster than R
at 20k subjects, gamma frailty at least 20x faster than R at 2k subjects, 100k
subjects (about 1.2M rows) Andersen-Gill with robust variance under 0.6 s and
under 1 GB. Each peer runs in its own process and is stopped at a time cap
(shown as "> cap"); a peer that hit the cap, or whose time would pass twice the
cap even growing only linearly from the last cohort, is not run on larger
cohorts. Our memory is the growth of the peak resident set of a fresh process
over the loaded data (it includes numba's arrays, which tracemalloc misses).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import spasm_analysis as sa

sys.path.insert(0, str(Path(__file__).parent))
from bench_common import write_section  # noqa: E402

SECTION = "bench_cox"
COVARIATES = ["x1", "x2"]
RISK_FREE_DAYS = 3.0


def simulate(n_subjects: int, seed: int = 20261120, *, day_times: bool = False,
             max_events: int = 60) -> pd.DataFrame:
    """A cohort with about 12 (start, stop] rows per subject.

    Each subject has a binary x1, a standard normal x2, a gamma frailty
    (variance 0.5), 1 to 3 years of follow-up, episodes as a Poisson process
    with rate 14/730 per day x frailty x exp(-0.4 x1 + 0.25 x2) and a 3-day
    risk-free window after each episode. Times are continuous (almost no
    ties: a distinct risk set at nearly every event, the hard case for R's
    robust variance); ``day_times=True`` rounds gaps up to whole days instead
    (many tied event times, the hard case for Efron's method).
    """
    rng = np.random.default_rng(seed)
    x1 = rng.integers(0, 2, n_subjects).astype(float)
    x2 = rng.normal(0.0, 1.0, n_subjects)
    frailty = rng.gamma(2.0, 0.5, n_subjects)
    follow_up = rng.uniform(365.0, 1096.0, n_subjects)
    rate = 14.0 / 730.0 * frailty * np.exp(-0.4 * x1 + 0.25 * x2)
    gaps = rng.exponential(1.0, (n_subjects, max_events)) / rate[:, None]
    if day_times:
        follow_up = np.floor(follow_up)
        gaps = np.ceil(gaps)
    gaps[:, 1:] += RISK_FREE_DAYS
    onsets = np.cumsum(gaps, axis=1)
    n_rows = (onsets < follow_up[:, None]).sum(axis=1) + 1
    subject = np.repeat(np.arange(n_subjects), n_rows)
    k = np.arange(len(subject)) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows)
    last = k == n_rows[subject] - 1
    stop = np.where(last, follow_up[subject], onsets[subject, np.minimum(k, max_events - 1)])
    previous = np.where(k == 0, 0.0, onsets[subject, np.maximum(k - 1, 0)])
    start = np.where(k == 0, 0.0, previous + RISK_FREE_DAYS)
    # an onset within the window before follow-up end: halve the window
    start = np.where(start < stop, start, (previous + stop) / 2)
    return pd.DataFrame({"subject": subject, "start": start, "stop": stop,
                         "event": (~last).astype(np.int64), "episode": k + 1,
                         "x1": x1[subject], "x2": x2[subject]})


def day_scale(frame: pd.DataFrame) -> pd.DataFrame:
    """The cohort as a log in whole days records it: start floored, stop ceiled."""
    return frame.assign(start=np.floor(frame["start"]), stop=np.ceil(frame["stop"]))


def cohort(n_subjects: int, times: str) -> pd.DataFrame:
    """``times="day"``: gaps in whole days, then start floored and stop ceiled; else continuous."""
    if times == "day":
        return day_scale(simulate(n_subjects, day_times=True))
    return simulate(n_subjects)


MODELS = {
    "AG": {"label": "Andersen-Gill, Efron, robust variance",
           "r": "Surv(start, stop, event) ~ x1 + x2, cluster = subject"},
    "PWP": {"label": "PWP total time (strata = episode), Efron, robust variance",
            "r": "Surv(start, stop, event) ~ x1 + x2 + strata(episode), cluster = subject"},
    "frailty": {"label": "shared gamma frailty per subject, Efron",
                "r": "Surv(start, stop, event) ~ x1 + x2 + frailty(subject, distribution = 'gamma')"},
}

#: (model, times, subjects): the cohorts of the full run
CASES = [("AG", "day", (2000, 20000, 100000)), ("PWP", "day", (2000, 20000, 100000)),
         ("frailty", "day", (2000,)), ("AG", "continuous", (2000, 20000, 100000)),
         ("frailty", "continuous", (2000,))]


def fit_ours(frame: pd.DataFrame, model: str = "AG"):
    import warnings

    if model == "AG":
        return sa.andersen_gill(frame, COVARIATES, ties="efron", cluster="subject")
    if model == "PWP":
        return sa.pwp(frame, COVARIATES, ties="efron", cluster="subject")
    with warnings.catch_warnings():  # R's theta search may stop at outer.max, as R's does
        warnings.simplefilter("ignore", RuntimeWarning)
        return sa.andersen_gill(frame, COVARIATES, ties="efron", frailty="gamma")


def our_numbers(fit, model: str) -> np.ndarray:
    """Coefficients and the standard errors R reports (robust, or the frailty model's se)."""
    se = fit.std_errors if model == "frailty" else fit.robust_std_errors
    return np.r_[fit.params.to_numpy(), se.to_numpy()]


# --- peers, each in its own process so that a time cap can stop it ----------------

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1])
t0 <- proc.time()
fit <- suppressWarnings(coxph(FORMULA, data = d, ties = "efron"))
used <- proc.time() - t0
cat(sprintf("ELAPSED %.6f\n", used[["elapsed"]]))
cat(sprintf("CPU %.6f\n", used[["user.self"]] + used[["sys.self"]]))
cat("COEF", sprintf("%.17g", c(coef(fit), sqrt(diag(fit$var)))), "\n")
cat(sprintf("VERSION %s survival %s\n", R.version$version.string, packageVersion("survival")))
"""


def _peer_lifelines(frame: pd.DataFrame, model: str) -> np.ndarray:
    from lifelines import CoxTimeVaryingFitter

    fitter = CoxTimeVaryingFitter()  # no robust variance available: model-based only
    columns = ["subject", "start", "stop", "event"] + COVARIATES
    strata = ["episode"] if model == "PWP" else None
    fitter.fit(frame[columns + (strata or [])], id_col="subject", event_col="event",
               start_col="start", stop_col="stop", strata=strata)
    return np.r_[fitter.params_.to_numpy(), fitter.standard_errors_.to_numpy()]


def _peer_statsmodels(frame: pd.DataFrame, model: str) -> np.ndarray:
    from statsmodels.duration.hazard_regression import PHReg

    strata = frame["episode"].to_numpy() if model == "PWP" else None
    phreg = PHReg(frame["stop"].to_numpy(), frame[COVARIATES].to_numpy(),
                  status=frame["event"].to_numpy(), entry=frame["start"].to_numpy(),
                  strata=strata, ties="efron")
    result = phreg.fit(groups=frame["subject"].to_numpy())
    return np.r_[result.params, result.bse]


PYTHON_PEERS = {"lifelines": _peer_lifelines, "statsmodels": _peer_statsmodels}


def _peer_worker(name: str, model: str, path: str) -> None:
    """Entry point of a peer subprocess: fit once, print the time and the numbers."""
    import warnings

    warnings.simplefilter("ignore")
    frame = pd.read_pickle(path)
    t0, c0 = time.perf_counter(), time.process_time()
    numbers = PYTHON_PEERS[name](frame, model)
    print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                      "numbers": list(map(float, numbers))}))


def _memory_worker(model: str, times: str, n_subjects: str) -> None:
    """Entry point of a memory subprocess: peak RSS growth of one fit over the loaded data."""
    import resource

    import psutil

    frame = cohort(int(n_subjects), times)
    fit_ours(frame.iloc[:2000], model)  # compile or load the kernels outside the measurement
    baseline = psutil.Process().memory_info().rss
    try:  # reset the peak (VmHWM) so that compiling the kernels above does not count
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    fit_ours(frame, model)
    status = Path("/proc/self/status").read_text() if reset else ""
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    peak = (int(found.group(1)) if found
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # Linux: KiB
    print(json.dumps({"peak_mib": max(peak - baseline, 0) / 2**20}))


def our_memory(model: str, times: str, n_subjects: int) -> float:
    done = subprocess.run([sys.executable, __file__, "--memory", model, times, str(n_subjects)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return np.nan
    return json.loads(done.stdout.strip().splitlines()[-1])["peak_mib"]


def run_python_peer(name: str, model: str, data_path: Path, cap: float) -> dict:
    if model == "frailty":
        return {"status": "no gamma frailty model"}
    try:
        done = subprocess.run([sys.executable, __file__, "--peer", name, model, str(data_path)],
                              capture_output=True, text=True, timeout=cap + 30)
    except subprocess.TimeoutExpired:
        return {"status": f"> {cap:g} s"}
    if done.returncode != 0:
        return {"status": f"{name} failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if out["seconds"] > cap:
        return {"status": f"> {cap:g} s"}
    return {"status": "ok", "seconds": out["seconds"], "cpu": out["cpu"],
            "numbers": np.array(out["numbers"])}


def run_r(model: str, data_csv: Path, cap: float) -> dict:
    if shutil.which("Rscript") is None:
        return {"status": "Rscript not found"}
    script = data_csv.with_name("coxph.R")
    script.write_text(R_SCRIPT.replace("FORMULA", MODELS[model]["r"]))
    try:
        # reading the CSV is not timed; allow for it on top of the cap
        done = subprocess.run(["Rscript", str(script), str(data_csv)], capture_output=True,
                              text=True, timeout=cap + 60)
    except subprocess.TimeoutExpired:
        return {"status": f"> {cap:g} s"}
    if done.returncode != 0:
        return {"status": "R failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]}
    seconds = float(re.search(r"ELAPSED (\S+)", done.stdout).group(1))
    cpu = float(re.search(r"CPU (\S+)", done.stdout).group(1))
    if seconds > cap:
        return {"status": f"> {cap:g} s"}
    numbers = np.array(re.search(r"COEF (.+)", done.stdout).group(1).split(), dtype=float)
    version = re.search(r"VERSION (.+)", done.stdout).group(1)
    return {"status": "ok", "seconds": seconds, "cpu": cpu, "numbers": numbers,
            "version": version}


# --- the benchmark ------------------------------------------------------------------

PEERS = ["R coxph", "lifelines", "statsmodels"]


def _median_wall_and_cpu(func, repeats: int):
    """Median wall and CPU (this process) seconds of ``repeats`` calls, and the last result."""
    wall, cpu, out = [], [], None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        out = func()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return float(np.median(wall)), float(np.median(cpu)), out


def run_case(model: str, times: str, sizes, cap: float, r_cap: float, peers: bool,
             notes: dict) -> list[dict]:
    rows = []
    capped: set[str] = set()
    last_ok: dict[str, tuple[int, float]] = {}  # peer -> (subjects, seconds) of its last run
    for n in sizes:
        frame = cohort(n, times)
        fit_ours(frame.iloc[:2000], model)  # numba kernels compiled or loaded before timing
        seconds, cpu, fit = _median_wall_and_cpu(lambda: fit_ours(frame, model), repeats=5)
        memory = our_memory(model, times, n)
        ours = our_numbers(fit, model)
        base = {"model": model, "times": times, "subjects": n, "rows": len(frame),
                "events": int(frame["event"].sum()),
                "event_times": int(frame.loc[frame["event"] == 1, "stop"].nunique())}
        rows.append({**base, "tool": "spasm_analysis", "seconds": seconds, "cpu": cpu,
                     "peak_mib": memory, "status": "ok", "max_rel_diff_vs_r": np.nan})
        print(f"{model:<8}{times:<11}{n:>7} subjects  spasm_analysis  {seconds:8.3f} s  "
              f"{memory:7.1f} MiB", flush=True)
        if not peers:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            pickle_path, csv_path = Path(tmp) / "cohort.pkl", Path(tmp) / "cohort.csv"
            frame.to_pickle(pickle_path)
            frame.to_csv(csv_path, index=False)
            for name in PEERS:
                limit = r_cap if name == "R coxph" else cap
                previous = last_ok.get(name)
                if name in capped:
                    out = {"status": "skipped (capped on a smaller cohort)"}
                elif previous and previous[1] * n / previous[0] > 2 * limit:
                    # even linear growth from the last size would pass twice the cap
                    out = {"status": f"> {limit:g} s (projected, not run)"}
                elif name == "R coxph":
                    out = run_r(model, csv_path, r_cap)
                    if "version" in out:
                        notes["r_version"] = out["version"]
                else:
                    out = run_python_peer(name, model, pickle_path, cap)
                if out["status"].startswith(">"):
                    capped.add(name)
                elif out["status"] == "ok":
                    last_ok[name] = (n, out["seconds"])
                diff = np.nan
                if name == "R coxph" and out["status"] == "ok":
                    diff = float(np.max(np.abs(ours / out["numbers"] - 1)))
                rows.append({**base, "tool": name, "seconds": out.get("seconds", np.nan),
                             "cpu": out.get("cpu", np.nan), "peak_mib": np.nan,
                             "status": out["status"],
                             "max_rel_diff_vs_r": diff})
                shown = f"{out['seconds']:8.3f} s" if out["status"] == "ok" else out["status"]
                print(f"{model:<8}{times:<11}{n:>7} subjects  {name:<14}  {shown}", flush=True)
    return rows


def step_costs(n_subjects: int, model: str = "AG", repeats: int = 7) -> pd.DataFrame:
    """Wall and CPU time of each step of an AG or PWP fit with robust variance (day-scale).

    The steps are those ``sa.andersen_gill`` / ``sa.pwp`` run, called one by one
    on the same cohort: each is timed ``repeats`` times (median).
    """
    from dataclasses import replace

    from spasm_analysis.counting import as_counting_process
    from spasm_analysis.coxph.assemble import assemble_result
    from spasm_analysis.coxph.binned import reduce_sums, row_sums
    from spasm_analysis.coxph.design import make_design
    from spasm_analysis.coxph.engine import _covariate_rows, build_risk_sets, newton_raphson
    from spasm_analysis.coxph.formula import model_frame
    from spasm_analysis.coxph.models import _fixed_effects
    from spasm_analysis.coxph.robust import cluster_score_residuals

    frame = cohort(n_subjects, "day")
    fit_ours(frame.iloc[:2000], model)
    strata = "episode" if model == "PWP" else None

    def timed(func):
        return _median_wall_and_cpu(func, repeats)

    steps = []
    w, c, cp = timed(lambda: as_counting_process(frame, subject="subject"))
    steps.append(("CountingProcess from the DataFrame (checks, near-ties, order, episodes)", w, c))
    w, c, rows = timed(lambda: cp.to_source_order(copy=False))  # as the fit does
    steps.append(("rows handed to the engine in the caller's order", w, c))
    w, c, mf = timed(lambda: model_frame(rows, COVARIATES))
    steps.append(("model frame (covariate columns or formula)", w, c))
    w, c, design = timed(lambda: make_design(mf.frame, mf.columns, strata=strata,
                                             cluster="subject"))
    steps.append(("design: column checks, strata and cluster codes, centring", w, c))
    w, c, rs = timed(lambda: build_risk_sets(design.start, design.stop, design.event,
                                             design.stratum, design.weights))
    steps.append((f"risk sets: rank times, bin rows ({rs.n_groups} event groups, no sort)", w, c))
    XT, off = _covariate_rows(design.X), np.zeros(design.n_rows)
    fit = newton_raphson(rs, design.X, design.weights, off)
    w, c, sums = timed(lambda: row_sums(rs, XT, design.weights, off, fit.beta))
    steps.append(("one Newton step: compiled pass over the rows (per-bin sums)", w, c))
    w, c, _ = timed(lambda: reduce_sums(rs, sums))
    steps.append(("one Newton step: reduction over the per-time arrays (Efron terms)", w, c))
    w, c, _ = timed(lambda: newton_raphson(rs, design.X, design.weights, off))
    steps.append((f"Newton-Raphson to convergence (start + {fit.iterations} iterations)", w, c))
    w, c, _ = timed(lambda: cluster_score_residuals(rs, design.X, design.weights, fit.final,
                                                    design.cluster, design.n_clusters))
    steps.append(("robust pass: per-subject score residuals (run twice: variance, score test)",
                  w, c))
    est = _fixed_effects(design, rs)
    w, c, _ = timed(lambda: assemble_result(
        design, rs, est, all_names=mf.columns, terms=mf.terms, model=model, ties="efron",
        confidence_level=0.95, notes=mf.notes, coding=replace(mf, frame=None),
        rows=mf.frame[["subject", "start", "stop"]]))
    steps.append(("result: tables, tests, state kept for residuals and predictions", w, c))
    w, c, _ = timed(lambda: fit_ours(frame, model))
    steps.append((f"whole fit from the DataFrame ({model}, robust variance, robust score test)",
                   w, c))
    out = pd.DataFrame(steps, columns=["step", "wall_s", "cpu_s"])
    out.insert(0, "case", f"{model}, {n_subjects // 1000}k subjects ({len(frame)} rows)")
    return out


STEP_CASES = [("AG", 20000), ("PWP", 20000), ("AG", 100000)]


def _fmt_seconds(row) -> str:
    if row["status"] == "ok":
        return f"{row['seconds']:.3g}"
    return row["status"]


def markdown(table: pd.DataFrame, steps: pd.DataFrame | None, notes: dict, cap: float,
             r_cap: float) -> str:
    lines = [
        "## bench_cox: Cox models for recurrent episodes (AG, PWP, gamma frailty)",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: "
        f"{platform.platform()}, 2 cores shared with other jobs (load average "
        f"{notes.get('load', float('nan')):.1f} at the start, {os.getloadavg()[0]:.1f} at the "
        f"end), Python {platform.python_version()}, numpy {np.__version__}; "
        f"{notes.get('r_version', 'R not run')}. Simulated cohorts (`benchmarks/bench_cox.py`, "
        "seed 20261120): about 12 rows per subject, two covariates, gamma frailty 0.5. "
        "*day*: gaps in whole days, start floored and stop ceiled, so about 1100 distinct event "
        "days shared by all subjects (heavy ties); *continuous*: almost no ties. "
        "spasm_analysis: median of 5 runs from the DataFrame to the result (validation, fit, "
        "robust variance and robust score test), wall and CPU time of the process; memory: growth of the peak resident set of a "
        "fresh process during one fit. Peers: one run each in a separate process, fit time only, "
        "wall and CPU (R: user + system of `proc.time()`) "
        f"(R `coxph(..., ties = \"efron\")` capped at {r_cap:g} s; lifelines "
        "`CoxTimeVaryingFitter` (no robust variance, no frailty) and statsmodels "
        f"`PHReg(..., entry=start).fit(groups=subject)` (no frailty) capped at {cap:g} s).",
        "",
    ]
    for (model, times), part in table.groupby(["model", "times"], sort=False):
        lines += [f"### {MODELS[model]['label']}; {times} times", "",
                  f"R: `coxph({MODELS[model]['r']})`", "",
                  "| subjects | rows | event times | tool | seconds | CPU s | peak MiB | "
                  "speed-up of spasm_analysis | speed-up, CPU | max rel. diff vs R (coef, SE) |",
                  "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
        for n, block in part.groupby("subjects", sort=False):
            ours = block[block["tool"] == "spasm_analysis"].iloc[0]
            for _, row in block.iterrows():
                if row["tool"] == "spasm_analysis":
                    speed = ""
                elif row["status"] == "ok":
                    speed = f"{row['seconds'] / ours['seconds']:.0f}x"
                elif row["status"].startswith(">"):
                    limit = float(re.search(r"> (\S+)", row["status"]).group(1))
                    speed = f"> {limit / ours['seconds']:.0f}x"
                else:
                    speed = ""
                memory = f"{row['peak_mib']:.0f}" if np.isfinite(row["peak_mib"]) else ""
                cpu = f"{row['cpu']:.3g}" if np.isfinite(row["cpu"]) else ""
                cpu_speed = (f"{row['cpu'] / ours['cpu']:.0f}x"
                             if row["tool"] != "spasm_analysis" and np.isfinite(row["cpu"]) else "")
                diff = (f"{row['max_rel_diff_vs_r']:.1e}"
                        if np.isfinite(row["max_rel_diff_vs_r"]) else "")
                lines.append(f"| {n} | {row['rows']} | {row['event_times']} | {row['tool']} | "
                             f"{_fmt_seconds(row)} | {cpu} | {memory} | {speed} | {cpu_speed} | "
                             f"{diff} |")
        lines.append("")
    if steps is not None:
        lines += ["### Where the time goes: AG and PWP with robust variance, day-scale", "",
                  "Each step of the fit called on its own (median of 7; CPU time is the "
                  "process's, less sensitive to the other jobs on the machine).", ""]
        for case, part in steps.groupby("case", sort=False):
            lines += [f"**{case}**", "", "| step | wall ms | CPU ms |", "|---|---:|---:|"]
            lines += [f"| {r.step} | {1000 * r.wall_s:.1f} | {1000 * r.cpu_s:.1f} |"
                      for r in part.itertuples()]
            lines.append("")
    lines += verdicts(table)
    return "\n".join(lines)


def _ratio(table, model, times, n, tool):
    sel = table[(table["model"] == model) & (table["times"] == times) & (table["subjects"] == n)]
    ours, peer = sel[sel["tool"] == "spasm_analysis"], sel[sel["tool"] == tool]
    if ours.empty or peer.empty:
        return None, ""
    mine, peer = ours.iloc[0]["seconds"], peer.iloc[0]
    if peer["status"] == "ok":
        return peer["seconds"] / mine, f" (CPU time: {peer['cpu'] / ours.iloc[0]['cpu']:.0f}x)"
    if peer["status"].startswith(">"):
        return float(re.search(r"> (\S+)", peer["status"]).group(1)) / mine, " (a lower bound)"
    return None, ""


def verdicts(table: pd.DataFrame) -> list[str]:
    out = []
    for model, n, target in [("AG", 20000, 40), ("PWP", 20000, 40), ("frailty", 2000, 20)]:
        ratio, note = _ratio(table, model, "day", n, "R coxph")
        if ratio is not None:
            out.append(f"- {model}, {n // 1000}k subjects, day-scale: {ratio:.0f}x faster than R "
                       f"in wall time{note} (target >= {target}x): "
                       f"{'met' if ratio >= target else 'NOT met'}.")
    sel = table[(table["model"] == "AG") & (table["times"] == "day")
                & (table["subjects"] == 100000) & (table["tool"] == "spasm_analysis")]
    if not sel.empty:
        row = sel.iloc[0]
        ok = row["seconds"] < 0.6 and row["peak_mib"] < 1024
        out.append(f"- AG with robust variance, 100k subjects ({row['rows']} rows), day-scale: "
                   f"{row['seconds']:.2f} s ({row['cpu']:.2f} s CPU), {row['peak_mib']:.0f} MiB "
                   "(target < 0.6 s and "
                   f"< 1 GB): {'met' if ok else 'NOT met'}.")
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="2k-subject cohorts only, peers capped at 30 s (a check, not results)")
    parser.add_argument("--cap", type=float, default=120.0,
                        help="seconds allowed for each lifelines / statsmodels fit")
    parser.add_argument("--r-cap", type=float, default=300.0, help="seconds allowed for each coxph fit")
    parser.add_argument("--no-peers", action="store_true", help="time spasm_analysis only")
    parser.add_argument("--no-write", action="store_true", help="do not update benchmarks/RESULTS.md")
    parser.add_argument("--steps-only", action="store_true",
                        help="print the per-step costs only (a check, not results)")
    parser.add_argument("--peer", nargs=3, metavar=("NAME", "MODEL", "DATA"), help=argparse.SUPPRESS)
    parser.add_argument("--memory", nargs=3, metavar=("MODEL", "TIMES", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peer:
        _peer_worker(*args.peer)
        return
    if args.memory:
        _memory_worker(*args.memory)
        return
    if args.steps_only:
        print(pd.concat([step_costs(n, model) for model, n in STEP_CASES]).to_string())
        return
    cap, r_cap = (30.0, 30.0) if args.quick else (args.cap, args.r_cap)
    notes = {"load": os.getloadavg()[0]}
    rows = []
    for model, times, sizes in CASES:
        sizes = [n for n in sizes if n <= 2000] if args.quick else sizes
        rows += run_case(model, times, sizes, cap, r_cap, not args.no_peers, notes)
    table = pd.DataFrame(rows)
    steps = None if args.quick else pd.concat([step_costs(n, model) for model, n in STEP_CASES])
    text = markdown(table, steps, notes, cap, r_cap)
    print()
    print(text)
    if not args.no_write and not args.quick:
        write_section(SECTION, text)
        print(f"wrote the {SECTION} section of benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
