"""Compile generated numba source once per shape, with numba's on-disk cache.

A loop whose body is written out for a fixed number of covariates keeps every
per-row value in a register; the same loop over a run-time ``range(p)`` goes
through memory and is several times slower (numba cannot unroll it). So the
hottest kernels are generated as source text for each p, written once to a
per-user cache directory (``$SPASM_ANALYSIS_CACHE``, else
``$XDG_CACHE_HOME/spasm_analysis`` or ``~/.cache/spasm_analysis``) and
imported from there, so that numba's ``cache=True`` keeps the machine code
between sessions. If that directory cannot be written, the source is compiled
in memory (correct, only slower to start). Without numba (see
:mod:`spasm_analysis.compiled`) the source runs as plain Python.

Example
-------
>>> add = compiled_function("def add_one(x):\\n    return x + 1\\n", "add_one")
>>> add(1)
2
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..compiled import numba

__all__ = ["compiled_function", "cache_directory"]

_HEADER = "import numba\nimport numpy as np\n\n\n"
_DECORATOR = "@numba.njit(cache={cache}, nogil=True)\n"


def cache_directory() -> Path:
    """Where generated kernels (and numba's cache of them) are kept."""
    explicit = os.environ.get("SPASM_ANALYSIS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "spasm_analysis" / f"kernels-numba{numba.__version__}"


@lru_cache(maxsize=None)
def compiled_function(source: str, name: str):
    """The numba-compiled function ``name`` defined by ``source`` (one definition)."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    if numba is None:
        return _in_memory(source, name, decorator="")
    try:
        directory = cache_directory()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}_{digest}.py"
        if not path.exists():
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(_HEADER + _DECORATOR.format(cache=True) + source)
            os.replace(temporary, path)  # atomic: concurrent processes see whole files
        module_name = f"spasm_analysis_kernel_{name}_{digest}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        # numba's cache re-imports the defining module by name when it loads machine code
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        return getattr(module, name)
    except OSError:
        return _in_memory(source, name, decorator=_DECORATOR.format(cache=False))


def _in_memory(source: str, name: str, decorator: str):
    namespace = {"numba": numba, "np": np}
    exec(compile(decorator + source, f"<{name}>", "exec"), namespace)
    return namespace[name]
