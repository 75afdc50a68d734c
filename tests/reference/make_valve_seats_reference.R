# Reference values for the MCF of reda::valveSeats (Nelson 1995): 41 diesel
# engines, 89 records of valve-seat replacements (No. = 1) and censoring ages
# (No. = 0). Engines 328 (day 653) and 402 (day 139) each had two seats
# replaced on the same day: reda::mcf counts dN = 2 there.
#
# reda is not installed here, so the data are read from reda's own
# data/valveSeats.RData (git: wenjie2wang/reda, reda 0.5.6), which this script
# needs as its first argument; the counting-process form is written to
# tests/reference/data/valve_seats.csv so the tests and later runs need neither.
#
# survfit() cannot hold two onsets of one subject at one instant: the second
# row is (t, t], which Surv() makes NA (with a warning) and the fit drops, so
# survfit counts dN = 1 there. Three tables are therefore written:
#   * "survfit": survfit(Surv(start, stop, event) ~ 1, id = engine) on the
#     rows as they are (the two zero-length rows dropped by R: dN = 1);
#   * "by_hand_dn1": reda's documented estimator computed by hand on the same
#     rows as survfit uses, which must equal survfit (checked below): this
#     shows the hand formula is R's std.chaz;
#   * "by_hand_dn2": the same hand formula with dN = 2 at the two tied days,
#     as reda::mcf(Recur(Days, ID, No.) ~ 1, valveSeats) counts them.
# The hand formula is reda's (mcf-formula help page, variance =
# "LawlessNadeau"): mu(t) = sum_{t_j <= t} dN(t_j) / Y(t_j) and
# V(t) = sum_i [ sum_{t_j <= t} Y_i(t_j) / Y(t_j) (dN_i(t_j) - dN(t_j) / Y(t_j)) ]^2,
# with the Poisson variance sum_{t_j <= t} dN(t_j) / Y(t_j)^2 beside it.
#
# Run from the repository root:
#   Rscript tests/reference/make_valve_seats_reference.R path/to/valveSeats.RData
source("tests/reference/reference_helpers.R")
versions <- versions_line("make_valve_seats_reference.R")
data_path <- file.path(data_dir, "valve_seats.csv")

args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 1) {
    load(args[1])  # valveSeats: ID, Days, No.
    v <- valveSeats[order(valveSeats$ID, valveSeats$Days, -valveSeats$No.), ]
    v$start <- ave(v$Days, v$ID, FUN = function(d) c(0, head(d, -1)))
    rows <- data.frame(engine = v$ID, start = v$start, stop = v$Days, event = v$No.)
    write_with_header(rows, data_path, c(
        versions,
        "# reda::valveSeats (reda 0.5.6, data/valveSeats.RData; Nelson 1995, Technometrics 37:147) in",
        "# counting-process form: one row per record, (previous age, age]; a second replacement on the",
        "# same day is a zero-length row (t, t] with event 1. See tests/reference/data/README.md (licence)."))
}
rows <- read.csv(data_path, comment.char = "#")
stopifnot(nrow(rows) == 89, length(unique(rows$engine)) == 41, sum(rows$event) == 48)

# --- survfit on the rows as given: R drops the 2 zero-length rows ----------------
fit <- withCallingHandlers(
    survfit(Surv(start, stop, event) ~ 1, data = rows, id = engine),
    warning = function(w) { message("R warns: ", conditionMessage(w)); invokeRestart("muffleWarning") })
fit_no_id <- suppressWarnings(survfit(Surv(start, stop, event) ~ 1, data = rows))
at_event <- fit$n.event > 0
survfit_tab <- data.frame(table = "survfit", time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event,
                          mcf = fit$cumhaz, se_lawless_nadeau = fit$std.chaz,
                          se_poisson = fit_no_id$std.chaz)[at_event, ]

# --- reda's estimator by hand ----------------------------------------------------
# dn2 = TRUE: a zero-length row with an event adds its onset to the subject's
# event at that time (dN = 2); FALSE: it is left out, as survfit does.
by_hand <- function(rows, dn2) {
    zero <- rows$start == rows$stop
    kept <- rows[!zero, ]
    if (dn2) {
        for (k in which(zero & rows$event == 1)) {
            j <- which(kept$engine == rows$engine[k] & kept$stop == rows$stop[k] & kept$event >= 1)
            stopifnot(length(j) == 1)
            kept$event[j] <- kept$event[j] + 1
        }
    }
    times <- sort(unique(kept$stop[kept$event > 0]))
    engines <- sort(unique(kept$engine))
    # Y_i(t): engine i has a row with start < t <= stop; dN_i(t): its onsets at t
    Yi <- sapply(times, function(t) sapply(engines, function(i)
        as.numeric(any(kept$engine == i & kept$start < t & kept$stop >= t))))
    dNi <- sapply(times, function(t) sapply(engines, function(i)
        sum(kept$event[kept$engine == i & kept$stop == t])))
    Y <- colSums(Yi)
    dN <- colSums(dNi)
    mu <- cumsum(dN / Y)
    # column j of terms: Y_i(t_j)/Y(t_j) (dN_i(t_j) - dN(t_j)/Y(t_j)); cumulate over j per engine
    terms <- sweep(Yi, 2, Y, "/") * (dNi - matrix(dN / Y, nrow(Yi), ncol(Yi), byrow = TRUE))
    cum <- t(apply(terms, 1, cumsum))
    data.frame(table = if (dn2) "by_hand_dn2" else "by_hand_dn1", time = times, n_risk = Y, n_event = dN,
               mcf = mu, se_lawless_nadeau = sqrt(colSums(cum^2)), se_poisson = sqrt(cumsum(dN / Y^2)))
}
dn1 <- by_hand(rows, dn2 = FALSE)
dn2 <- by_hand(rows, dn2 = TRUE)

# the hand formula is survfit's estimator where each onset is its own instant
check <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))
agreement <- c(mcf = check(dn1$mcf, survfit_tab$mcf),
               se_lawless_nadeau = check(dn1$se_lawless_nadeau, survfit_tab$se_lawless_nadeau),
               se_poisson = check(dn1$se_poisson, survfit_tab$se_poisson))
print(agreement)
stopifnot(all(dn1$time == survfit_tab$time), all(dn1$n_risk == survfit_tab$n_risk),
          all(agreement < 1e-12))
stopifnot(sum(dn2$n_event) == 48, sum(dn1$n_event) == 46)

write_with_header(rbind(survfit_tab, dn1, dn2), file.path(out_dir, "mcf_valve_seats.csv"), c(
    versions,
    "# reda::valveSeats MCF. survfit: survfit(Surv(start, stop, event) ~ 1, id = engine) (R drops the two",
    "# zero-length rows, dN = 1); se_poisson from the same call without id. by_hand_dn1 / by_hand_dn2:",
    "# reda's Nelson-Aalen MCF and Lawless-Nadeau variance computed by hand, with dN = 1 / dN = 2 at the",
    sprintf("# two same-day replacements; by_hand_dn1 vs survfit, max relative difference: mcf %.2g, LN se %.2g, Poisson se %.2g",
            agreement["mcf"], agreement["se_lawless_nadeau"], agreement["se_poisson"])))
