# Shared gamma frailty where members of a cluster are at risk at the same time,
# from R survival's own tests: fr_kidney.R (kidney, two catheters per patient),
# fr_rat1.R (rats, female litter-mates; with rx and with no fixed covariate)
# and frailty.R (lung by institution). The data sets are written to
# tests/reference/data/ (kidney, female rats, lung with a known institution).
#
# Run from the repository root:  Rscript tests/reference/make_cox_frailty_clustered_reference.R
source("tests/reference/reference_helpers.R")
versions <- versions_line("make_cox_frailty_clustered_reference.R")

kidney <- survival::kidney[, c("id", "time", "status", "age", "sex", "disease")]
kidney$disease <- as.character(kidney$disease)
rats <- subset(survival::rats, sex == "f", select = c(litter, rx, time, status))
lung <- subset(survival::lung, !is.na(inst), select = c(inst, time, status, age))
write_with_header(kidney, file.path(data_dir, "kidney.csv"),
                  c(versions, "# survival::kidney (McGilchrist & Aisbett 1991): id, time, status, age, sex, disease"))
write_with_header(rats, file.path(data_dir, "rats_female.csv"),
                  c(versions, "# survival::rats, sex == 'f' (Mantel et al. 1977): litter, rx, time, status"))
write_with_header(lung, file.path(data_dir, "lung_inst.csv"),
                  c(versions, "# survival::lung rows with a known institution (coxph drops the NA one): inst, time, status, age"))
kidney$disease <- factor(kidney$disease, levels = sort(unique(kidney$disease), method = "radix"))

fits <- list(
    kidney = list(coxph(Surv(time, status) ~ age + sex + disease + frailty(id), kidney),
                  "fr_kidney.R: coxph(Surv(time, status) ~ age + sex + disease + frailty(id), kidney)"),
    rats = list(coxph(Surv(time, status) ~ rx + frailty(litter), rats, method = "breslow"),
                "fr_rat1.R: coxph(Surv(time, status) ~ rx + frailty(litter), rats, method = 'breslow', subset = sex == 'f')"),
    rats_null = list(coxph(Surv(time, status) ~ frailty(litter), rats),
                     "fr_rat1.R: coxph(Surv(time, status) ~ frailty(litter), rats, subset = sex == 'f')"),
    lung = list(coxph(Surv(time, status) ~ age + frailty(inst), lung),
                "frailty.R: coxph(Surv(time, status) ~ age + frailty(inst), lung)")
)
coef_rows <- list(); stat_rows <- list(); frail_rows <- list()
for (case in names(fits)) {
    fit <- fits[[case]][[1]]
    hist <- fit$history[[1]]$history
    p <- length(fit$coefficients)
    if (p > 0)
        coef_rows[[case]] <- data.frame(case = case, term = names(fit$coefficients),
                                        coef = unname(fit$coefficients),
                                        se = sqrt(diag(as.matrix(fit$var)))[seq_len(p)])
    stat_rows[[case]] <- data.frame(case = case, source = sub(":.*", "", fits[[case]][[2]]),
        theta = hist[nrow(hist), 1], loglik_null = fit$loglik[1], loglik = fit$loglik[2],
        integrated_loglik = fit$history[[1]]$c.loglik, outer_iterations = fit$iter[1],
        n = fit$n, n_events = fit$nevent)
    frail_rows[[case]] <- data.frame(case = case, index = seq_along(fit$frail), frail = fit$frail)
}
write_with_header(do.call(rbind, coef_rows), file.path(out_dir, "cox_frailty_clustered_coefficients.csv"),
                  c(versions, "# se = sqrt(diag(var)) (the printed se(coef)); disease levels in sorted order"))
write_with_header(do.call(rbind, stat_rows), file.path(out_dir, "cox_frailty_clustered_stats.csv"),
                  c(versions, "# theta = last row of fit$history[[1]]$history; loglik = fit$loglik (penalized partial likelihood without the penalty)",
                    paste("#", sapply(names(fits), function(k) paste0(k, " = ", fits[[k]][[2]])))))
write_with_header(do.call(rbind, frail_rows), file.path(out_dir, "cox_frailty_clustered_frail.csv"),
                  c(versions, "# fit$frail: estimated log-frailties by cluster in sorted order"))
