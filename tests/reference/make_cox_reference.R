# Reference values for spasm_analysis.coxph.
#
# Fits R's coxph() to the recurrent-event data sets shipped with the survival
# package and writes coefficients, model-based and cluster-robust standard
# errors, log-likelihoods, tests, score residuals and the shared gamma frailty
# fits (cgd and bladder2) to tests/reference/cox_*.csv. The data sets are exported to
# tests/reference/data/ (bladder2.csv is shared with the MCF references and is
# only written when it is missing; otherwise it is checked against R's copy).
#
# Run from the repository root:  Rscript tests/reference/make_cox_reference.R
source("tests/reference/reference_helpers.R")
versions <- versions_line("make_cox_reference.R")

# --- data sets ----------------------------------------------------------------
b2_path <- file.path(data_dir, "bladder2.csv")
if (file.exists(b2_path)) {
    old <- read.csv(b2_path, comment.char = "#")
    if (!isTRUE(all.equal(old, survival::bladder2, check.attributes = FALSE)))
        stop("tests/reference/data/bladder2.csv differs from survival::bladder2")
} else {
    write_with_header(survival::bladder2, b2_path,
                      c(versions, "# survival::bladder2 as shipped (Wei, Lin & Weissfeld 1989 data in Andersen-Gill form)"))
}
write_with_header(survival::bladder, file.path(data_dir, "bladder.csv"),
                  c(versions, "# survival::bladder as shipped (WLW marginal layout: 4 rows per subject, strata enum)"))
cgd_out <- survival::cgd
cgd_out$random <- format(cgd_out$random)
write_with_header(cgd_out, file.path(data_dir, "cgd.csv"),
                  c(versions, "# survival::cgd as shipped (chronic granulomatous disease infections, counting-process form; tstart, tstop, status)"))

# --- ordinary and stratified Cox fits with cluster-robust variance ------------
# Python covariate names: cgd's factors become 0/1 indicators
# treat = (treat == "rIFN-g"), inherit = (inherit == "autosomal").
rename_terms <- function(x) {
    x <- sub("^treatrIFN-g$", "treat", x)
    sub("^inheritautosomal$", "inherit", x)
}

bl2 <- survival::bladder2
bl2$w <- 1 + (bl2$id %% 3) / 2   # arbitrary case weights for the weighted check
models <- list(
    list(dataset = "bladder2", model = "ag", data = bl2,
         formula = Surv(start, stop, event) ~ rx + number + size, weighted = FALSE),
    list(dataset = "bladder2", model = "pwp_total", data = bl2,
         formula = Surv(start, stop, event) ~ rx + number + size + strata(enum), weighted = FALSE),
    list(dataset = "bladder2", model = "pwp_gap", data = bl2,
         formula = Surv(stop - start, event) ~ rx + number + size + strata(enum), weighted = FALSE),
    list(dataset = "bladder2", model = "ag_weighted", data = bl2,
         formula = Surv(start, stop, event) ~ rx + number + size, weighted = TRUE),
    list(dataset = "bladder", model = "wlw", data = survival::bladder,
         formula = Surv(stop, event) ~ rx + number + size + strata(enum), weighted = FALSE),
    list(dataset = "cgd", model = "ag", data = survival::cgd,
         formula = Surv(tstart, tstop, status) ~ treat + inherit + steroids + age, weighted = FALSE)
)

coef_rows <- list()
stat_rows <- list()
resid_rows <- list()
for (m in models) {
    for (ties in c("efron", "breslow")) {
        d <- m$data
        fit <- if (m$weighted) coxph(m$formula, data = d, ties = ties, cluster = id, weights = w)
               else coxph(m$formula, data = d, ties = ties, cluster = id)
        terms <- rename_terms(names(coef(fit)))
        coef_rows[[length(coef_rows) + 1]] <- data.frame(
            dataset = m$dataset, model = m$model, ties = ties, term = terms,
            coef = unname(coef(fit)), se = sqrt(diag(fit$naive.var)),
            robust_se = sqrt(diag(fit$var)))
        naive_wald <- drop(t(coef(fit)) %*% solve(fit$naive.var) %*% coef(fit))
        stat_rows[[length(stat_rows) + 1]] <- data.frame(
            dataset = m$dataset, model = m$model, ties = ties,
            formula = gsub(",", ";", paste(deparse(m$formula), collapse = "")),
            n = fit$n, n_events = fit$nevent,
            loglik_null = fit$loglik[1], loglik = fit$loglik[2], iterations = fit$iter,
            wald_chisq = naive_wald, robust_wald_chisq = unname(fit$wald.test),
            score_chisq = unname(fit$score), robust_score_chisq = unname(fit$rscore))
        if (m$dataset == "bladder2" && m$model %in% c("ag", "pwp_total")) {
            sr <- residuals(fit, type = "score")
            colnames(sr) <- terms
            resid_rows[[length(resid_rows) + 1]] <- data.frame(
                model = m$model, ties = ties, row = seq_len(nrow(sr)), sr, check.names = FALSE)
        }
    }
}
coef_tab <- do.call(rbind, coef_rows)
stat_tab <- do.call(rbind, stat_rows)
resid_tab <- do.call(rbind, resid_rows)

