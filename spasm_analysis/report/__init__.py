"""The self-contained HTML report (``spasm-analysis report PATH -o report.html``)."""

from .build import build_report, load_for_report, write_report

__all__ = ["build_report", "load_for_report", "write_report"]
