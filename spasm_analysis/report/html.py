"""Pieces of one self-contained HTML page: escaped text, tables, inlined figures.

Everything a user wrote (notes, names of treatments and triggers, column
values) passes through :func:`text` or :func:`table`, which escape it, so a
note holding ``<script>`` is shown as those characters.  Figures are inlined
as base64 PNG and the page carries a Content-Security-Policy that forbids
fetching anything, so opening the report never touches the network.
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Section", "text", "para", "note", "figure", "table", "key_values", "document"]

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class Section:
    """One titled part of the report; ``status`` is "ok" or "unavailable"."""

    anchor: str
    title: str
    body: str
    status: str = "ok"


def text(value) -> str:
    """Any value as escaped HTML text."""
    return html.escape("" if value is None else str(value), quote=True)


def para(*sentences, cls: str | None = None) -> str:
    body = " ".join(text(s) for s in sentences if s)
    if not body:
        return ""
    return f'<p class="{cls}">{body}</p>' if cls else f"<p>{body}</p>"


def note(*sentences) -> str:
    """A shaded box for a caveat or an explanation of why something is missing."""
    body = " ".join(text(s) for s in sentences if s)
    return f'<div class="note">{body}</div>' if body else ""


def figure(ax_or_fig, caption: str, *, dpi: int = 110) -> str:
    """The figure as an inlined PNG with a caption; the figure is closed afterwards."""
    import matplotlib.pyplot as plt

    fig = getattr(ax_or_fig, "figure", ax_or_fig)
    buffer = io.BytesIO()
    # no metadata: the PNG then holds nothing but the picture (matplotlib would write its URL)
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white",
                metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'<figure><img alt="{text(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{text(caption)}</figcaption></figure>")


def _cell(value, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return '<span class="na">&ndash;</span>'
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        if math.isinf(value):
            return "&infin;" if value > 0 else "&minus;&infin;"
        if abs(value) >= 10 ** digits:
            return text(f"{value:.0f}") if abs(value) < 1e12 else text(f"{value:.3e}")
        return text(f"{value:.{digits}g}")
    if isinstance(value, pd.Timestamp):
        return text(value.strftime("%Y-%m-%d") if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M"))
    return text(value)


def table(frame: pd.DataFrame, *, digits: int = 4, index: bool = False, max_rows: int = 60, caption: str = "") -> str:
    """A DataFrame as an escaped HTML table (numbers right-aligned, long tables cut with a note)."""
    if frame is None or len(frame) == 0:
        return para("(no rows)")
    shown = frame.reset_index() if index else frame
    cut = len(shown) > max_rows
    if cut:
        shown = shown.head(max_rows)
    numeric = [pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c]) for c in shown.columns]
    head = "".join(f'<th class="{"num" if n else ""}">{text(c)}</th>' for c, n in zip(shown.columns, numeric))
    rows = []
    for values in shown.itertuples(index=False):
        cells = "".join(f'<td class="{"num" if n else ""}">{_cell(v, digits)}</td>' for v, n in zip(values, numeric))
        rows.append(f"<tr>{cells}</tr>")
    more = para(f"Showing the first {max_rows} of {len(frame)} rows.", cls="small") if cut else ""
    cap = f"<caption>{text(caption)}</caption>" if caption else ""
    return f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>{more}'


def key_values(pairs) -> str:
    """A two-column definition table of (label, value) pairs."""
    rows = "".join(f"<tr><th>{text(k)}</th><td>{text(v)}</td></tr>" for k, v in pairs)
    return f'<table class="kv"><tbody>{rows}</tbody></table>'


_CSS = """
:root { --ink:#1f2328; --muted:#5a6270; --rule:#d8dce2; --accent:#b2182b; --wash:#f6f7f9; }
* { box-sizing: border-box; }
body { margin:0; color:var(--ink); background:#fff;
  font: 15px/1.55 -apple-system, "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
header { padding: 28px 40px 18px; border-bottom: 3px solid var(--accent); background: var(--wash); }
header h1 { margin:0 0 4px; font-size: 26px; letter-spacing: -0.01em; }
header p { margin: 2px 0; color: var(--muted); }
.layout { display:flex; align-items:flex-start; }
nav { position: sticky; top: 0; flex: 0 0 220px; padding: 20px 16px 20px 28px; font-size: 13.5px; }
nav ol { margin:0; padding-left: 18px; }
nav li { margin: 4px 0; }
nav a { color: var(--ink); text-decoration: none; }
nav a:hover { color: var(--accent); }
nav .unavailable a { color: var(--muted); }
main { flex: 1 1 auto; max-width: 1100px; padding: 8px 40px 60px 24px; }
section { padding: 18px 0 10px; border-bottom: 1px solid var(--rule); }
h2 { font-size: 20px; margin: 10px 0 8px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
figure { margin: 14px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eceef1; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.table-wrap { overflow-x: auto; margin: 8px 0 12px; }
table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; white-space: nowrap; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #9aa3ad; font-weight: 600; }
td.num, th.num { text-align: right; }
caption { text-align: left; color: var(--muted); font-size: 13px; padding-bottom: 4px; }
table.kv th { font-weight: 600; color: var(--muted); width: 15em; }
table.kv td { white-space: normal; }
.na { color: #9aa3ad; }
.note { background: #fbf6e9; border-left: 4px solid #d9a520; padding: 8px 12px; margin: 10px 0; font-size: 14px; }
.unavailable-box { background: var(--wash); border-left: 4px solid #9aa3ad; padding: 8px 12px; margin: 10px 0; }
.finding { font-size: 15.5px; }
.small { color: var(--muted); font-size: 13px; }
.flag { color: var(--accent); font-weight: 600; }
.care { border: 2px solid var(--accent); border-radius: 6px; padding: 0.4em 1em; margin: 0.8em 0; }
footer { padding: 18px 40px 40px; color: var(--muted); font-size: 13px; }
@media print { nav { display:none; } main { padding: 0 12px; } section { break-inside: avoid-page; } }
"""


def document(title: str, subtitle_lines, sections, footer: str) -> str:
    """The whole page: header, table of contents, sections, footer."""
    toc = "".join(
        f'<li class="{s.status}"><a href="#{text(s.anchor)}">{text(s.title)}</a></li>' for s in sections
    )
    body = "".join(
        f'<section id="{text(s.anchor)}"><h2>{text(s.title)}</h2>{s.body}</section>' for s in sections
    )
    sub = "".join(f"<p>{text(line)}</p>" for line in subtitle_lines)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text(title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{text(title)}</h1>{sub}</header>"
        f'<div class="layout"><nav aria-label="Contents"><ol>{toc}</ol></nav><main>{body}</main></div>'
        f"<footer>{text(footer)}</footer></body></html>\n"
    )
