"""Make the README figures from the bundled sample data (run from the repository root).

    .venv/bin/python docs/make_figures.py

Writes docs/figures/timeline.png (the sample personal log) and docs/figures/mcf.png (the
sample cohort's mean cumulative function by arm).
"""

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import spasm_analysis as sa  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "figures"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        personal = sa.read_log(ROOT / "data" / "sample" / "personal")
        cohort = sa.read_log(ROOT / "data" / "sample" / "cohort")
    metadata = {"Software": None}  # keep the files byte-stable across matplotlib builds

    ax = sa.plot_timeline(personal)
    ax.figure.set_size_inches(11, 4.6)
    ax.figure.savefig(OUT / "timeline.png", dpi=110, facecolor="white", metadata=metadata)
    plt.close(ax.figure)

    ax = sa.plot_mcf(cohort, by="arm")
    ax.figure.savefig(OUT / "mcf.png", dpi=110, facecolor="white", metadata=metadata)
    plt.close(ax.figure)
    for name in ("timeline.png", "mcf.png"):
        print(OUT / name)


if __name__ == "__main__":
    main()
