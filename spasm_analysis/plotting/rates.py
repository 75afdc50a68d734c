"""How often episodes happen over time: monthly rates and cumulative counts (trend)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import EPISODE, finish, log_subject, new_axes, series_colour, to_num
from ..options import check_option

__all__ = ["plot_monthly_rate", "plot_cumulative_episodes"]

_MIN_AT_RISK_DAYS = 5.0  # a month with less time at risk than this is too short to show as a bar


def _one_subject(log, subject):
    subject = log_subject(log, subject)
    return (log if len(log.subjects) == 1 else log.subset([subject])), subject


def plot_monthly_rate(
    log,
    *,
    subject=None,
    exposed=None,
    carryover_days=0.0,
    rate_ratio=None,
    imprecise_onsets="midpoint",
    assume_duration_days=None,
    rates=None,
    ax=None,
):
    """Episodes per month at risk, with treatment periods shaded and the rate ratio.

    Bars are each calendar month's onsets per 30.44 days at risk, from
    :func:`spasm_analysis.monthly_rates` (months with under 5 days at risk are
    left blank); the line is the rolling 12-month rate of
    :func:`spasm_analysis.rolling_rates`, which is far less noisy.  With
    ``exposed``, the exposed periods are shaded and the rate ratio inside vs
    outside them is written on the plot with its confidence interval.

    Parameters
    ----------
    log : EpisodeLog
    subject : str, optional
        Which person; needed only when the log holds several.
    exposed : str or DataFrame, optional
        A treatment modality or a table of periods, as for
        :func:`spasm_analysis.rate_ratio`.
    carryover_days : float
        Days added after each exposed period.
    rate_ratio : RateRatioResult, optional
        A result to annotate; computed from ``exposed`` when not given.
    imprecise_onsets : {"midpoint", "exclude"}
        How onsets known only to the month or year are placed.
    assume_duration_days : float, optional
        Length given to episodes with an unknown end (needed to count time at risk).
    rates : RateTable, optional
        The person's :func:`~spasm_analysis.monthly_rates`, when already
        computed; computed from ``log`` when not given.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Bars with gid ``"monthly-rate"``, shaded periods with gid ``"exposed"``,
        the annotation with gid ``"rate-ratio"``.

    Examples
    --------
    >>> ax = sa.plot_monthly_rate(log, exposed="massage", carryover_days=14)  # doctest: +SKIP
    """
    import matplotlib.dates as mdates

    from spasm_analysis.personal.rate_ratio import exposure_periods
    from spasm_analysis.personal.rates import monthly_rates, rolling_rates
    from spasm_analysis.personal.timeline import merge_periods
    from spasm_analysis.results import format_p_value

    log, subject = _one_subject(log, subject)
    counting = dict(imprecise_onsets=imprecise_onsets, assume_duration_days=assume_duration_days)
    if rates is None:
        rates = monthly_rates(log, **counting)
    elif rates.kind != "calendar month":
        raise ValueError(f"rates= must be a table of sa.monthly_rates, not of {rates.kind!r}")
    table = rates.table
    ax = new_axes(ax, (11, 3.6))
    left = to_num(table["period"])
    right = to_num(table["period"] + pd.offsets.MonthBegin(1))
    shown = (table["days_at_risk"] >= _MIN_AT_RISK_DAYS).to_numpy()
    per_month = table["rate_per_year"].to_numpy() / 12
    bars = ax.bar(left[shown], per_month[shown], width=(right - left)[shown] * 0.86, align="edge",
                  color=EPISODE, alpha=0.55, linewidth=0, label="episodes per month at risk")
    for patch in bars.patches:
        patch.set_gid("monthly-rate")
    if len(table) >= 12:
        rolling = rolling_rates(log, window_months=12, confidence_level=rates.confidence_level, **counting).table
        # each 12-month window is drawn at the middle of its last month
        last_month = rolling["period"] - pd.offsets.MonthBegin(1)
        middle = (to_num(last_month) + to_num(rolling["period"])) / 2
        line = ax.plot(middle, rolling["rate_per_year"] / 12, color="#222222", linewidth=1.6,
                       label="rate over the last 12 months")
        line[0].set_gid("rolling-rate")

    if exposed is not None:
        periods, label = exposure_periods(log, exposed, carryover_days=carryover_days)
        starts, ends = merge_periods(to_num(periods["start"]), to_num(periods["end"]))
        colour = series_colour(0)
        for i, (s, e) in enumerate(zip(starts, ends)):
            span = ax.axvspan(s, max(e, s + 1), color=colour, alpha=0.16, linewidth=0,
                              label=f"exposed: {label}" if i == 0 else None)
            span.set_gid("exposed")
        if rate_ratio is None:
            from spasm_analysis.personal import rate_ratio as fit_rate_ratio

            rate_ratio = fit_rate_ratio(log, exposed=exposed, carryover_days=carryover_days,
                                        assume_duration_days=assume_duration_days)
    if rate_ratio is not None:
        r = rate_ratio
        text = (
            f"Rate ratio, exposed vs not: {r.rate_ratio:.2f}\n"
            f"{r.confidence_level:.0%} CI {r.ci_lower:.2f} to {r.ci_upper:.2f}, {format_p_value(r.p_value)}\n"
            f"{r.events_exposed} onsets in {r.time_exposed:.0f} exposed days at risk, "
            f"{r.events_unexposed} in {r.time_unexposed:.0f} other days"
        )
        note = ax.text(0.995, 0.97, text, transform=ax.transAxes, ha="right", va="top", fontsize=8.5,
                       bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "#bbbbbb"})
        note.set_gid("rate-ratio")

    ax.set_xlim(left[0], right[-1])
    ax.set_ylim(0, max(np.nanmax(per_month[shown], initial=0.0), 0.5) * 1.35)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.legend(loc="upper left", frameon=False, fontsize=8.5)
    finish(ax, title="Episode rate by month", ylabel="Onsets per 30 days at risk", grid_axis="y")
    return ax


def plot_cumulative_episodes(log, *, subject=None, kind="cumulative", imprecise_onsets="midpoint", ax=None):
    """Cumulative episodes over time with the fitted power-law (Crow-AMSAA) trend.

    ``kind="cumulative"``: onsets counted up against the date, with the fitted
    expected count lam * t^beta (t = days since the start of each follow-up
    window) and a dashed constant-rate line for comparison.  A curve bending
    upward above the dashed line means episodes have become more frequent.

    ``kind="duane"``: the Duane plot, cumulative onsets per year against days
    observed, both on log scales.  Under the power law it is a straight line
    of slope beta - 1: rising = more frequent, falling = less frequent.

    Parameters
    ----------
    log : EpisodeLog
    subject : str, optional
    kind : {"cumulative", "duane"}
    imprecise_onsets : {"midpoint", "exclude"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The observed steps/points have gid ``"observed"``, the fit ``"fit"``.

    References
    ----------
    Duane, J. T. (1964). Learning curve approach to reliability monitoring.
    *IEEE Trans. Aerospace* 2, 563-566.  Crow, L. H. (1974). Reliability
    analysis for complex, repairable systems. In *Reliability and Biometry*,
    SIAM, 379-410.

    Examples
    --------
    >>> ax = sa.plot_cumulative_episodes(log, kind="duane")  # doctest: +SKIP
    """
    import matplotlib.dates as mdates

    from spasm_analysis.personal import crow_amsaa
    from spasm_analysis.personal.timeline import timeline

    check_option("kind", kind, ("cumulative", "duane"))
    log, subject = _one_subject(log, subject)
    fit = crow_amsaa(log, imprecise_onsets=imprecise_onsets)
    line = timeline(log, imprecise_onsets=imprecise_onsets)
    origin = line.origin[subject]
    ax = new_axes(ax, (8, 4.2))
    label_fit = f"power law, beta = {fit.beta:.2f} ({fit.confidence_level:.0%} CI {fit.ci_lower:.2f} to {fit.ci_upper:.2f})"
    count_before = 0
    for i, (s_day, e_day) in enumerate(line.windows[["start_day", "end_day"]].itertuples(index=False)):
        days = line.onsets["day"].to_numpy(float)
        days = np.sort(days[(days > s_day) & (days <= e_day)]) - s_day
        t = np.linspace(0, e_day - s_day, 200)
        if kind == "cumulative":
            x_obs = to_num(origin + pd.to_timedelta(np.concatenate([[0], days, [e_day - s_day]]) + s_day, unit="D"))
            y_obs = count_before + np.concatenate([[0], np.arange(1, days.size + 1), [days.size]])
            steps = ax.step(x_obs, y_obs, where="post", color=EPISODE, linewidth=1.8,
                            label="observed onsets" if i == 0 else None)
            steps[0].set_gid("observed")
            x_fit = to_num(origin + pd.to_timedelta(t + s_day, unit="D"))
            fitted = ax.plot(x_fit, count_before + fit.expected_events(t), color="#222222", linewidth=1.3,
                             label=label_fit if i == 0 else None)
            fitted[0].set_gid("fit")
            constant = fit.n_events / float((line.windows["end_day"] - line.windows["start_day"]).sum())
            ax.plot(x_fit, count_before + constant * t, color="#777777", linestyle="--", linewidth=1.0,
                    label="constant rate (beta = 1)" if i == 0 else None)
            count_before += days.size
        else:
            if days.size:
                points = ax.plot(days, np.arange(1, days.size + 1) / days * 365.25, "o", color=EPISODE,
                                 markersize=4, alpha=0.8, label="observed" if i == 0 else None)
                points[0].set_gid("observed")
            t_pos = t[1:]
            fitted = ax.plot(t_pos, fit.expected_events(t_pos) / t_pos * 365.25, color="#222222", linewidth=1.3,
                             label=label_fit if i == 0 else None)
            fitted[0].set_gid("fit")
    if kind == "cumulative":
        locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_ylim(bottom=0)
        finish(ax, title="Cumulative episodes and the power-law trend", ylabel="Episodes so far", grid_axis="both")
    else:
        ax.set_xscale("log")
        ax.set_yscale("log")
        finish(ax, title="Duane plot: cumulative rate against time observed",
               xlabel="Days since start of follow-up window (log scale)",
               ylabel="Cumulative onsets per year (log scale)", grid_axis="both")
    ax.legend(loc="upper left", frameon=False, fontsize=8.5)
    return ax
