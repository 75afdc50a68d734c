# Reference values for what surrounds a Cox fit in spasm_analysis.coxph: formulas
# (treatment-coded text columns, interactions, aliased terms), residuals,
# cox.zph, concordance, AIC and survfit(fit, newdata) predictions.
#
# Text columns are made factors with levels in C-locale sorted order (the
# Python side sorts the same way), so the first sorted level is the reference.
#
# Run from the repository root:  Rscript tests/reference/make_cox_diagnostics_reference.R
source("tests/reference/reference_helpers.R")
versions <- versions_line("make_cox_diagnostics_reference.R")
sorted_factor <- function(x) factor(x, levels = sort(unique(as.character(x)), method = "radix"))

cgd <- read.csv(file.path(data_dir, "cgd.csv"), comment.char = "#")
for (col in c("treat", "inherit", "hos.cat", "sex")) cgd[[col]] <- sorted_factor(cgd[[col]])
names(cgd)[names(cgd) == "hos.cat"] <- "hos_cat"
bl2 <- read.csv(file.path(data_dir, "bladder2.csv"), comment.char = "#")
bl2$one <- 1

# singtest.R (R survival tests): epochs are disjoint time windows, so the epoch
# main effects are constant within every risk set and aliased.
test1 <- data.frame(time = c(4, 3, 1, 1, 2, 2, 3), status = c(1, NA, 1, 0, 1, 1, 0),
                    x = c(0, 2, 1, 1, 1, 0, 0))
temp <- rep(0:3, rep(7, 4))
stest <- data.frame(start = 10 * temp, stop = 10 * temp + test1$time,
                    status = rep(test1$status, 4), x = c(test1$x + 1:7, rep(test1$x, 3)),
                    epoch = rep(1:4, rep(7, 4)))
write_with_header(stest, file.path(data_dir, "singtest_stest.csv"),
                  c(versions, "# survival tests/singtest.R data set stest (status NA rows kept; coxph drops them)"))

fits <- list(
    cgd_formula = coxph(Surv(tstart, tstop, status) ~ treat + inherit + age + hos_cat + treat:age,
                        cgd, cluster = id),
    cgd_star = coxph(Surv(tstart, tstop, status) ~ treat * sex + steroids, cgd, ties = "breslow"),
    singtest = suppressWarnings(coxph(Surv(start, stop, status) ~ x * factor(epoch), stest)),
    bladder2_constant = suppressWarnings(coxph(Surv(start, stop, event) ~ rx + one + number,
                                               bl2, cluster = id)),
    bladder2_ag = coxph(Surv(start, stop, event) ~ rx + number + size, bl2, cluster = id),
    bladder2_ag_naive = coxph(Surv(start, stop, event) ~ rx + number + size, bl2),
    bladder2_pwp = coxph(Surv(start, stop, event) ~ rx + number + size + strata(enum), bl2,
                         cluster = id),
    bladder2_breslow = coxph(Surv(start, stop, event) ~ rx + number + size, bl2,
                             ties = "breslow", cluster = id)
)

coef_rows <- list(); stat_rows <- list(); zph_rows <- list()
for (case in names(fits)) {
    fit <- fits[[case]]
    robust <- !is.null(fit$naive.var)
    naive <- if (robust) fit$naive.var else fit$var
    se <- rep(NA, length(coef(fit))); se[!is.na(coef(fit))] <- sqrt(diag(naive))[!is.na(coef(fit))]
    rse <- rep(NA, length(coef(fit)))
    if (robust) rse[!is.na(coef(fit))] <- sqrt(diag(fit$var))[!is.na(coef(fit))]
    coef_rows[[case]] <- data.frame(case = case, position = seq_along(coef(fit)),
                                    term = names(coef(fit)), coef = unname(coef(fit)),
                                    se = se, robust_se = rse)
    cc <- concordance(fit)
    stat_rows[[case]] <- data.frame(
        case = case, n = fit$n, nevent = fit$nevent, loglik_null = fit$loglik[1],
        loglik = fit$loglik[2], aic = AIC(fit), df = sum(!is.na(coef(fit))),
        lr = 2 * diff(fit$loglik), wald = unname(fit$wald.test), score = unname(fit$score),
        robust_score = if (robust) unname(fit$rscore) else NA,
        concordance = unname(cc$concordance), concordance_se = sqrt(unname(cc$var)))
    if (case %in% c("cgd_formula", "cgd_star", "bladder2_ag", "bladder2_pwp", "bladder2_breslow")) {
        z <- cox.zph(fit)
        zph_rows[[case]] <- data.frame(case = case, term = rownames(z$table),
                                       chisq = z$table[, "chisq"], df = z$table[, "df"],
                                       p = z$table[, "p"])
    }
}
header <- c(versions, "# coxph fits of make_cox_diagnostics_reference.R; se = sqrt(diag(naive variance)); robust_se with cluster = id; NA = aliased")
write_with_header(do.call(rbind, coef_rows), file.path(out_dir, "cox_diagnostics_coefficients.csv"), header)
write_with_header(do.call(rbind, stat_rows), file.path(out_dir, "cox_diagnostics_stats.csv"),
                  c(header, "# aic = AIC(fit); wald uses the robust variance with a cluster; concordance(fit)"))
