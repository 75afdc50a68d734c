"""Integer codes of values in the sorted order of their distinct values, without sorting all rows.

``np.unique(values, return_inverse=True)`` sorts all n values. Recurrent-event
data repeat a few distinct values many times (whole-day times, subject ids,
episode numbers, strata), so two cheaper routes give the same answer:

* integers in a modest range: a presence table over the range, O(n);
* many repeats otherwise: hashing (``pandas.factorize``) then a sort of the
  few distinct values only.

Mostly distinct values (judged on a sample) are sorted outright.

Example
-------
>>> import numpy as np
>>> uniques, codes = sorted_codes(np.array([7, 3, 7, 5]))
>>> uniques.tolist(), codes.tolist()
([3, 5, 7], [2, 0, 2, 1])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from .compiled import njit

__all__ = ["sorted_codes"]


def sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)``: sorted distinct values and int64 codes.

    ``values`` is a 1-d numeric array without NaN (the callers validate first).
    """
    values = np.asarray(values)
    n = len(values)
    if n == 0:
        return values[:0], np.zeros(0, dtype=np.int64)
    if np.issubdtype(values.dtype, np.integer):
        low, high = int(values.min()), int(values.max())
        if high - low <= 4 * n + 65536:
            first = values.dtype.type(low)  # in the values' type: no float promotion
            present, codes = _codes_in_range(values, first, high - low + 1)
            return np.flatnonzero(present).astype(values.dtype) + first, codes
    sample = values[:: max(1, n // 4096)]
    if len(np.unique(sample)) > 0.75 * len(sample):  # mostly distinct: sorting all is cheaper
        uniques, codes = np.unique(values, return_inverse=True)
        return uniques, codes.astype(np.int64, copy=False)
    codes, uniques = pd.factorize(values, sort=True)  # hashes, then sorts only the distinct values
    return np.asarray(uniques), codes.astype(np.int64, copy=False)


@njit(cache=True, nogil=True)
def _codes_in_range(values, low, width):
    """Which of ``low .. low + width - 1`` occur, and each value's rank among those that do.

    Compiled: two passes over the values and one over the table, where the
    numpy formulation made six passes over the values (a cast, a shift, a
    scatter, a gather); about 4x faster on 240k subject ids.
    """
    present = np.zeros(width, dtype=np.bool_)
    low = np.int64(low)  # offsets in int64: small integer types would wrap (as plain Python, without numba)
    for i in range(len(values)):
        present[np.int64(values[i]) - low] = True
    rank = np.empty(width, dtype=np.int64)
    count = 0
    for k in range(width):
        rank[k] = count
        if present[k]:
            count += 1
    codes = np.empty(len(values), dtype=np.int64)
    for i in range(len(values)):
        codes[i] = rank[np.int64(values[i]) - low]
    return present, codes
