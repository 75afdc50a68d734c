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
