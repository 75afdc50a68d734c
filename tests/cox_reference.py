"""Loaders for the Cox reference data (tests/reference/make_cox_reference.R outputs)."""

from pathlib import Path

import pandas as pd

REF = Path(__file__).parent / "reference"
COVARIATES = {"bladder2": ["rx", "number", "size"], "bladder": ["rx", "number", "size"],
              "cgd": ["treat", "inherit", "steroids", "age"]}


def load_data(name: str) -> pd.DataFrame:
    """An R data set as a counting-process frame (subject, start, stop, event, episode, ...)."""
    frame = pd.read_csv(REF / "data" / f"{name}.csv", comment="#")
    if name == "cgd":
        frame["treat"] = (frame["treat"] == "rIFN-g").astype(int)
        frame["inherit"] = (frame["inherit"] == "autosomal").astype(int)
        frame = frame.rename(columns={"tstart": "start", "tstop": "stop", "status": "event"})
    if name == "bladder":
        frame["start"] = 0.0
    return frame.rename(columns={"id": "subject", "enum": "episode"})


def coefficients(dataset: str, model: str, ties: str) -> pd.DataFrame:
    ref = pd.read_csv(REF / "cox_coefficients.csv", comment="#")
    sel = ref[(ref.dataset == dataset) & (ref.model == model) & (ref.ties == ties)]
    return sel.set_index("term")


def fit_stats(dataset: str, model: str, ties: str) -> pd.Series:
    ref = pd.read_csv(REF / "cox_fit_stats.csv", comment="#")
    sel = ref[(ref.dataset == dataset) & (ref.model == model) & (ref.ties == ties)]
    assert len(sel) == 1
    return sel.iloc[0]


def load_cgd_text() -> pd.DataFrame:
    """survival::cgd with its text columns kept as text (for formula fits)."""
    frame = pd.read_csv(REF / "data" / "cgd.csv", comment="#")
    return frame.rename(columns={"tstart": "start", "tstop": "stop", "status": "event",
                                 "id": "subject", "hos.cat": "hos_cat"})


def load_singtest() -> pd.DataFrame:
    """R's tests/singtest.R data set ``stest``; rows with a missing status removed, as coxph does."""
    frame = pd.read_csv(REF / "data" / "singtest_stest.csv", comment="#")
    frame = frame.dropna(subset=["status"]).rename(columns={"status": "event"})
    return frame.assign(subject=range(len(frame)))


def diagnostics(name: str, case: str) -> pd.DataFrame:
    """Rows of one case from a make_cox_diagnostics_reference.R output (cox_<name>.csv)."""
    ref = pd.read_csv(REF / f"cox_{name}.csv", comment="#", keep_default_na=False,
                      na_values=["NA"])
    return ref[ref["case"] == case].reset_index(drop=True)
