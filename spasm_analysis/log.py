"""EpisodeLog: one validated, immutable bundle of a person's or a cohort's records.

The log holds the five canonical tables (see :mod:`spasm_analysis.schema`).  On
construction it coerces them, checks every row, and raises one
:class:`~spasm_analysis.schema.LogValidationError` listing everything wrong.
Options that change rows (``merge_overlaps``, ``merge_within_days``) and the
inference of a missing follow-up window are recorded in :attr:`EpisodeLog.actions`
and announced with a warning: nothing is dropped or merged silently.
"""

from __future__ import annotations

import html
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .merging import check_time_span, merge_episodes
from .schema import DEFAULT_SUBJECT, TABLES, ProblemList
from .grouping import as_ns, sort_by_subject, subject_codes, window_of
from .validation import is_missing, subject_text, clean_text, prepare_table
from .options import check_option

__all__ = ["EpisodeLog", "FollowUpInferredWarning", "LogChangedWarning", "UnreadColumnWarning"]


_SORT_KEYS = {"episodes": ["onset"], "follow_up": ["start"], "treatments": ["start"], "exposures": ["time"], "covariates": []}


class FollowUpInferredWarning(UserWarning):
    """No follow-up window was given, so one was assumed from the records."""


class LogChangedWarning(UserWarning):
    """An option merged or changed rows of the log; ``EpisodeLog.actions`` lists them."""


class UnreadColumnWarning(UserWarning):
    """A column looks like something the log could use (an episode's length) but EpisodeLog does not read it."""


#: Headers of a length column, which only the readers (``sa.read_episodes``) turn into ends.
_LENGTH_HEADERS = ("duration", "length", "lasted", "how long", "days", "number of days", "n days")


def _warn_unread_lengths(given: dict) -> None:
    """Say so when episodes or treatments come with lengths but no end: EpisodeLog keeps the column as it is."""
    for name in ("episodes", "treatments"):
        frame = given.get(name)
        if not isinstance(frame, pd.DataFrame):
            continue
        for column in frame.columns:
            if str(column).strip().lower() not in _LENGTH_HEADERS:
                continue
            has_length = ~is_missing(frame[column])
            no_end = is_missing(frame["end"]) if "end" in frame.columns else pd.Series(True, index=frame.index)
            n = int((has_length & no_end).sum())
            if n:
                reader = "read_episodes" if name == "episodes" else "read_treatments"
                warnings.warn(
                    f"{name} column {str(column)!r} holds lengths that EpisodeLog does not read (it takes an end date): "
                    f"{n} row(s) have a length but no end, so their end stays unknown. Pass end = {'onset' if name == 'episodes' else 'start'} + length, or "
                    f"build the table with sa.{reader}(frame), which reads lengths such as '3 days' or 'a week'.",
                    UnreadColumnWarning, stacklevel=3)


def _subjects_in(frames) -> set[str]:
    found: set[str] = set()
    for frame in frames:
        if isinstance(frame, pd.DataFrame) and "subject" in frame.columns:
            distinct = pd.Series(pd.unique(frame["subject"]), dtype=object)
            found.update(clean_text(distinct[~is_missing(distinct)], subject_text))
    return found


