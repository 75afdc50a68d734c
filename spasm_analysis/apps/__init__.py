"""Import the exports of symptom-tracking apps as an :class:`~spasm_analysis.log.EpisodeLog`.

:func:`read_app_export` reads Bearable, Migraine Buddy, Flaredown and Daylio CSV
exports and Apple Health's ``export.xml`` (or its zip).  Each app has its own
module; :mod:`.daily` holds the shared rules that turn daily symptom records
into episodes and logged days into follow-up windows.

When the app is detected from the file, an :class:`AppDetectedWarning` says
which app was assumed (and the same sentence is logged at INFO level on the
``spasm_analysis.apps`` logger), so a wrong guess is never silent.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from ..log import EpisodeLog
from .detect import detect_app
from .registry import APPS, LABELS, REGISTRY, SIGNATURES, AppFormat, reader_of
from .source import ExportNoteWarning
from ..options import check_option

__all__ = ["read_app_export", "detect_app", "APPS", "REGISTRY", "AppFormat", "AppDetectedWarning",
           "DateOrderInferredWarning", "ExportNoteWarning"]

_logger = logging.getLogger(__name__)


class AppDetectedWarning(UserWarning):
    """``app`` was not given; the app was detected from the file (the message says which)."""


class DateOrderInferredWarning(UserWarning):
    """Day-first or month-first dates were inferred from the data (the message says which)."""


def read_app_export(
    path, *, app: str | None = None, symptom: str | None = None, min_severity: float | None = None, **options
) -> EpisodeLog:
    """Read a tracking app's export into a validated :class:`EpisodeLog`.

    Daily symptom records become episodes by joining consecutive symptom days;
    a single day with no entry at all does not split an episode, a logged day
    without the symptom does.  The days on which anything was logged become the
    follow-up windows, so a gap in logging is never read as an episode-free
    stretch (see :mod:`spasm_analysis.apps.daily`).

    Parameters
    ----------
    path : str or Path
        The export: a CSV file, Apple Health ``export.xml`` (any localized
        name), the export zip or the folder it unzips to.
    app : {"bearable", "migraine_buddy", "flaredown", "daylio", "apple_health"}, optional
        Which app wrote the file.  Detected from the file when omitted, with an
        :class:`AppDetectedWarning` naming the app.
    symptom : str, optional
        The symptom that defines an episode: a name as the app writes it, or a
        regular expression (every matching symptom is used).  Without it, an
        export holding several symptoms raises an error listing them.
    min_severity : float, optional
        Symptom records below this severity (0-10 scale) count as symptom-free.
    **options
        App-specific options: ``dayfirst`` and ``follow_up`` (Migraine Buddy),
        ``language`` (Daylio's older layout, e.g. ``"pl"``), ``encoding`` (the
        CSV exports; by default from the byte-order mark, else UTF-8),
        ``max_xml_bytes`` (Apple Health).

    Returns
    -------
    EpisodeLog
        Episodes, treatments, exposures, follow-up windows (and covariates for
        Flaredown's multi-subject research dump).

    Raises
    ------
    LogValidationError
        Listing every problem found in the file, each with its line and field.

    Examples
    --------
    >>> import spasm_analysis as sa
    >>> log = sa.read_app_export("tests/fixtures/apps/daylio.csv", symptom="back spasm")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such export file: {path}")
    if app is None:
        app = detect_app(path)
        message = f"{path.name}: detected app {LABELS[app]} ({SIGNATURES[app]}); pass app={app!r} to skip detection"
        _logger.info(message)
        warnings.warn(message, AppDetectedWarning, stacklevel=2)
    else:
        check_option("app", app, APPS)
    return reader_of(app)(path, symptom=symptom, min_severity=min_severity, **options)
