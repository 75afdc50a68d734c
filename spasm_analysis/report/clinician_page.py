"""The one-page clinician summary as HTML (and PDF), and the ``spasm-analysis clinician`` command.

The page is laid out to print on one sheet of A4 or US Letter: red flags and
the "when to get care" box first, then recent episodes with the person's notes
and triggers, episodes per month, lengths, and the treatments and medications
tried with what the person noted helped.  Self-contained: no scripts, fonts or
images from the network; every piece of user text is escaped.
"""

from __future__ import annotations

import argparse
import html
from pathlib import Path
from typing import TextIO

import pandas as pd

from spasm_analysis.commands import Command, load_log

from .output import OutputPath, input_files
from ..options import check_option

__all__ = ["clinician_html", "write_clinician", "PAPER_SIZES"]

PAPER_SIZES = ("A4", "Letter")

_CSS = """
@page { size: %(paper)s; margin: 10mm; }
body { font: 9.5pt/1.25 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733; margin: 0; }
h1 { font-size: 13pt; margin: 0 0 2pt; } h2 { font-size: 10.5pt; margin: 7pt 0 2pt; border-bottom: 1px solid #ccd3da; }
p { margin: 2pt 0; } .muted { color: #5b6774; font-size: 8pt; }
.flag { color: #a4161a; font-weight: 700; } .care { border: 1.5pt solid #a4161a; padding: 3pt 7pt; margin: 4pt 0; }
.care ul { margin: 1pt 0 1pt 12pt; padding: 0; } .care li { margin: 0; }
table { border-collapse: collapse; width: 100%%; font-size: 8.5pt; } td, th { border-bottom: 1px solid #e3e7eb; padding: 1pt 3pt; text-align: left; vertical-align: top; }
th { background: #f1f4f7; } .months td, .months th { text-align: center; }
"""


