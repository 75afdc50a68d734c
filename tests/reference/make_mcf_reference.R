# Reference values for spasm_analysis.mcf.
#
# Exports two recurrent-event data sets from R's survival package to
# tests/reference/data/ and the Nelson-Aalen mean cumulative function that
# survfit() reports for them to tests/reference/mcf_*_survfit.csv.
#
# survfit(Surv(start, stop, event) ~ g, id = id) on counting-process data with
# several rows per id reports, in `std.chaz`, the infinitesimal-jackknife
# (robust) standard error of the cumulative hazard, which for the
# Nelson-Aalen estimator is the Lawless-Nadeau (1995) standard error of the
# MCF.
#
# Run from the repository root:  Rscript tests/reference/make_mcf_reference.R
source("tests/reference/reference_helpers.R")
versions <- versions_line("make_mcf_reference.R")

# survfit output at every time point R reports (event and censoring times);
# the Python tests keep the rows with events.
# std_chaz: with id = id (robust, Lawless-Nadeau); std_chaz_no_id: the same
# call without id, which gives the Poisson-type (Aalen) standard error.
survfit_table <- function(fit, fit_no_id) {
    stopifnot(all.equal(fit$time, fit_no_id$time))
    strata <- if (is.null(fit$strata)) rep(NA, length(fit$time)) else
        sub("^[^=]*=", "", rep(names(fit$strata), fit$strata))
    data.frame(group = strata, time = fit$time, n_risk = fit$n.risk,
               n_event = fit$n.event, cumhaz = fit$cumhaz,
               std_chaz = fit$std.chaz, std_chaz_no_id = fit_no_id$std.chaz)
}

write_mcf <- function(data, formula_by, formula_all, name) {
    tab <- rbind(
        survfit_table(survfit(formula_all, data = data, id = id), survfit(formula_all, data = data)),
        survfit_table(survfit(formula_by, data = data, id = id), survfit(formula_by, data = data)))
    write_with_header(tab, file.path(out_dir, sprintf("mcf_%s_survfit.csv", name)),
                      c(versions,
                        sprintf("# survfit(%s, id = id) and survfit(%s, id = id); group NA = all subjects",
                                deparse(formula_by), deparse(formula_all)),
                        "# std_chaz_no_id: std.chaz of the same survfit call without id"))
}

# --- bladder2: bladder cancer recurrences, (start, stop] form, by rx -------
# bladder2.csv is shared with the Cox references: written when missing,
# otherwise checked against R's copy.
bl <- survival::bladder2
bl_path <- file.path(data_dir, "bladder2.csv")
if (file.exists(bl_path)) {
    old <- read.csv(bl_path, comment.char = "#")
    if (!isTRUE(all.equal(old, bl, check.attributes = FALSE)))
        stop("tests/reference/data/bladder2.csv differs from survival::bladder2")
} else {
    write_with_header(bl, bl_path,
                      c(versions, "# survival::bladder2 as shipped (Wei, Lin & Weissfeld 1989 data in Andersen-Gill form)"))
}
write_mcf(bl, Surv(start, stop, event) ~ rx, Surv(start, stop, event) ~ 1, "bladder2")

# --- rhDNase: built exactly as on its R help page ---------------------------
# Subjects are not at risk during an IV antibiotic course nor for 6 days after
# it, so the risk set has gaps within subjects.
first <- subset(rhDNase, !duplicated(id))
dnase <- tmerge(first, first, id = id, tstop = as.numeric(end.dt - entry.dt))
temp.end <- with(rhDNase, pmin(ivstop + 6, end.dt - entry.dt))
dnase <- tmerge(dnase, rhDNase, id = id, infect = event(ivstart), end = event(temp.end))
dnase <- subset(dnase, (infect == 1 | end == 0), c(id:trt, fev:infect))
rh <- data.frame(id = dnase$id, tstart = dnase$tstart, tstop = dnase$tstop,
                 status = dnase$infect, trt = dnase$trt)
write_with_header(rh, file.path(data_dir, "rhdnase.csv"),
                  c(versions, "# survival::rhDNase in counting-process form as on its help page (6-day risk-free window after each IV course)"))
write_mcf(rh, Surv(tstart, tstop, status) ~ trt, Surv(tstart, tstop, status) ~ 1, "rhdnase")

# --- gap times: Kaplan-Meier of (stop - start] by episode order (enum) ------
# bladder2 rows are the at-risk intervals before each recurrence, so the gap
# before the k-th recurrence is stop - start on the row with enum == k.
gap_fit <- survfit(Surv(stop - start, event) ~ enum, data = bl)
gap_tab <- data.frame(
    episode = as.integer(sub("^enum=", "", rep(names(gap_fit$strata), gap_fit$strata))),
    time = gap_fit$time, n_risk = gap_fit$n.risk, n_event = gap_fit$n.event,
    surv = gap_fit$surv)
write_with_header(gap_tab, file.path(out_dir, "gaps_bladder2_survfit.csv"),
                  c(versions, "# survfit(Surv(stop - start, event) ~ enum, data = bladder2)"))
gap_median <- summary(gap_fit)$table
write_with_header(
    data.frame(episode = as.integer(sub("^enum=", "", rownames(gap_median))),
               n = gap_median[, "records"], events = gap_median[, "events"],
               median = gap_median[, "median"]),
    file.path(out_dir, "gaps_bladder2_median.csv"),
    c(versions, "# summary(survfit(Surv(stop - start, event) ~ enum, data = bladder2))$table"))
