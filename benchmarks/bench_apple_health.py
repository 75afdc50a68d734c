"""Apple Health import: time and peak memory reading a ~1 GB synthetic export.

Target: a 1 GB ``export.xml`` is read in under 500 MB of memory.
The export is generated in a temporary directory (see
``tests/apple_health_synthetic.py``: heart-rate samples around a repeating
symptom cycle with a known number of episodes), then read by
``sa.read_app_export`` in a fresh Python process so that its peak resident set
size (``ru_maxrss``) belongs to the import alone.  The same data is also read
from a zip.

Prints a table and replaces the ``bench_apple_health`` section of
benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/bench_apple_health.py            # ~1 GB
    .venv/bin/python benchmarks/bench_apple_health.py --size-mb 200 --no-write
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from bench_common import write_section  # noqa: E402
from apple_health_synthetic import write_synthetic_export  # noqa: E402

RESULTS = HERE / "RESULTS.md"
SECTION = "bench_apple_health"
TARGET_MB = 500

_CHILD = """
import json, resource, sys, time, warnings
import spasm_analysis as sa
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
log = sa.read_app_export(sys.argv[1], app="apple_health")
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "baseline_mb": baseline, "n_episodes": log.n_episodes,
                  "n_windows": len(log.follow_up)}))
"""


def measure(path: Path) -> dict:
    """Read ``path`` in a fresh interpreter; return its time and peak RSS (Linux ru_maxrss is in KiB)."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])




def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=1000.0, help="size of the synthetic export.xml")
    parser.add_argument("--no-zip", action="store_true", help="skip reading the zipped export")
    parser.add_argument("--no-write", action="store_true", help="do not update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        variants = [("export.xml", False)] + ([] if args.no_zip else [("export.zip", True)])
        for name, zipped in variants:
            path = Path(folder) / name
            began = time.perf_counter()
            expected = write_synthetic_export(path, size_mb=args.size_mb, zipped=zipped)
            generated = time.perf_counter() - began
            result = measure(path)
            ok = result["n_episodes"] == expected["n_episodes"] and result["n_windows"] == expected["n_windows"]
            rows.append({
                "file": name, "xml_mb": expected["bytes"] / 1e6, "file_mb": path.stat().st_size / 1e6,
                "generate_s": generated, "read_s": result["seconds"], "xml_mb_per_s": expected["bytes"] / 1e6 / result["seconds"],
                "peak_rss_mb": result["peak_mb"], "after_import_mb": result["baseline_mb"],
                "episodes": result["n_episodes"], "correct": ok,
            })
            path.unlink()

    header = "| file | XML MB | file MB | read s | XML MB/s | peak RSS MB | RSS after import MB | episodes (expected) |"
    lines = [header, "|" + "---|" * 8]
    for r in rows:
        lines.append(f"| {r['file']} | {r['xml_mb']:.0f} | {r['file_mb']:.0f} | {r['read_s']:.1f} | {r['xml_mb_per_s']:.1f} | "
                     f"{r['peak_rss_mb']:.0f} | {r['after_import_mb']:.0f} | {r['episodes']} ({'ok' if r['correct'] else 'WRONG'}) |")
    worst = max(r["peak_rss_mb"] for r in rows)
    verdict = f"- peak memory {worst:.0f} MB for a {rows[0]['xml_mb']:.0f} MB export (target < {TARGET_MB} MB): " + (
        "met" if worst < TARGET_MB else "NOT met")
    text = "\n".join([
        "## Apple Health import (`benchmarks/bench_apple_health.py`)",
        "",
        f"Synthetic export (heart-rate samples around a 10-day symptom cycle), read with "
        f"`sa.read_app_export(..., app='apple_health')` in a fresh process; peak RSS is `ru_maxrss` of that process "
        f"(it includes importing pandas and spasm_analysis). Python {platform.python_version()}, {platform.machine()}.",
        "",
        *lines,
        "",
        verdict,
    ])
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
        print(f"wrote the {SECTION} section of {RESULTS}")


if __name__ == "__main__":
    main()
