"""Print the HTML report to PDF with headless Chromium (optional; no Python dependency)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["find_chromium", "print_pdf", "CHROMIUM_FLAGS"]

#: Flags that keep Chromium off the network and away from the user's profile.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html_path, pdf_path, *, timeout: float = 120.0) -> Path:
    """Render ``html_path`` to ``pdf_path``; raises RuntimeError when Chromium is missing or fails."""
    browser = find_chromium()
    if browser is None:
        raise RuntimeError("--pdf needs Chromium (e.g. `apt-get install chromium`); the HTML report was written")
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    with tempfile.TemporaryDirectory() as profile:
        command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                   f"--print-to-pdf={pdf_path}", html_path.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not pdf_path.exists():
        raise RuntimeError(f"Chromium could not print the PDF: {done.stderr.strip()[-400:]}")
    return pdf_path
