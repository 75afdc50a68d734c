"""Generated sources of the binned core's compiled passes (see :mod:`.binned`).

Each kernel is written out for a fixed number of covariates p, so that every
per-row or per-group value (a covariate, a running sum, a score or
information entry) is a named scalar that numba keeps in a register; the same
loops over a run-time ``range(p)`` go through memory and are several times
slower. :func:`~.kernel_cache.compiled_function` compiles each source once and
keeps the machine code on disk.

- :func:`linear_predictor_source`: each row's linear predictor;
- :func:`row_pass_source`: rows -> per-bin sums at one coefficient vector;
- :func:`reduce_source`: per-bin sums -> log partial likelihood, score,
  information and the per-group terms (Efron or Breslow);
- :func:`cluster_pass_source`: rows and per-group terms -> per-cluster sums.

Example
-------
>>> "def reduce_groups(" in reduce_source(2)
True
"""

from __future__ import annotations

__all__ = ["n_moments", "n_term_rows", "linear_predictor_source", "row_pass_source",
           "reduce_source", "cluster_pass_source"]


def n_moments(p: int) -> int:
    """Number of per-bin sums for p covariates: r, r x (p), r x x' (upper triangle)."""
    return 1 + p + p * (p + 1) // 2


def linear_predictor_source(p: int) -> str:
    """Source of ``eta = offset + x'b`` per row, with its largest value and ``sum w eta`` of events.

    The sum runs left to right (offset first), so the same expression gives
    the same bits wherever it is evaluated.
    """
    lines = [
        "def linear_predictor(XT, offset, beta, weights, row_group, eta):",
        "    n = XT.shape[1]",
        "    top = -np.inf",
        "    death_eta = 0.0",
        *(f"    b{k} = beta[{k}]" for k in range(p)),
        "    for i in range(n):",
        "        value = " + " + ".join(["offset[i]", *(f"XT[{k}, i] * b{k}" for k in range(p))]),
        "        eta[i] = value",
        "        if value > top:",
        "            top = value",
        "        if row_group[i] >= 0:",
        "            death_eta += weights[i] * value",
        "    return top, death_eta",
    ]
    return "\n".join(lines) + "\n"


def row_pass_source(p: int, second: bool = True) -> str:
    """Source of the row pass for p covariates.

    ``risk`` holds each row's ``exp(eta - shift)``, computed before the pass
    (numpy's vectorised ``exp`` is five times faster than a scalar one per
    row). ``acc`` has 2m columns per bin (m sums: r, r x, r x x' with
    ``r = w risk``). A row adds its sums at its entry bin and subtracts them
    at its exit bin; an event row adds them to the second half of its entry
    bin instead of the first, which is both its entry and its group's
    tied-event sums: 2m updates per row, not 3m (nine rows in ten end in an
    event in recurrent-episode data). The epilogue rebuilds the contract's
    ``net`` (both halves) and ``tied``. ``second=False``: the first 1 + p
    moments only.
    """
    pairs = [(a, b) for a in range(p) for b in range(a, p)] if second else []
    m = n_moments(p) if second else 1 + p
    lines = [
        "def row_pass(bin_lo, bin_hi, row_group, XT, weights, risk, n_bins, n_groups):",
        "    n = XT.shape[1]",
        f"    acc = np.zeros((n_bins, {2 * m}))",
        "    group_bin = np.full(n_groups, -1, dtype=np.int64)",
        f"    death_x = np.zeros({p})",
        "    for i in range(n):",
        *(f"        x{k} = XT[{k}, i]" for k in range(p)),
        "        w = weights[i]",
        "        z0 = w * risk[i]",
        *(f"        z{1 + k} = z0 * x{k}" for k in range(p)),
        *(f"        z{1 + p + t} = z{1 + a} * x{b}" for t, (a, b) in enumerate(pairs)),
        "        lo = bin_lo[i]",
        "        hi = bin_hi[i]",
        *(f"        acc[hi, {q}] -= z{q}" for q in range(m)),
        "        g = row_group[i]",
        "        if g >= 0:",
        *(f"            acc[lo, {m + q}] += z{q}" for q in range(m)),
        "            group_bin[g] = lo",
        *(f"            death_x[{k}] += w * x{k}" for k in range(p)),
        "        else:",
        *(f"            acc[lo, {q}] += z{q}" for q in range(m)),
        f"    net = np.empty((n_bins, {m}))",
        "    for b in range(n_bins):",
        *(f"        net[b, {q}] = acc[b, {q}] + acc[b, {m + q}]" for q in range(m)),
        f"    tied = np.zeros((n_groups, {m}))",
        "    for g in range(n_groups):",
        "        b = group_bin[g]",
        "        if b >= 0:",
        *(f"            tied[g, {q}] = acc[b, {m + q}]" for q in range(m)),
        "    return net, tied, death_x",
    ]
    return "\n".join(lines) + "\n"


