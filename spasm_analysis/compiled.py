"""Compiled loops: numba when it is installed, plain Python otherwise.

numba is a dependency of the package (``pyproject.toml``) and compiles the
row loops of the Cox engine, the MCF, the change-point search and the integer
coding.  An environment that installed the package without it still imports
and gives the same results: the decorated functions then run as ordinary
Python, which is much slower on large cohorts, and a warning says so once.

Example
-------
>>> @njit(nogil=True)
... def add_one(x):
...     return x + 1
>>> add_one(1)
2
"""

from __future__ import annotations

import warnings

try:
    import numba
except ImportError:  # pragma: no cover - exercised by tests/test_without_numba.py in a subprocess
    numba = None
    warnings.warn("numba is not installed: spasm_analysis runs its compiled loops as plain Python (the same "
                  "results, much slower on large data); `pip install numba` to speed them up", RuntimeWarning, stacklevel=2)

__all__ = ["njit", "numba"]


def njit(**options):
    """``numba.njit(**options)``, or a decorator that leaves the function as it is when numba is missing."""
    if numba is not None:
        return numba.njit(**options)
    return lambda function: function
