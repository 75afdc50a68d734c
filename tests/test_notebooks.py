"""The notebooks: each jupytext script is in step with its executed .ipynb, and runs top to bottom."""

import importlib.util
from datetime import datetime
from pathlib import Path

import pytest

pytest.importorskip("nbclient")
pytest.importorskip("jupytext")

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
_spec = importlib.util.spec_from_file_location("sync_notebooks", NOTEBOOK_DIR / "sync_notebooks.py")
sync_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sync_notebooks)

SCRIPTS = sync_notebooks.scripts()
# A guard against a notebook that hangs, not a speed target (speed lives in benchmarks/): quietly the
# slowest notebook runs in about 13 s, and on a loaded 2-core machine a 60 s limit could fail by chance.
TIME_LIMIT_S = 300.0


def test_there_are_notebooks():
    names = {p.name for p in SCRIPTS}
    assert {"01_personal_log.py", "02_cohort_recurrence.py", "03_treatment_effects.py",
            "04_import_your_data.py"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_script_and_notebook_in_step(script):
    assert sync_notebooks.out_of_step(script) is None, (
        f"{sync_notebooks.out_of_step(script)}: run `python notebooks/sync_notebooks.py {script.stem}`")
    executed = sync_notebooks.nbformat.read(script.with_suffix(".ipynb"), as_version=4)
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), f"{script.with_suffix('.ipynb').name} is committed executed"


def test_out_of_step_is_detected(tmp_path):
    script = tmp_path / "01_x.py"
    script.write_text("# %%\nprint(1)\n")
    assert "missing" in sync_notebooks.out_of_step(script)
    notebook = sync_notebooks.jupytext.read(script)
    notebook.cells[0].source = "print(2)"
    sync_notebooks.nbformat.write(notebook, script.with_suffix(".ipynb"))
    assert "cell 1 differs" in sync_notebooks.out_of_step(script)


def test_kernel_is_this_interpreter():
    import sys

    with sync_notebooks.this_interpreter_kernel() as manager:
        assert manager.kernel_spec.argv[0] == sys.executable


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_notebook_runs(script):
    notebook = sync_notebooks.execute(script, record_timing=True)
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "every code cell ran"
    # from the first cell's start to the last cell's reply, as nbclient records it (kernel start-up excluded)
    first, last = code[0].metadata["execution"], code[-1].metadata["execution"]
    elapsed = (datetime.fromisoformat(last["shell.execute_reply"].replace("Z", "+00:00"))
               - datetime.fromisoformat(first["iopub.execute_input"].replace("Z", "+00:00"))).total_seconds()
    assert 0 < elapsed < TIME_LIMIT_S, f"{script.name} took {elapsed:.0f} s"