class EpisodeLog:
    """A validated, immutable episode log.

    Parameters
    ----------
    episodes : DataFrame
        Columns ``subject`` (optional for one person), ``onset`` and optionally
        ``end`` (the instant the episode is over; NaT = unknown or ongoing),
        ``severity`` (0-10), ``region``, ``side``, ``trigger``, ``notes``,
        ``onset_precision`` ("day", "month", "year").
    follow_up : DataFrame, optional
        ``subject, start, end``: when each person was logging.  A subject may have
        several windows (a gap in logging is not an episode-free stretch).  When
        omitted, each subject is assumed observed from their first to their last
        record, with a :class:`FollowUpInferredWarning`.
    treatments, exposures, covariates : DataFrame, optional
        The other canonical tables (``../shared/API.md``).
    merge_overlaps : bool, default False
        Merge episodes of one subject that overlap in time instead of raising.
    merge_within_days : float, optional
        Flare definition: an onset within this many days of the previous
        episode's end joins that episode (overlapping ones too).  The merged
        episode keeps the number of raw rows in ``n_merged``.

    Raises
    ------
    LogValidationError
        Listing every problem found, each with table, row, column and value.

    Examples
    --------
    >>> import pandas as pd, spasm_analysis as sa
    >>> episodes = pd.DataFrame({"onset": pd.to_datetime(["2020-01-05", "2020-03-01"]),
    ...                          "end": pd.to_datetime(["2020-01-08", "2020-03-03"])})
    >>> follow_up = pd.DataFrame({"start": [pd.Timestamp("2020-01-01")],
    ...                           "end": [pd.Timestamp("2020-12-31")]})
    >>> sa.EpisodeLog(episodes, follow_up=follow_up).n_episodes
    2
    """

    __slots__ = ("_tables", "_actions", "_rows")

    def __init__(
        self,
        episodes: pd.DataFrame,
        *,
        follow_up: pd.DataFrame | None = None,
        treatments: pd.DataFrame | None = None,
        exposures: pd.DataFrame | None = None,
        covariates: pd.DataFrame | None = None,
        merge_overlaps: bool = False,
        merge_within_days: float | None = None,
    ):
        if merge_within_days is not None and not (np.isfinite(merge_within_days) and merge_within_days >= 0):
            raise ValueError(f"merge_within_days must be a non-negative number of days, got {merge_within_days!r}")
        given = {"episodes": episodes, "follow_up": follow_up, "treatments": treatments, "exposures": exposures, "covariates": covariates}
        _warn_unread_lengths(given)
        subjects = _subjects_in(given.values())
        default = next(iter(subjects)) if len(subjects) == 1 else (DEFAULT_SUBJECT if not subjects else None)
        problems = ProblemList()
        tables = {name: prepare_table(name, given[name], problems, default_subject=default) for name in TABLES}
        problems.raise_if_any("the episode log")
        check_time_span(tables, problems)
        problems.raise_if_any("the episode log")

        merges: list[str] = []
        tables["episodes"] = merge_episodes(
            tables["episodes"], problems, merge_overlaps=merge_overlaps, merge_within_days=merge_within_days, actions=merges
        )
        actions = list(merges)
        if follow_up is None:
            tables["follow_up"] = _infer_follow_up(tables)
            if len(tables["follow_up"]):
                message = (
                    "No follow_up given: each subject is assumed observed from their first to their last "
                    f"record ({len(tables['follow_up'])} subject(s)). A gap in logging would then be read as an "
                    "episode-free stretch; to say when you were really keeping the log, add a follow_up table "
                    "(start and end of each stretch of logging; follow_up= in Python)."
                )
                warnings.warn(message, FollowUpInferredWarning, stacklevel=2)
                actions.append(message)
        else:
            _check_follow_up(tables, problems)
        problems.raise_if_any("the episode log")
        tables["episodes"] = _ongoing_to_follow_up_end(tables["episodes"], tables["follow_up"])
        if merges:
            warnings.warn("; ".join(merges) + " (see EpisodeLog.actions)", LogChangedWarning, stacklevel=2)

        rows = {}
        for name, keys in _SORT_KEYS.items():
            ordered = sort_by_subject(tables[name], keys)
            # The tables are numbered 0..n-1; the row each came from (its file line) is kept apart.
            rows[name] = pd.Index(ordered.index, dtype=object)
            tables[name] = ordered.reset_index(drop=True)
        object.__setattr__(self, "_tables", tables)
        object.__setattr__(self, "_rows", rows)
        object.__setattr__(self, "_actions", tuple(actions))

    def __setattr__(self, name, value):
        raise AttributeError("EpisodeLog is immutable; build a new one (e.g. with .replace(...))")

    # ------------------------------------------------------------------ tables
    @property
    def episodes(self) -> pd.DataFrame:
        """Episodes, sorted by subject and onset (a copy)."""
        return self._tables["episodes"].copy()

    @property
    def follow_up(self) -> pd.DataFrame:
        """Follow-up windows ``subject, start, end`` (a copy)."""
        return self._tables["follow_up"].copy()

    @property
    def treatments(self) -> pd.DataFrame:
        """Treatment sessions and courses (a copy)."""
        return self._tables["treatments"].copy()

    @property
    def exposures(self) -> pd.DataFrame:
        """Recorded exposures / possible triggers (a copy)."""
        return self._tables["exposures"].copy()

    @property
    def covariates(self) -> pd.DataFrame:
        """Baseline covariates, one row per subject (a copy)."""
        return self._tables["covariates"].copy()

    @property
    def actions(self) -> tuple[str, ...]:
        """What was inferred or merged while building the log, in plain words."""
        return self._actions

    @property
    def subjects(self) -> tuple[str, ...]:
        """Every subject with a follow-up window, sorted."""
        return tuple(sorted(self._tables["follow_up"]["subject"].unique()))

    @property
    def n_subjects(self) -> int:
        return len(self.subjects)

    @property
    def n_episodes(self) -> int:
        return len(self._tables["episodes"])

    @property
    def is_personal(self) -> bool:
        """True for a single person's log."""
        return self.n_subjects <= 1

    @property
    def modalities(self) -> tuple[str, ...]:
        """Treatment modalities present in the log, sorted."""
        return tuple(sorted(self._tables["treatments"]["modality"].dropna().unique()))

    def row_labels(self, table: str = "episodes") -> pd.Index:
        """Where each row of a table came from, aligned with its rows.

        The line of the CSV file (header = line 1), the sheet row, the 1-based
        JSON record, or the DataFrame's own index: the row every message names.

        Examples
        --------
        >>> import pandas as pd, spasm_analysis as sa
        >>> log = sa.EpisodeLog(pd.DataFrame({"onset": ["2020-03-01", "2020-01-05"]}, index=[7, 3]),
        ...                     follow_up=pd.DataFrame({"start": ["2020-01-01"], "end": ["2020-12-31"]}))
        >>> list(log.row_labels())
        [3, 7]
        """
        check_option("table", table, TABLES)
        return self._rows[table].copy()

    def label_rows(self, frame: pd.DataFrame, table: str = "episodes") -> pd.DataFrame:
        """``frame`` (rows taken from ``log.<table>``, by position) indexed by the rows they came from."""
        return frame.set_axis(self._rows[table][np.asarray(frame.index, dtype=int)])

    # ------------------------------------------------------------- derivation
    def replace(self, **tables) -> "EpisodeLog":
        """A new log with some tables replaced (validated again).

        Options ``merge_overlaps`` and ``merge_within_days`` may be passed too.
        """
        current = {name: self.label_rows(self._tables[name], name) for name in TABLES}
        unknown = set(tables) - set(TABLES) - {"merge_overlaps", "merge_within_days"}
        if unknown:
            raise TypeError(f"unknown table(s) {sorted(unknown)}; tables are {', '.join(TABLES)}")
        current.update(tables)
        episodes = current.pop("episodes")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FollowUpInferredWarning)
            return EpisodeLog(episodes, **current)

    def subset(self, subjects) -> "EpisodeLog":
        """The log restricted to some subjects."""
        wanted = {str(s) for s in ([subjects] if isinstance(subjects, str) else subjects)}
        missing = wanted - set(self.subjects)
        if missing:
            raise KeyError(f"subject(s) not in the log: {sorted(missing)}")
        picked = {name: self.label_rows(frame[frame["subject"].isin(wanted)], name) for name, frame in self._tables.items()}
        return EpisodeLog(picked.pop("episodes"), **picked)

    def between(self, start=None, end=None) -> "EpisodeLog":
        """The log seen through an analysis window ``[start, end)``: every table cut the same way.

        Follow-up windows are clipped to the window (subjects with no follow-up
        left are dropped); episodes are kept when their onset falls inside, or
        when they began before ``start`` and were still going at it (they block
        the first days, as an index episode does); an episode still going at
        ``end`` whose end is later keeps its recorded end.  Treatments are kept
        when their session or course overlaps the window, exposures when their
        time is inside it.  Covariates are unchanged.

        Parameters
        ----------
        start, end : date-like, optional
            Either may be left out (open on that side).  Written dates such as
            "2015" or "Oct 2013" mean their first day.

        Examples
        --------
        >>> import pandas as pd, spasm_analysis as sa
        >>> episodes = pd.DataFrame({"onset": ["2019-03-01", "2020-02-01"], "end": ["2019-03-04", "2020-02-03"]})
        >>> log = sa.EpisodeLog(episodes, follow_up=pd.DataFrame({"start": ["2019-01-01"], "end": ["2021-01-01"]}))
        >>> window = log.between("2020-01-01", "2020-07-01")
        >>> window.n_episodes, str(window.follow_up.start[0].date()), str(window.follow_up.end[0].date())
        (1, '2020-01-01', '2020-07-01')
        """
        from .io.dates import parse_date

        lo = parse_date(start)[0] if start is not None else pd.Timestamp.min
        hi = parse_date(end)[0] if end is not None else pd.Timestamp.max
        if pd.isna(lo) or pd.isna(hi) or not lo < hi:
            raise ValueError(f"between(start, end) needs start before end, got {start!r} and {end!r}")
        fu = self._tables["follow_up"]
        fu = fu[(fu["start"] < hi) & (fu["end"] > lo)].copy()
        if fu.empty:
            raise ValueError(f"no follow-up falls between {start} and {end}: nothing was logged then")
        fu["start"] = fu["start"].clip(lower=lo)
        fu["end"] = fu["end"].clip(upper=hi)
        ep = self._tables["episodes"]
        lasted_to = ep["end"].fillna(ep["end_earliest"]).fillna(ep["onset"])
        inside = (ep["onset"] >= lo) & (ep["onset"] < hi)
        going_at_start = (ep["onset"] < lo) & ((lasted_to > lo) | (ep["ongoing"] & ep["end"].isna()))
        ep = ep[inside | going_at_start]
        tr = self._tables["treatments"]
        tr = tr[(tr["start"] < hi) & (tr["end"] > lo)]
        ex = self._tables["exposures"]
        ex = ex[(ex["time"] >= lo) & (ex["time"] < hi)]
        subjects = set(fu["subject"])
        ep, tr, ex = (frame[frame["subject"].isin(subjects)] for frame in (ep, tr, ex))
        covariates = self._tables["covariates"]
        covariates = covariates[covariates["subject"].isin(subjects)]
        if "ongoing" in ep.columns:
            # Still-going episodes are measured again against the clipped follow-up.
            ep = ep.assign(end_earliest=ep["end_earliest"].where(~(ep["ongoing"] & ep["end"].isna()), pd.NaT))
        labelled = {name: self.label_rows(frame, name) for name, frame in
                    (("episodes", ep), ("follow_up", fu), ("treatments", tr), ("exposures", ex), ("covariates", covariates))}
        return EpisodeLog(labelled.pop("episodes"), **labelled)

    # -------------------------------------------------------------------- I/O
    def to_folder(self, path, *, format: str = "csv") -> Path:
        """Write the canonical tables to ``path`` (one file per non-empty table).

        ``format`` is ``"csv"`` (ISO dates, readable by any spreadsheet) or
        ``"parquet"`` (needs pyarrow; keeps dtypes exactly).  :func:`read_log`
        reads the folder back to an identical log.

        In CSV, a text that a spreadsheet program would run as a formula (it
        begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
        written with a leading ``'`` so that it opens as text, and a warning
        says how many cells were written so; :func:`read_log` removes the
        quote (see :mod:`spasm_analysis.io.formula_text`).
        """
        from .io.formula_text import escape_formula_cells

        if format not in ("csv", "parquet"):
            raise ValueError(f"format must be 'csv' or 'parquet', got {format!r}")
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        escaped = 0
        for name in TABLES:
            frame = self._tables[name]
            if name not in ("episodes", "follow_up") and frame.empty:
                continue
            target = folder / f"{name}.{format}"
            if format == "csv":
                # pandas writes dates as ISO text with as much precision as needed
                # (sub-seconds included); CRLF endings make the writer quote a bare
                # carriage return inside a note, so it reads back as written.
                frame, changed = escape_formula_cells(frame)
                escaped += changed
                frame.to_csv(target, index=False, lineterminator="\r\n")
            else:
                frame.to_parquet(target, index=False)
        if escaped:
            warnings.warn(
                f"{escaped} text cell(s) begin with =, +, -, @, a tab or a carriage return, which a spreadsheet program "
                "would run as a formula; they were written with a leading ' so that they open as text "
                "(read_log removes it)", UserWarning, stacklevel=2,
            )
        return folder

    # ---------------------------------------------------------------- display
    def describe(self) -> pd.DataFrame:
        """Per-subject counts: episodes, follow-up days, treatments, exposures."""
        fu = self._tables["follow_up"]
        days = (fu["end"] - fu["start"]).dt.total_seconds() / 86400.0
        out = pd.DataFrame({"follow_up_days": days.groupby(fu["subject"]).sum()})
        out["episodes"] = self._tables["episodes"].groupby("subject").size()
        out["treatments"] = self._tables["treatments"].groupby("subject").size()
        out["exposures"] = self._tables["exposures"].groupby("subject").size()
        return out.fillna(0).astype({"episodes": int, "treatments": int, "exposures": int})

    def __repr__(self) -> str:
        fu = self._tables["follow_up"]
        span = f"{fu['start'].min():%Y-%m-%d} to {fu['end'].max():%Y-%m-%d}" if len(fu) else "no follow-up"
        return (
            f"EpisodeLog({self.n_subjects} subject(s), {self.n_episodes} episodes, "
            f"{len(self._tables['treatments'])} treatments, {len(self._tables['exposures'])} exposures; {span})"
        )

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(a)}</li>" for a in self._actions)
        notes = f"<p>Notes:</p><ul>{items}</ul>" if items else ""
        return f"<div><strong>{html.escape(repr(self))}</strong>{notes}</div>"


