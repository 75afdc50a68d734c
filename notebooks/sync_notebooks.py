"""Execute the notebook scripts and write the paired, executed ``.ipynb`` files.

The notebooks are kept as jupytext percent scripts (``notebooks/NN_name.py``): that is the
file to edit and review. Each is paired with ``NN_name.ipynb``, the same cells with their
outputs, so the notebook reads on GitHub without running anything. After editing a script
(or a notebook in Jupyter with jupytext installed, which keeps the pair in step), run from
the repository root:

    python notebooks/sync_notebooks.py              # every notebook
    python notebooks/sync_notebooks.py 02_cohort    # the ones whose name starts so
    python notebooks/sync_notebooks.py --check      # only report pairs out of step

(``make notebooks`` runs the first form.) The kernel is the Python running this script, so
the notebooks use the package this interpreter imports, not whatever a machine's "python3"
kernel points at. ``tests/test_notebooks.py`` checks that every pair is in step and that
every script runs top to bottom.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
KERNEL_NAME = "spasm-analysis-python"


def scripts() -> list[Path]:
    """The notebook scripts, in reading order."""
    return sorted(HERE.glob("[0-9][0-9]_*.py"))


@contextlib.contextmanager
def this_interpreter_kernel():
    """A kernel manager whose kernel is ``sys.executable`` (a throwaway kernelspec)."""
    with tempfile.TemporaryDirectory() as folder:
        spec_dir = Path(folder) / KERNEL_NAME
        spec_dir.mkdir()
        (spec_dir / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3", "language": "python"}))
        manager = KernelManager(kernel_name=KERNEL_NAME,
                                kernel_spec_manager=KernelSpecManager(kernel_dirs=[folder]))
        try:
            yield manager
        finally:
            # nbclient leaves a kernel it was handed running
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)


def execute(script: Path, timeout: float = 300, record_timing: bool = False) -> nbformat.NotebookNode:
    """Run a notebook script top to bottom and return the notebook with its outputs."""
    notebook = jupytext.read(script)
    with this_interpreter_kernel() as manager:
        NotebookClient(notebook, km=manager, timeout=timeout, record_timing=record_timing,
                       resources={"metadata": {"path": str(script.parent)}}).execute()
    # the pair declares the ordinary kernel so that Jupyter opens it with the user's Python
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def cells(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def out_of_step(script: Path) -> str | None:
    """Why ``script`` and its ``.ipynb`` differ (cell types or sources), or None when in step."""
    paired = script.with_suffix(".ipynb")
    if not paired.exists():
        return f"{paired.name} is missing"
    left, right = cells(jupytext.read(script)), cells(nbformat.read(paired, as_version=4))
    if len(left) != len(right):
        return f"{script.name} has {len(left)} cells, {paired.name} has {len(right)}"
    for number, (a, b) in enumerate(zip(left, right), start=1):
        if a != b:
            return f"cell {number} differs between {script.name} and {paired.name}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebook name prefixes (default: all)")
    parser.add_argument("--check", action="store_true", help="only report pairs out of step")
    args = parser.parse_args(argv)
    chosen = [s for s in scripts() if not args.names or any(s.stem.startswith(n) for n in args.names)]
    if not chosen:
        parser.error(f"no notebook script matches {args.names}; have {[s.stem for s in scripts()]}")
    if args.check:
        problems = [p for p in map(out_of_step, chosen) if p]
        print("\n".join(problems) or f"{len(chosen)} notebook pairs in step")
        return 1 if problems else 0
    for script in chosen:
        nbformat.write(execute(script), script.with_suffix(".ipynb"))
        print("executed", script.name, "->", script.with_suffix(".ipynb").name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
