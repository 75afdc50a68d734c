"""Forest plot of ratio estimates (hazard ratios, rate ratios) with confidence intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import finish, new_axes, series_colour

__all__ = ["forest_table", "plot_forest"]


def _rows_of(result, label) -> pd.DataFrame:
    if isinstance(result, pd.DataFrame):
        missing = [c for c in ("estimate", "ci_lower", "ci_upper") if c not in result.columns]
        if missing:
            raise ValueError(f"a forest table needs columns estimate, ci_lower, ci_upper; missing {missing}")
        out = result.copy()
        if "label" not in out.columns:
            out["label"] = [str(i) for i in out.index]
        if label is not None:
            out["label"] = [f"{label}: {x}" for x in out["label"]]
        out["group"] = label if label is not None else ""
        out["kind"] = "Ratio"
        return out[["label", "estimate", "ci_lower", "ci_upper", "group", "kind"]]
    summary = getattr(result, "summary", None)
    if isinstance(summary, pd.DataFrame) and {"exp(coef)", "exp_ci_lower", "exp_ci_upper"} <= set(summary.columns):
        names = [str(i) for i in summary.index]
        return pd.DataFrame({
            "label": [f"{label}: {n}" if label is not None else n for n in names],
            "estimate": summary["exp(coef)"].to_numpy(float),
            "ci_lower": summary["exp_ci_lower"].to_numpy(float),
            "ci_upper": summary["exp_ci_upper"].to_numpy(float),
            "group": label if label is not None else getattr(result, "model", ""),
            "kind": "Hazard ratio",
        })
    if hasattr(result, "rate_ratio") and hasattr(result, "ci_lower"):
        name = label if label is not None else getattr(result, "exposure", "rate ratio")
        return pd.DataFrame({"label": [name], "estimate": [float(result.rate_ratio)],
                             "ci_lower": [float(result.ci_lower)], "ci_upper": [float(result.ci_upper)],
                             "group": [label if label is not None else ""], "kind": ["Rate ratio"]})
    raise TypeError(
        f"cannot draw a {type(result).__name__} in a forest plot; give a CoxResult, a RateRatioResult, "
        "a DataFrame with estimate, ci_lower, ci_upper, or a dict / list of these"
    )


def forest_table(results) -> pd.DataFrame:
    """Rows ``label, estimate, ci_lower, ci_upper, group, kind`` from results (see :func:`plot_forest`)."""
    if isinstance(results, dict):
        parts = [_rows_of(r, str(k)) for k, r in results.items()]
    elif isinstance(results, (list, tuple)):
        parts = [_rows_of(r, None) for r in results]
    else:
        parts = [_rows_of(results, None)]
    return pd.concat(parts, ignore_index=True)


def plot_forest(results, *, reference=1.0, xlabel=None, ax=None):
    """Forest plot: each ratio with its confidence interval on a log scale.

    Parameters
    ----------
    results : CoxResult, RateRatioResult, DataFrame, or a dict / list of these
        A Cox fit gives one row per covariate (exp(coef) and its CI, robust
        when available); a rate ratio gives one row.  A dict labels each
        result by its key (e.g. ``{"Andersen-Gill": ag, "PWP": pwp}``).  A
        DataFrame needs ``estimate, ci_lower, ci_upper`` (and ``label``).
    reference : float
        Where "no association" lies (a vertical line).
    xlabel : str, optional
        Axis label (default: "Hazard ratio" / "Rate ratio" as appropriate).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One marker per row (gid ``"estimates"``); an interval running off
        the axis (an infinite bound, e.g. zero events in an arm) ends in an
        arrow.

    Examples
    --------
    >>> ax = sa.plot_forest({"AG": sa.andersen_gill(cp, ["rx"]), "PWP": sa.pwp(cp, ["rx"])})  # doctest: +SKIP
    """
    import matplotlib.ticker as mticker
    import matplotlib.transforms as mtransforms

    table = forest_table(results)
    n = len(table)
    ax = new_axes(ax, (8, 1.0 + 0.42 * n))
    est = table["estimate"].to_numpy(float)
    lo = table["ci_lower"].to_numpy(float)
    hi = table["ci_upper"].to_numpy(float)
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in (est, lo, hi)] + [[reference]])
    x_min, x_max = finite.min() / 1.6, finite.max() * 1.6
    y = np.arange(n)[::-1].astype(float)
    groups = list(dict.fromkeys(table["group"]))
    colour = {g: series_colour(i) if len(groups) > 1 else "#222222" for i, g in enumerate(groups)}
    for yi, l, h, e, g in zip(y, lo, hi, est, table["group"]):
        left = l if np.isfinite(l) and l > 0 else x_min
        right = h if np.isfinite(h) else x_max
        ax.plot([left, right], [yi, yi], color=colour[g], linewidth=1.5, solid_capstyle="butt")
        if not (np.isfinite(h)):
            ax.annotate("", xy=(x_max, yi), xytext=(x_max / 1.25, yi),
                        arrowprops={"arrowstyle": "->", "color": colour[g], "lw": 1.2})
        if not (np.isfinite(l) and l > 0):
            ax.annotate("", xy=(x_min, yi), xytext=(x_min * 1.25, yi),
                        arrowprops={"arrowstyle": "->", "color": colour[g], "lw": 1.2})
    shown = np.clip(np.where(est > 0, est, x_min), x_min, x_max)
    marks = ax.scatter(shown, y, marker="s", s=36, color=[colour[g] for g in table["group"]], zorder=3)
    marks.set_gid("estimates")
    ax.axvline(reference, color="#555555", linewidth=0.9, linestyle="--", zorder=0)
    ax.set_xscale("log")
    nice = np.array([1, 2, 3, 5, 7])[None, :] * 10.0 ** np.arange(-3, 4)[:, None]
    ticks = nice.ravel()[(nice.ravel() >= x_min) & (nice.ravel() <= x_max)]
    if len(ticks) > 9:
        ticks = ticks[np.isin(np.round(ticks / 10.0 ** np.floor(np.log10(ticks))), (1, 2, 5))]
    ax.xaxis.set_major_locator(mticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(mticker.NullFormatter())
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_yticks(y, table["label"])
    text_at = mtransforms.blended_transform_factory(ax.transAxes, ax.transData)
    for yi, e, l, h in zip(y, est, lo, hi):
        ax.text(1.02, yi, f"{e:.2f} ({l:.2f} to {h:.2f})", transform=text_at, va="center", fontsize=8.5,
                family="monospace", color="#333333")
    ax.text(1.02, n - 0.45, "ratio (CI)", transform=text_at, va="bottom", fontsize=8.5, color="#555555")
    if xlabel is None:
        kinds = table["kind"].unique()
        xlabel = f"{kinds[0] if len(kinds) == 1 else 'Ratio'} (log scale); left of the dashed line = fewer episodes"
    finish(ax, xlabel=xlabel, grid_axis="x")
    return ax
