"""Running one report section so that a failure explains itself instead of crashing.

An analysis can be impossible on a given log (no exposures recorded on days
without an episode, too few episodes for a trend test, one group only); the
section then says why in plain words and the rest of the report goes on.
"""

from __future__ import annotations

import warnings


from .html import Section, note, text

__all__ = ["run_section", "run_sections", "SectionUnavailable", "caught_warnings"]


class SectionUnavailable(Exception):
    """Raised inside a section builder with a plain sentence saying why it cannot be shown."""


def caught_warnings(records) -> str:
    """Warnings raised while a section ran, as a list the reader can see."""
    seen = list(dict.fromkeys(str(w.message) for w in records))
    if not seen:
        return ""
    items = "".join(f"<li>{text(m)}</li>" for m in seen)
    return f'<details class="small"><summary>Warnings while computing this section ({len(seen)})</summary><ul>{items}</ul></details>'


def run_sections(specs, *args, progress: bool = True) -> list[Section]:
    """Run each ``(anchor, title, build)`` of ``specs`` with ``args``, under a tqdm bar on stderr.

    With ``progress=True`` the bar is drawn only when stderr is a terminal
    (tqdm's ``disable=None``), so pipes, files and captured output stay clean;
    ``progress=False`` turns it off everywhere.
    """
    from tqdm import tqdm  # imported here: the package imports (and computes) without tqdm installed

    sections = []
    with tqdm(specs, desc="report", unit="section", disable=None if progress else True, leave=False) as bar:
        for anchor, title, build in bar:
            bar.set_postfix_str(title, refresh=True)
            sections.append(run_section(anchor, title, build, *args))
    return sections


def run_section(anchor: str, title: str, build, *args) -> Section:
    """Call ``build(*args) -> html``; on failure return a section saying why."""
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        try:
            body = build(*args)
        except SectionUnavailable as reason:
            return Section(anchor, title, f'<div class="unavailable-box">{text(reason)}</div>', "unavailable")
        except Exception as error:  # a section must not take the whole report down
            message = str(error).strip() or type(error).__name__
            body = (
                '<div class="unavailable-box">This part could not be computed for this log. '
                f"The analysis stopped with: <em>{text(message)}</em></div>"
            )
            return Section(anchor, title, body, "unavailable")
    return Section(anchor, title, body + caught_warnings(records))
