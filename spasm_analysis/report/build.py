"""Assemble the report for a log and write it as one self-contained HTML file."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from .html import Section, document, para, text
from .output import OutputPath, input_files

__all__ = ["build_report", "write_report", "load_for_report"]


def load_for_report(path, **reading):
    """Read ``path`` with :func:`~spasm_analysis.reading.read_source_noting` (``reading``: its choices, e.g. ``symptom``).

    Returns the log and the readers' notes (what they assumed or left out), which the report shows.
    """
    from ..reading import read_source_noting

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return read_source_noting(path, **reading)


def _reading_notes_section(notes) -> Section:
    """What the readers said while reading the input (escaped: the messages quote the file's own text)."""
    items = "".join(f"<li>{text(message)}</li>" for message in notes)
    body = para("While reading the input, the readers noted the following. Each says what was assumed, "
                "left out or changed, and why; check that it matches what you meant.") + f"<ul>{items}</ul>"
    return Section("reading-notes", f"Notes from reading the file ({len(notes)})", body)


def build_report(log, *, cohort=None, by=None, title=None, source=None, carryover_days=None, progress=True,
                 reading_notes=()) -> str:
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
    progress : bool, default True
        A tqdm bar over the sections on stderr, drawn only when stderr is a
        terminal; False turns it off.
    reading_notes : sequence of str
        What the readers noted while reading the input (rows left out and why,
        unknown treatment names, the app detected); shown first, as written.

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
    if reading_notes:
        sections = [_reading_notes_section(reading_notes), *sections]
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


def write_report(source, output, *, cohort=None, by=None, title=None, pdf=False, progress=True, window=(None, None),
                 notes_to=None, **reading) -> Path:
    """Read ``source`` (a folder, a file or an app export), build the report and write it to ``output``.

    ``window=(start, end)`` reports on that part of the log only (:meth:`EpisodeLog.between`).

    ``reading`` holds the choices of :func:`~spasm_analysis.reading.read_source`
    (``app``, ``symptom``, ``dayfirst``, ``until``, ``match``, ``encoding``, ...).
    What the readers noted is shown in the report and, with ``notes_to`` (a
    text stream such as ``sys.stderr``), printed there as ``note: ...`` lines.

    Returns the path written.  With ``pdf=True`` a PDF is printed next to it
    by headless Chromium when available (no new Python dependency).  The
    output is checked before the analysis runs: it may not be an input file
    (the file read, or a table file of the folder read), an existing folder,
    or a name the file system cannot hold; a missing parent folder is created.
    """
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"{source}: no such file or folder")
    # The output is checked (and claimed) before the analysis, and never replaces an input.
    with OutputPath(output, input_files(source), siblings=(".pdf",) if pdf else ()) as target:
        log, notes = load_for_report(source, **reading)
        for message in notes if notes_to is not None else ():
            print(f"note: {message}", file=notes_to)
        if any(bound is not None for bound in window):
            log = log.between(*window)
        page = build_report(log, cohort=cohort, by=by, title=title, source=source.name, progress=progress,
                            reading_notes=notes)
        target.path.write_text(page, encoding="utf-8")
        if pdf:
            from .pdf import print_pdf

            print_pdf(target.path, target.path.with_suffix(".pdf"))
        target.keep()
    return target.path
