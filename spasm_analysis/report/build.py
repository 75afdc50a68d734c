"""Assemble the report for a log and write it as one self-contained HTML file."""

from __future__ import annotations

import warnings
from datetime import datetime, timezone
from pathlib import Path

from .html import document
from .output import OutputPath, input_files
from .progress import Progress

__all__ = ["build_report", "write_report", "load_for_report"]


def load_for_report(path, *, progress=None, **reading):
    """Read ``path`` with :func:`~spasm_analysis.reading.read_source` (``reading``: its choices, e.g. ``symptom``)."""
    from ..reading import read_source

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    progress = progress or Progress(enabled=False)
    with progress.step(f"reading {path.name}"):
        return read_source(path, **reading)


def build_report(log, *, cohort=None, by=None, title=None, source=None, carryover_days=None, progress=None) -> str:
    """The HTML report of a log, as a string.

    Parameters
    ----------
    log : EpisodeLog
    cohort : bool, optional
        Cohort sections (MCF, Cox models, event plot) instead of the personal
        ones; default: cohort when the log holds more than one subject.
    by : str, optional
        Covariate defining the groups of the cohort MCF and its test.
    title : str, optional
    source : str, optional
        Where the log came from (shown in the header).
    carryover_days : float, optional
        Carry-over after each treatment session or course (personal report; default 14).
    progress : Progress, optional
        Where step progress goes (default: stderr, for steps over a second).

    Returns
    -------
    str
        A complete HTML document with figures inlined and no external resources.

    Examples
    --------
    >>> html = sa.report.build_report(sa.read_log("data/sample/personal"))  # doctest: +SKIP
    """
    from .cohort import cohort_sections
    from .personal import DEFAULT_CARRYOVER_DAYS, ReportOptions, assumed_duration, personal_sections

    import matplotlib

    progress = progress or Progress()
    if log.n_episodes == 0:
        raise ValueError("the log holds no episodes, so there is nothing to report (a file with a header and no rows?)")
    cohort = (log.n_subjects > 1) if cohort is None else bool(cohort)
    if by is not None and not cohort:
        raise ValueError("--by groups the cohort report; add --cohort or give a log with several subjects")
    if by is not None:
        names = [c for c in log.covariates.columns if c != "subject"]
        if by not in names:
            raise ValueError(f"--by {by}: the log has no covariate of that name; its covariates are: "
                             f"{', '.join(names) or 'none (add a covariates table: subject plus one column per covariate)'}")
    opts = ReportOptions(
        carryover_days=DEFAULT_CARRYOVER_DAYS if carryover_days is None else float(carryover_days),
        assume_duration_days=assumed_duration(log),
    )
    # User text (treatment names, notes, titles) is drawn as written: a "$" must not start mathtext.
    with matplotlib.rc_context({"figure.max_open_warning": 0, "text.parse_math": False}):
        if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
            matplotlib.use("Agg")
        if cohort:
            sections = cohort_sections(log, opts, progress, by=by)
        elif log.n_subjects != 1:
            raise ValueError(f"a personal report needs one subject; this log has {log.n_subjects} (use --cohort)")
        else:
            sections = personal_sections(log, opts, progress)
    fu = log.follow_up
    kind = f"Cohort of {log.n_subjects} subjects" if cohort else "Personal episode log"
    title = title or ("Recurrent episodes in a cohort" if cohort else "Your episode log")
    lines = [f"{kind}: {log.n_episodes} episodes, {fu['start'].min():%Y-%m-%d} to {fu['end'].max():%Y-%m-%d}"]
    if source:
        lines.append(f"Source: {source}")
    unavailable = [s.title for s in sections if s.status != "ok"]
    if unavailable:
        lines.append("Not available for this log: " + ", ".join(unavailable) + " (each section says why).")
    from spasm_analysis.version import __version__

    footer = (f"Made by spasm_analysis {__version__} on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. "
              "A statistical description of a record, not medical advice.")
    return document(title, lines, sections, footer)


def write_report(source, output, *, cohort=None, by=None, title=None, pdf=False, progress=None, window=(None, None),
                 **reading) -> Path:
    """Read ``source`` (a folder, a file or an app export), build the report and write it to ``output``.

    ``window=(start, end)`` reports on that part of the log only (:meth:`EpisodeLog.between`).

    ``reading`` holds the choices of :func:`~spasm_analysis.reading.read_source`
    (``app``, ``symptom``, ``dayfirst``, ``until``, ``match``, ``encoding``, ...).

    Returns the path written.  With ``pdf=True`` a PDF is printed next to it
    by headless Chromium when available (no new Python dependency).  The
    output is checked before the analysis runs: it may not be an input file
    (the file read, or a table file of the folder read), an existing folder,
    or a name the file system cannot hold; a missing parent folder is created.
    """
    progress = progress or Progress()
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"{source}: no such file or folder")
    # The output is checked (and claimed) before the analysis, and never replaces an input.
    with OutputPath(output, input_files(source), siblings=(".pdf",) if pdf else ()) as target:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            log = load_for_report(source, progress=progress, **reading)
        if any(bound is not None for bound in window):
            log = log.between(*window)
        page = build_report(log, cohort=cohort, by=by, title=title, source=source.name, progress=progress)
        target.path.write_text(page, encoding="utf-8")
        if pdf:
            from .pdf import print_pdf

            with progress.step("printing the PDF"):
                print_pdf(target.path, target.path.with_suffix(".pdf"))
        target.keep()
    return target.path
