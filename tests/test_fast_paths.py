"""Fast paths give what the general ones give: one near-tie rule (R's aeqSurv) for the
CountingProcess and the Cox engine, sort-free integer codes, the row order by subject, and the
MCF's lookup of row times."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import spasm_analysis as sa
from spasm_analysis.counting_process import (TIME_TOLERANCE, _subject_order, merge_near_ties,
                                             near_tie_ranks)
from spasm_analysis.coxph.engine import _time_ranks, build_risk_sets
from spasm_analysis.nonparametric.mcf_core import locate_rows
from spasm_analysis.sorted_codes import sorted_codes


def aeq_surv(times):
    """R's aeqSurv as written in survival 3.5 (sort(unique), diff, mean(abs(y)))."""
    y = np.unique(times)
    dy = np.diff(y)
    tied = (dy <= TIME_TOLERANCE) | (dy / np.mean(np.abs(y)) <= TIME_TOLERANCE)
    first = np.r_[True, ~tied]
    representative = y[first][np.cumsum(first) - 1]
    return representative[np.searchsorted(y, times)]


@pytest.mark.parametrize("values", [
    np.array([5, 3, 5, 9, 3], dtype=np.int64),
    np.array([-4, 7, -4, 0], dtype=np.int8),            # negative, a narrow type
    np.array([-128, 127, -128], dtype=np.int8),          # the whole range of the type
    np.array([2**64 - 1, 2**64 - 5, 2**64 - 1], dtype=np.uint64),  # beyond float precision
    np.array([2**62 + 3, 2**62, 2**62 + 3], dtype=np.int64),
    np.random.default_rng(2).integers(0, 20000, 50000),  # subject ids: the compiled table
    np.array([10**12, 3, 10**12], dtype=np.int64),       # a range too wide for a table
    np.array([0.5, 0.25, 0.5, 2.0]),                     # repeated floats: hashing
    np.linspace(0.0, 1.0, 50)[::-1],                    # distinct floats: sorted outright
    np.array([], dtype=np.int64),
])
def test_sorted_codes_are_np_unique(values):
    uniques, codes = sorted_codes(values)
    expected_uniques, expected_codes = np.unique(values, return_inverse=True)
    np.testing.assert_array_equal(uniques, expected_uniques)
    np.testing.assert_array_equal(codes, expected_codes)
    assert uniques.dtype == values.dtype and codes.dtype == np.int64


@settings(derandomize=True, max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 40),
              elements=st.sampled_from([0.0, 1.0, 2.0, np.sqrt(2.0) ** 2, 2.0 + 1e-9, 2.5,
                                        1e-10, 7.0, 7.0 * (1 + 1e-9), 1000.0])))
def test_near_tie_ranks_is_r_aeqsurv(times):
    ranks, firsts, merged = near_tie_ranks(times)
    np.testing.assert_array_equal(firsts[ranks], aeq_surv(times))
    assert merged == len(np.unique(times)) - len(firsts)
    assert np.all(np.diff(firsts) > 0)


def test_whole_days_are_ranked_without_merging():
    days = np.array([400.0, 3.0, 3.0, 17.0, 400.0])
    ranks, firsts, merged = near_tie_ranks(days)
    assert ranks.tolist() == [2, 0, 0, 1, 2] and firsts.tolist() == [3.0, 17.0, 400.0]
    assert merged == 0
    # beyond 0.5 / tolerance a whole-number gap of 1 is a relative near-tie: the general rule
    big = np.array([1e9, 1e9 + 1.0])
    ranks, firsts, merged = near_tie_ranks(big)
    assert ranks.tolist() == [0, 0] and merged == 1
    np.testing.assert_array_equal(firsts[ranks], aeq_surv(big))


def test_engine_and_counting_process_merge_the_same_times():
    """The Cox engine ranks its own times (gap times are new times) with the same rule."""
    rng = np.random.default_rng(4)
    base = np.round(rng.uniform(0, 5, 200), 1)
    start = base
    stop = base + np.round(rng.uniform(0.1, 3, 200), 1)
    # computed times that differ from the rounded ones by rounding only
    start_noisy = start * 3.0 / 3.0 + (rng.random(200) < 0.5) * 1e-13
    stop_noisy = (stop - 0.1) + 0.1
    snapped_start, snapped_stop, merged = merge_near_ties(start_noisy, stop_noisy)
    assert merged > 0
    engine_start, engine_stop, width = _time_ranks(start_noisy, stop_noisy)
    both = np.concatenate([snapped_start, snapped_stop])
    distinct = np.unique(both)
    assert width == len(distinct)
    np.testing.assert_array_equal(engine_start, np.searchsorted(distinct, snapped_start))
    np.testing.assert_array_equal(engine_stop, np.searchsorted(distinct, snapped_stop))


def test_near_tied_gap_times_fit_as_exact_ties():
    """Gap times made by subtraction tie as R's timefix ties them, in the engine's own ranking."""
    event = np.array([True, True, True, False, True])
    w, stratum = np.ones(5), np.zeros(5, dtype=int)
    exact = build_risk_sets(np.zeros(5), np.array([0.3, 0.3, 0.5, 0.7, 0.9]), event, stratum, w)
    noisy = build_risk_sets(np.zeros(5), np.array([0.3, 0.4 - 0.1, 0.5, 0.7, 0.9]), event,
                            stratum, w)
    assert 0.4 - 0.1 != 0.3
    np.testing.assert_array_equal(noisy.row_lo, exact.row_lo)
    np.testing.assert_array_equal(noisy.group_size, exact.group_size)
    assert list(exact.group_size) == [1, 1, 2]


def test_subject_ids_coded_without_sorting_keep_labels_and_order():
    rows = pd.DataFrame({"subject": [30, 30, 7, 12], "start": [0.0, 4.0, 0.0, 0.0],
                         "stop": [4.0, 9.0, 5.0, 6.0], "event": [1, 0, 1, 0]})
    cp = sa.CountingProcess.from_frame(rows)
    assert cp.subjects.tolist() == [7, 12, 30]
    assert cp.subject.tolist() == [7, 12, 30, 30]
    back = cp.to_source_order()
    assert back.index.tolist() == [0, 1, 2, 3] and back["subject"].tolist() == [30, 30, 7, 12]


@pytest.mark.parametrize("grouped", [True, False])
def test_subject_order_is_the_lexsort(grouped):
    rng = np.random.default_rng(8)
    code = np.repeat(rng.permutation(300), 4)          # subjects grouped, labels out of order
    start = np.tile([0.0, 5.0, 9.0, 12.0], 300)
    stop = start + rng.integers(1, 4, len(start))
    given = np.zeros(len(start))
    if not grouped:
        shuffle = rng.permutation(len(code))
        code, start, stop = code[shuffle], start[shuffle], stop[shuffle]
    np.testing.assert_array_equal(_subject_order(code, given, start, stop),
                                  np.lexsort((stop, start, given, code)))


def test_many_distinct_times_are_located_as_few():
    rng = np.random.default_rng(3)
    times = np.sort(rng.uniform(0, 100, 70_000))
    start = rng.uniform(0, 100, 80_000)
    stop = start + rng.uniform(0, 5, 80_000)
    lo, hi = locate_rows(times, start, stop)           # > 65536 distinct: sorted lookups
    np.testing.assert_array_equal(lo, np.searchsorted(times, start, side="right"))
    np.testing.assert_array_equal(hi, np.searchsorted(times, stop, side="right"))
