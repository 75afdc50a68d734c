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
            offset = values.astype(np.int64) - low
            present = np.zeros(high - low + 1, dtype=bool)
            present[offset] = True
            rank = np.cumsum(present, dtype=np.int64) - 1
            uniques = (np.flatnonzero(present) + low).astype(values.dtype)
            return uniques, rank[offset]
    sample = values[:: max(1, n // 4096)]
    if len(np.unique(sample)) > 0.75 * len(sample):  # mostly distinct: sorting all is cheaper
        uniques, codes = np.unique(values, return_inverse=True)
        return uniques, codes.astype(np.int64, copy=False)
    codes, uniques = pd.factorize(values, sort=True)  # hashes, then sorts only the distinct values
    return np.asarray(uniques), codes.astype(np.int64, copy=False)
