"""Helpers shared by the benchmark scripts: timing, peak memory, RESULTS.md sections."""

from __future__ import annotations

import re
import time
import tracemalloc
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).with_name("RESULTS.md")


def median_time(func, repeats: int = 3) -> tuple[float, object]:
    """Median wall time of ``repeats`` calls, and the last call's result."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def peak_mib(func) -> float:
    """Peak Python-allocated memory of one call, in MiB (tracemalloc)."""
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def write_section(section: str, text: str) -> None:
    """Replace (or append) one benchmark's own section of benchmarks/RESULTS.md."""
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    block = f"{start}\n{text.strip()}\n{end}"
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    updated = pattern.sub(lambda _: block, current) if pattern.search(current) else current.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(updated)


def markdown_table(frame) -> str:
    """A DataFrame as a GitHub markdown table (no extra dependency)."""
    columns = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)