def n_term_rows(p: int) -> int:
    """Rows of the per-group terms the reduction writes for p covariates.

    hazard, own_hazard, squares, own_squares, then xhazard, own_xhazard and
    mean_term (p rows each), then S0 and S1 (1 + p rows).
    """
    return 4 + 3 * p + 1 + p


#: Denominators multiplied together before one log is taken (see :func:`reduce_source`).
LOG_BATCH = 32


def _flush_logs(weight: str, indent: str) -> list:
    """Lines adding ``-weight * log(product of the held denominators)`` to the log-likelihood."""
    return [
        f"{indent}if 1e-300 < product < 1e300:",
        f"{indent}    loglik -= {weight} * np.log(product)",
        f"{indent}else:  # a denominator outside the safe range: the batch term by term",
        f"{indent}    for t in range(batch):",
        f"{indent}        loglik -= {weight} * np.log(held[t])",
        f"{indent}product = 1.0",
        f"{indent}batch = 0",
    ]


def reduce_source(p: int, second: bool = True) -> str:
    """Source of the reduction over event groups for p covariates.

    Walks the groups of each stratum in order (latest time first), adding the
    bins' net sums into the risk-set sums S, and for each group's d tied
    events ``D_k = S0 - c_k E0`` with ``c_k = k/d`` under Efron (0 under
    Breslow), as R's ``agfit4``. Every per-term sum is a combination of six
    scalar sums over k (``1/D``, ``c/D``, ``1/D^2``, ``c/D^2``, ``c^2/D^2``
    and ``log D``). The logs are taken of products of up to
    :data:`LOG_BATCH` denominators, across groups while the events' mean
    case weight stays the same (a log costs as much as a dozen multiplications,
    and the groups of a stratified fit have a handful of events each); a
    product is closed before it leaves ``1e+-150``. ``second=False``: sums
    without ``r x x'``, the information then lacks its S2/E2 part (added by
    the information pass).

    Returns ``loglik`` (without the event terms and the shift), ``score``
    (without the events' ``w x``), the information and ``terms``, a
    (n_term_rows(p), groups) array, one contiguous row per quantity.
    """
    pairs = [(a, b) for a in range(p) for b in range(a, p)]
    m = 1 + p + (len(pairs) if second else 0)
    lines = [
        "def reduce_groups(net, tied, group_bin, stratum_bin, group_size, group_weight, efron):",
        "    n_groups = len(group_size)",
        f"    terms = np.empty(({n_term_rows(p)}, n_groups))",
        "    loglik = 0.0",
        *(f"    u{a} = 0.0" for a in range(p)),
        *(f"    i{a}_{b} = 0.0" for a, b in pairs),
        *(f"    S{q} = 0.0" for q in range(m)),
        "    current = -1",
        "    b = 0",
        "    product = 1.0",
        "    batch = 0",
        "    batch_weight = 0.0",
        f"    held = np.empty({LOG_BATCH})",
        "    for j in range(n_groups):",
        "        if stratum_bin[j] != current:  # a new stratum: its risk sets start empty",
        "            current = stratum_bin[j]",
        "            b = current",
        *(f"            S{q} = 0.0" for q in range(m)),
        "        while b <= group_bin[j]:",
        *(f"            S{q} += net[b, {q}]" for q in range(m)),
        "            b += 1",
        "        d = group_size[j]",
        "        mw = group_weight[j] / d",
        "        E0 = tied[j, 0]",
        "        if mw != batch_weight and batch > 0:  # one batch, one case weight",
        *_flush_logs("batch_weight", "            "),
        "        batch_weight = mw",
        "        inv1 = 0.0",
        "        invc = 0.0",
        "        sq1 = 0.0",
        "        sqc = 0.0",
        "        sqcc = 0.0",
        "        for k in range(d):",
        "            c = k / d if efron else 0.0",
        "            D = S0 - c * E0",
        "            inv = 1.0 / D",
        "            product *= D",
        "            held[batch] = D",
        "            batch += 1",
        f"            if batch == {LOG_BATCH} or not 1e-150 < product < 1e150:",
        *_flush_logs("mw", "                "),
        "            ci = c * inv",
        "            inv1 += inv",
        "            invc += ci",
        "            sq1 += inv * inv",
        "            sqc += ci * inv",
        "            sqcc += ci * ci",
        *(f"        e{a} = tied[j, {1 + a}]" for a in range(p)),
        # sum_k a_k with a_k = (S1 - c E1) / D
        *(f"        t{a} = S{1 + a} * inv1 - e{a} * invc" for a in range(p)),
        *(f"        u{a} -= mw * t{a}" for a in range(p)),
    ]
    for t, (a, b) in enumerate(pairs):
        # sum_k [(S2 - c E2)/D - a a']
        part = (f"-S{1 + a} * S{1 + b} * sq1 + (S{1 + a} * e{b} + e{a} * S{1 + b}) * sqc"
                f" - e{a} * e{b} * sqcc")
        if second:
            part += f" + S{1 + p + t} * inv1 - tied[j, {1 + p + t}] * invc"
        lines.append(f"        i{a}_{b} += mw * ({part})")
    lines += [
        "        terms[0, j] = mw * inv1",
        "        terms[1, j] = mw * invc",
        "        terms[2, j] = mw * sq1",
        "        terms[3, j] = mw * (2.0 * sqc - sqcc)",
        *(f"        terms[{4 + a}, j] = mw * (S{1 + a} * sq1 - e{a} * sqc)" for a in range(p)),
        *(f"        terms[{4 + p + a}, j] = mw * (S{1 + a} * sqc - e{a} * sqcc)" for a in range(p)),
        *(f"        terms[{4 + 2 * p + a}, j] = t{a} / d" for a in range(p)),
        *(f"        terms[{4 + 3 * p + q}, j] = S{q}" for q in range(1 + p)),
        "    if batch > 0:",
        *_flush_logs("batch_weight", "        "),
        f"    score = np.zeros({p})",
        *(f"    score[{a}] = u{a}" for a in range(p)),
        f"    info = np.empty(({p}, {p}))",
        *(f"    info[{a}, {b}] = i{a}_{b}" for a, b in pairs),
        *(f"    info[{b}, {a}] = i{a}_{b}" for a, b in pairs if a != b),
        "    return loglik, score, info, terms",
    ]
    return "\n".join(lines) + "\n"


