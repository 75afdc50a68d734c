"""Without numba (or tqdm) the package still imports and gives the same numbers (compiled loops run as Python)."""

import json
import subprocess
from pathlib import Path
import sys
import textwrap

import numpy as np

import pandas as pd

import spasm_analysis as sa

BLADDER2 = Path(__file__).parent / "reference" / "data" / "bladder2.csv"  # R survival's bladder2
SCRIPT = textwrap.dedent("""
    import json, sys, warnings
    sys.modules["numba"] = None  # import numba now raises ImportError
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import spasm_analysis as sa
    from spasm_analysis.compiled import numba
    assert numba is None
    import pandas as pd
    data = pd.read_csv(sys.argv[1], comment="#").rename(columns={"id": "subject"})
    ag = sa.andersen_gill(data, ["rx", "number", "size"])
    pwp = sa.pwp(data, ["rx", "number", "size"])
    curve = sa.mcf(data)
    from spasm_analysis.sorted_codes import sorted_codes
    import numpy as np
    labels, codes = sorted_codes(np.array([-128, 100, -128, 0, 127], dtype=np.int8))
    print(json.dumps({"int8": [labels.tolist(), codes.tolist()],"ag": ag.summary["coef"].tolist(), "ag_se": ag.summary["robust se"].tolist(),
                      "pwp": pwp.summary["coef"].tolist(), "mcf": curve.table["mcf"].tolist(),
                      "warned": [str(w.message) for w in caught if "numba is not installed" in str(w.message)]}))
""")


def test_same_results_without_numba():
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(BLADDER2)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    plain = json.loads(run.stdout.strip().splitlines()[-1])
    data = pd.read_csv(BLADDER2, comment="#").rename(columns={"id": "subject"})
    ag = sa.andersen_gill(data, ["rx", "number", "size"])
    pwp = sa.pwp(data, ["rx", "number", "size"])
    assert len(plain["warned"]) == 1
    assert plain["int8"] == [[-128, 0, 100, 127], [0, 2, 0, 1, 3]]  # small integer types do not wrap
    np.testing.assert_allclose(plain["ag"], ag.summary["coef"], rtol=1e-12)
    np.testing.assert_allclose(plain["ag_se"], ag.summary["robust se"], rtol=1e-12)
    np.testing.assert_allclose(plain["pwp"], pwp.summary["coef"], rtol=1e-12)
    np.testing.assert_allclose(plain["mcf"], sa.mcf(data).table["mcf"], rtol=1e-12)


def test_imports_without_tqdm():
    """tqdm only draws progress bars: the package and its public names import without it."""
    names = ["EpisodeLog", "read_log", "to_counting_process", "mcf", "andersen_gill", "pwp", "treatment_effect",
             "change_points", "trend_summary", "forecast_next_episode"]
    script = ("import sys; sys.modules['tqdm'] = None\n"
              "import spasm_analysis as sa\n"
              f"print([n for n in {names!r} if not callable(getattr(sa, n, None))])")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]"