model_note <- c(
    "# coxph(<formula>, data, ties, cluster = id); se = sqrt(diag(naive.var)), robust_se = sqrt(diag(var))",
    "# bladder2 ag_weighted uses weights w = 1 + (id %% 3) / 2; bladder wlw is the marginal (Wei-Lin-Weissfeld) layout",
    "# cgd terms: treat = (treat == 'rIFN-g'), inherit = (inherit == 'autosomal')")
write_with_header(coef_tab, file.path(out_dir, "cox_coefficients.csv"), c(versions, model_note))
write_with_header(stat_tab, file.path(out_dir, "cox_fit_stats.csv"),
                  c(versions, model_note,
                    "# wald_chisq uses naive.var; robust_wald_chisq = fit$wald.test; robust_score_chisq = fit$rscore"))
write_with_header(resid_tab, file.path(out_dir, "cox_score_residuals_bladder2.csv"),
                  c(versions, "# residuals(fit, type = 'score') for bladder2 ag / pwp_total, row = row of bladder2"))

# --- shared gamma frailty on cgd and bladder2 -------------------------------------
write_frailty <- function(ffit, name, call_text, ids) {
    hist <- ffit$history[[1]]$history
    fixed <- seq_along(ffit$coefficients)
    frail_tab <- data.frame(
        term = rename_terms(names(ffit$coefficients)),
        coef = unname(ffit$coefficients),
        se = sqrt(diag(ffit$var))[fixed],
        se2 = sqrt(diag(ffit$var2))[fixed])
    write_with_header(frail_tab, file.path(out_dir, sprintf("cox_frailty_%s_coefficients.csv", name)),
                      c(versions, paste("#", call_text),
                        "# se = sqrt(diag(var)) (the printed se(coef)), se2 = sqrt(diag(var2))"))
    frail_stats <- data.frame(
        theta = hist[nrow(hist), 1],
        loglik_null = ffit$loglik[1], loglik = ffit$loglik[2],
        integrated_loglik = ffit$history[[1]]$c.loglik,
        outer_iterations = ffit$iter[1], inner_iterations = ffit$iter[2],
        n = ffit$n, n_events = ffit$nevent)
    write_with_header(frail_stats, file.path(out_dir, sprintf("cox_frailty_%s_stats.csv", name)),
                      c(versions, "# theta = variance of the random effect (last row of fit$history[[1]]$history)"))
    colnames(hist) <- c("theta", "penalized_loglik", "integrated_loglik")
    write_with_header(as.data.frame(hist), file.path(out_dir, sprintf("cox_frailty_%s_history.csv", name)),
                      c(versions, "# fit$history[[1]]$history: the outer (theta) iterations of R's EM-profile search"))
    write_with_header(data.frame(id = sort(unique(ids)), frail = ffit$frail),
                      file.path(out_dir, sprintf("cox_frailty_%s_frail.csv", name)),
                      c(versions, "# fit$frail: estimated log-frailties by id"))
}

ffit <- coxph(Surv(tstart, tstop, status) ~ treat + inherit + steroids + age +
                  frailty(id, distribution = "gamma"), data = survival::cgd)
write_frailty(ffit, "cgd", "coxph(Surv(tstart, tstop, status) ~ treat + inherit + steroids + age + frailty(id, distribution = 'gamma'), cgd)",
              survival::cgd$id)
bfit <- coxph(Surv(start, stop, event) ~ rx + number + size + frailty(id, distribution = "gamma"),
              data = survival::bladder2)
write_frailty(bfit, "bladder2", "coxph(Surv(start, stop, event) ~ rx + number + size + frailty(id, distribution = 'gamma'), bladder2)",
              survival::bladder2$id)
print(ffit)
print(bfit)