write_with_header(do.call(rbind, zph_rows), file.path(out_dir, "cox_zph.csv"),
                  c(versions, "# cox.zph(fit) (transform = 'km'), per term and GLOBAL"))

# --- residuals: residuals.coxph(fit, type, collapse = id where clustered) ------------
res_rows <- list()
for (case in c("bladder2_ag", "bladder2_pwp", "bladder2_breslow", "cgd_formula")) {
    fit <- fits[[case]]
    data <- if (startsWith(case, "cgd")) cgd else bl2
    id <- data$id
    mart <- residuals(fit, type = "martingale")
    res_rows[[paste(case, "martingale")]] <- data.frame(case = case, kind = "martingale",
        index = seq_along(mart), label = seq_along(mart), column = "martingale", value = mart)
    # every kind on bladder2 AG and PWP; fewer on the others to keep the file small
    kinds <- switch(case, bladder2_breslow = character(0), cgd_formula = "dfbeta",
                    c("score", "dfbeta"))
    for (kind in kinds) {
        r <- residuals(fit, type = kind, collapse = id)
        for (j in seq_len(ncol(r)))
            res_rows[[paste(case, kind, j)]] <- data.frame(case = case, kind = kind,
                index = seq_len(nrow(r)), label = rownames(r), column = names(coef(fit))[j],
                value = r[, j])
    }
    r <- residuals(fit, type = "schoenfeld")
    if (is.null(dim(r))) r <- matrix(r, ncol = 1)
    for (j in seq_len(ncol(r)))
        res_rows[[paste(case, "schoenfeld", j)]] <- data.frame(case = case, kind = "schoenfeld",
            index = seq_len(nrow(r)), label = rownames(r), column = names(coef(fit))[j],
            value = r[, j])
}
write_with_header(do.call(rbind, res_rows), file.path(out_dir, "cox_residuals.csv"),
                  c(versions, "# residuals(fit, type) (martingale per row; score, dfbeta with collapse = id; schoenfeld: label = event time)"))

# --- predictions: survfit(fit, newdata) ------------------------------------------
pred_rows <- list()
predict_case <- function(case, newdata) {
    sf <- survfit(fits[[case]], newdata = newdata)
    ch <- as.matrix(sf$cumhaz); se <- as.matrix(sf$std.err)
    lo <- as.matrix(sf$lower); up <- as.matrix(sf$upper)
    for (k in seq_len(ncol(ch)))
        pred_rows[[paste(case, k)]] <<- data.frame(
            case = case, profile = k - 1, time = sf$time, n_event = sf$n.event,
            cumhaz = ch[, k], std_error = se[, k], ci_lower = -log(up[, k]),
            ci_upper = -log(lo[, k]))
}
predict_case("bladder2_ag", data.frame(rx = c(1, 2), number = c(1, 3), size = c(1, 2)))
predict_case("bladder2_ag_naive", data.frame(rx = 2, number = 2, size = 1))
predict_case("bladder2_breslow", data.frame(rx = 1, number = 4, size = 3))
predict_case("cgd_formula", data.frame(treat = sorted_factor(c("placebo", "rIFN-g"))[1:2],
                                       inherit = sorted_factor(c("X-linked", "autosomal"))[1:2],
                                       age = c(10, 25),
                                       hos_cat = factor(c("US:NIH", "Europe:other"), levels = levels(cgd$hos_cat))))
write_with_header(do.call(rbind, pred_rows), file.path(out_dir, "cox_predictions.csv"),
                  c(versions, "# survfit(fit, newdata): cumhaz, std.err (of the cumulative hazard), conf.type 'log' limits as -log(upper), -log(lower)",
                    "# bladder2_ag: rx=(1,2) number=(1,3) size=(1,2); bladder2_ag_naive: rx=2 number=2 size=1; bladder2_breslow: rx=1 number=4 size=3",
                    "# cgd_formula: treat=(placebo,rIFN-g) inherit=(X-linked,autosomal) age=(10,25) hos_cat=(US:NIH,Europe:other)"))