def _short(value, width: int = 90) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(frame: pd.DataFrame, cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = "".join(f"<td>{'' if (v is None or (isinstance(v, float) and pd.isna(v))) else html.escape(_short(v if not isinstance(v, float) else f'{v:g}'))}</td>" for v in values)
        rows.append(f"<tr>{cells}</tr>")
    return f'<table class="{cls}"><tr>{head}</tr>{"".join(rows)}</table>'


def clinician_html(summary, *, paper: str = "A4", title: str = "Back-spasm log: summary for a clinician") -> str:
    """The :class:`~spasm_analysis.ClinicianSummary` as one printable HTML page.

    Parameters
    ----------
    summary : ClinicianSummary
    paper : {"A4", "Letter"}
    title : str

    Examples
    --------
    >>> page = clinician_html(sa.clinician_summary(log), paper="Letter")  # doctest: +SKIP
    """
    from spasm_analysis.personal.red_flags import CARE_HEADING, WHEN_TO_GET_CARE

    check_option("paper", paper, PAPER_SIZES)
    parts = [f"<h1>{html.escape(title)}</h1>",
             f'<p class="muted">From the person\'s own log, as of {summary.as_of:%Y-%m-%d}. '
             "Counts from the record, to support a conversation; not a diagnosis.</p>"]
    flags = summary.red_flags if summary.red_flags is not None else pd.DataFrame()
    parts.append("<h2>Red flags</h2>")
    if len(flags):
        # The last year in full; earlier ones in one line, so the page stays one page.
        recent = flags["ongoing"] | (flags["onset"] >= summary.as_of - pd.DateOffset(years=1))
        shown = flags[recent] if recent.any() else flags.tail(3)
        parts += [f'<p class="flag">{html.escape(reason)}</p>' for reason in shown["reason"]]
        earlier = flags.drop(shown.index)
        if len(earlier):
            years = f"{earlier['onset'].min():%Y}" + (f"-{earlier['onset'].max():%Y}" if earlier["onset"].min().year != earlier["onset"].max().year else "")
            parts.append(f'<p class="flag">Earlier: {len(earlier)} more episode(s) lasted more than a week ({years}).</p>')
    else:
        parts.append("<p>No episode in the log lasted more than a week.</p>")
    items = "".join(f"<li>{html.escape(line)}</li>" for line in WHEN_TO_GET_CARE)
    parts.append(f'<div class="care"><strong>{html.escape(CARE_HEADING)}</strong><ul>{items}</ul></div>')
    if summary.recent_episodes is not None and len(summary.recent_episodes):
        parts += ["<h2>Recent episodes</h2>", _table(summary.recent_episodes.head(6).dropna(axis=1, how="all"))]
    if summary.per_month is not None and len(summary.per_month):
        months = summary.per_month.set_index("Month").T.reset_index().rename(columns={"index": ""})
        parts += ["<h2>Episodes per month (last 12 months)</h2>", _table(months, "months")]
    window = summary.table.rename(columns={
        "period": "Period", "episodes": "Episodes", "episodes_per_month": "Per month",
        "episode_days_per_month": "Days in an episode per month", "pct_change_episodes": "Change vs baseline (%)",
    })[["Period", "Episodes", "Per month", "Days in an episode per month", "Change vs baseline (%)"]].round(
        {"Per month": 2, "Days in an episode per month": 1, "Change vs baseline (%)": 0})
    parts += ["<h2>Frequency and lengths</h2>", _table(window),
              f"<p>Longest stretch without an episode: {summary.longest_free_days:.0f} days "
              f"({summary.longest_free_start:%Y-%m-%d} to {summary.longest_free_end:%Y-%m-%d}"
              f"{', still going' if summary.longest_free_open else ''}).</p>"]
    if summary.lengths:
        parts.append(f"<p>{html.escape(summary.lengths)}</p>")
    parts += [f"<p>{html.escape(flag)}</p>" for flag in summary.flags if "longer than" not in flag]
    if summary.treatments is not None and len(summary.treatments):
        tried = summary.treatments
        shown = 6  # with the log's own answer beside each, six rows keep the page to one sheet
        more = f'<p class="muted">And {len(tried) - shown} more, tried earlier.</p>' if len(tried) > shown else ""
        parts += ["<h2>Treatments and medications tried (most recent first)</h2>", _table(tried.head(shown)), more]
    parts.append(f'<p class="muted">{html.escape(summary.interpretation)}</p>')
    style = _CSS % {"paper": paper}
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")


def _checked_output(output, inputs) -> OutputPath:
    """The output checked as the report's is (never an input, not a folder, a name that can be written)."""
    output = Path(output)
    if output.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise ValueError(f"the clinician summary is written as .html or .pdf, not {output.suffix or 'a file without a suffix'}")
    # A PDF is printed from an .html written next to it, which must not replace an input either.
    return OutputPath(output, list(inputs), siblings=(".html",) if output.suffix.lower() == ".pdf" else ())


def write_clinician(log, output, *, paper: str = "A4", inputs=()) -> Path:
    """Write the clinician summary of ``log`` to ``output`` (``.html`` or ``.pdf``, via headless Chromium).

    ``inputs``: the files the log was read from, which the output may not replace
    (the checks of :class:`~spasm_analysis.report.output.OutputPath`, as for the report).
    """
    from spasm_analysis.personal.clinician import clinician_summary

    with _checked_output(output, inputs) as target:
        page = clinician_html(clinician_summary(log), paper=paper)
        if target.path.suffix.lower() == ".pdf":
            from .pdf import print_pdf

            source = target.path.with_suffix(".html")
            source.write_text(page, encoding="utf-8")
            print_pdf(source, target.path)
        else:
            target.path.write_text(page, encoding="utf-8")
        target.keep()
    return target.path


def add_window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", metavar="DATE", help="analyse only what was logged from this date on (e.g. 2015-01-01)")
    parser.add_argument("--until", metavar="DATE", help="analyse only what was logged before this date")


def cut_window(log, args):
    """``log.between(--since, --until)`` when either was given."""
    if getattr(args, "since", None) or getattr(args, "until", None):
        return log.between(args.since, args.until)
    return log


def _configure(parser: argparse.ArgumentParser) -> None:
    from spasm_analysis.reading import add_reading_options

    parser.add_argument("path", help="a folder of table files, one episode or calendar file, or an app export")
    parser.add_argument("-o", "--output", default="summary.html", help="summary.html or summary.pdf (default: summary.html)")
    parser.add_argument("--paper", choices=PAPER_SIZES, default="A4", help="page size (default: A4)")
    add_window_options(parser)
    add_reading_options(parser)


def _run(args: argparse.Namespace, out: TextIO) -> int:
    import sys

    from spasm_analysis.reading import reading_options

    inputs = input_files(Path(args.path)) if Path(args.path).exists() else []
    _checked_output(args.output, inputs)  # before reading, so a bad output fails at once
    log = cut_window(load_log(args.path, err=sys.stderr, **reading_options(args)), args)
    path = write_clinician(log, args.output, paper=args.paper, inputs=inputs)
    print(f"Clinician summary written to {path.resolve()}", file=out)
    return 0


CLINICIAN_COMMAND = Command(
    name="clinician",
    help="write the one-page summary for a clinician visit (HTML, or PDF through Chromium)",
    configure=_configure,
    run=_run,
)