def _infer_follow_up(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """First to last record per subject, over every table that holds times."""
    times = []
    ep = tables["episodes"]
    times.append(ep[["subject", "onset"]].rename(columns={"onset": "t"}))
    for column in ("onset_latest", "end", "end_earliest"):
        times.append(ep.loc[ep[column].notna(), ["subject", column]].rename(columns={column: "t"}))
    tr = tables["treatments"]
    times.append(tr[["subject", "start"]].rename(columns={"start": "t"}))
    times.append(tr[["subject", "end"]].rename(columns={"end": "t"}))
    times.append(tables["exposures"][["subject", "time"]].rename(columns={"time": "t"}))
    stacked = pd.concat([t for t in times if len(t)], ignore_index=True) if any(len(t) for t in times) else None
    if stacked is None:
        return tables["follow_up"]
    span = stacked.dropna().groupby("subject")["t"].agg(["min", "max"]).reset_index()
    return pd.DataFrame({"subject": span["subject"].astype(object), "start": span["min"], "end": span["max"]})


def _ongoing_to_follow_up_end(episodes: pd.DataFrame, follow_up: pd.DataFrame) -> pd.DataFrame:
    """An episode still going on the last logged day lasted at least until the end of its follow-up window.

    Its ``end`` stays unknown (NaT); ``end_earliest`` becomes that window's end,
    so analyses count it as lasting at least that long.
    """
    ongoing = episodes["ongoing"].to_numpy(dtype=bool) & episodes["end"].isna().to_numpy()
    if not ongoing.any() or not len(follow_up):
        return episodes
    out = episodes.copy()
    for label in out.index[ongoing]:
        subject, onset = out.at[label, "subject"], out.at[label, "onset"]
        windows = follow_up[(follow_up["subject"] == subject) & (follow_up["start"] <= onset)]
        if len(windows):
            window_end = windows["end"].max()
            current = out.at[label, "end_earliest"]
            out.at[label, "end_earliest"] = window_end if pd.isna(current) else max(current, window_end)
    return out


def _check_follow_up(tables: dict[str, pd.DataFrame], problems: ProblemList) -> None:
    """Windows must not overlap; every onset lies in a window of its subject.

    An episode that began before a window and is still going at its start is
    allowed: it is the *index* episode that made logging start.
    """
    fu = tables["follow_up"].sort_values(["subject", "start"])
    overlap = (fu["subject"] == fu["subject"].shift()) & (fu["start"] < fu["end"].shift())
    for label in fu.index[overlap]:
        problems.add("follow_up", label, "start", str(fu.at[label, "start"]), "overlaps the subject's previous follow-up window")

    ep = tables["episodes"]
    known = set(fu["subject"])
    if len(ep) and len(fu):
        subjects = np.asarray(sorted(known), dtype=object)
        fu_sorted = sort_by_subject(fu, ["start"])
        w_code = subject_codes(fu_sorted["subject"], subjects)
        w_start, w_end = as_ns(fu_sorted["start"]), as_ns(fu_sorted["end"])
        e_code = subject_codes(ep["subject"], subjects)
        onset, end = as_ns(ep["onset"]), as_ns(ep["end"])
        base = int(min(w_start.min(), onset.min()))
        span = (int(max(w_end.max(), onset.max())) - base) / 86_400e9 + 2.0
        window, inside = window_of(np.maximum(e_code, 0), onset, w_code, w_start, w_end, base, span)
        # An episode going on when a window starts (end known and after that start) is allowed.
        ongoing = (w_code[window] == e_code) & (onset < w_start[window]) & ep["end"].notna().to_numpy() & (end > w_start[window])
        bad = (e_code < 0) | ~(inside | ongoing)
    else:
        bad = np.ones(len(ep), dtype=bool)
    for label, subject, onset_value in ep.loc[bad, ["subject", "onset"]].itertuples():
        if subject not in known:
            problems.add("episodes", label, "subject", subject, "has episodes but no follow-up window")
            continue
        windows = fu[fu["subject"] == subject]
        spans = ", ".join(f"{s:%Y-%m-%d} to {e:%Y-%m-%d}" for s, e in zip(windows["start"], windows["end"]))
        problems.add("episodes", label, "onset", str(onset_value), f"outside the follow-up window(s) of subject {subject!r} ({spans})")
    for name in ("treatments", "exposures"):
        frame = tables[name]
        stray = ~frame["subject"].isin(known)
        for label in frame.index[stray]:
            problems.add(name, label, "subject", frame.at[label, "subject"], "subject has no follow-up window")