def cluster_pass_source(p: int, frailty: bool) -> str:
    """Source of the per-cluster pass for p covariates.

    ``cum`` holds cumulative sums over groups of (hazard, xhazard_1..p, squares)
    and ``own`` the per-group tied-event corrections of the same columns.
    """
    lines = [
        "def cluster_pass(row_lo, row_hi, row_group, XT, weights, risk, cluster, n_clusters,",
        "                 cum, own, mean_term):",
        "    n = XT.shape[1]",
        f"    resid = np.zeros((n_clusters, {p}))",
        "    expected = np.zeros(n_clusters)",
        "    squared = np.zeros(n_clusters)",
        "    for i in range(n):",
        "        lo = row_lo[i]",
        "        hi = row_hi[i]",
        "        g = row_group[i]",
        "        haz = cum[hi, 0] - cum[lo, 0]",
        *(f"        hx{k} = cum[hi, {1 + k}] - cum[lo, {1 + k}]" for k in range(p)),
        *([f"        sq = cum[hi, {1 + p}] - cum[lo, {1 + p}]"] if frailty else []),
        "        if g >= 0:",
        "            haz -= own[g, 0]",
        *(f"            hx{k} -= own[g, {1 + k}]" for k in range(p)),
        *([f"            sq -= own[g, {1 + p}]"] if frailty else []),
        "        w = weights[i]",
        "        rw = w * risk[i]",
        "        c = cluster[i]",
        *(f"        x{k} = XT[{k}, i]" for k in range(p)),
        *(f"        resid[c, {k}] -= rw * (x{k} * haz - hx{k})" for k in range(p)),
    ]
    if frailty:
        lines += ["        expected[c] += rw * haz", "        squared[c] += rw * rw * sq"]
    else:
        lines += ["        if g >= 0:",
                  *(f"            resid[c, {k}] += w * (x{k} - mean_term[g, {k}])"
                    for k in range(p))]
    lines.append("    return resid, expected, squared")
    return "\n".join(lines) + "\n"
