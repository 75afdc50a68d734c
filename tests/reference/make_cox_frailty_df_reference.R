# Effective degrees of freedom and AIC of the shared gamma frailty fits (R's
# coxpenal.df, fit$df, AIC(fit) = -2 fit$loglik[2] + 2 sum(fit$df)), and what
# cox.zph(fit) does with them, for the frailty fits of make_cox_reference.R (cgd,
# bladder2) and make_cox_frailty_clustered_reference.R (kidney, rats, lung).
#
# Run from the repository root:  Rscript tests/reference/make_cox_frailty_df_reference.R
source("tests/reference/reference_helpers.R")
versions <- versions_line("make_cox_frailty_df_reference.R")

kidney <- survival::kidney
kidney$disease <- factor(as.character(kidney$disease),
                         levels = sort(unique(as.character(kidney$disease)), method = "radix"))
rats <- subset(survival::rats, sex == "f")
lung <- subset(survival::lung, !is.na(inst))
fits <- list(
    cgd = coxph(Surv(tstart, tstop, status) ~ treat + inherit + steroids + age +
                frailty(id, distribution = "gamma"), data = survival::cgd),
    bladder2 = coxph(Surv(start, stop, event) ~ rx + number + size + frailty(id, distribution = "gamma"),
                     data = survival::bladder2),
    kidney = coxph(Surv(time, status) ~ age + sex + disease + frailty(id), kidney),
    rats = coxph(Surv(time, status) ~ rx + frailty(litter), rats, method = "breslow"),
    rats_null = coxph(Surv(time, status) ~ frailty(litter), rats),
    lung = coxph(Surv(time, status) ~ age + frailty(inst), lung)
)
df_rows <- list(); stat_rows <- list(); zph_rows <- list()
for (case in names(fits)) {
    fit <- fits[[case]]
    terms <- c(attr(terms(fit), "term.labels"))
    terms[grepl("^frailty", terms)] <- "frailty"
    df_rows[[case]] <- data.frame(case = case, term = terms, df = fit$df)
    cc <- concordance(fit)
    stat_rows[[case]] <- data.frame(case = case, loglik = fit$loglik[2], df = sum(fit$df),
                                    aic = AIC(fit), concordance = unname(cc$concordance),
                                    concordance_se = sqrt(unname(cc$var)))
    z <- try(cox.zph(fit), silent = TRUE)
    if (!inherits(z, "try-error"))
        zph_rows[[case]] <- data.frame(case = case, term = rownames(z$table),
                                       chisq = z$table[, "chisq"], df = z$table[, "df"],
                                       p = z$table[, "p"])
}
write_with_header(do.call(rbind, df_rows), file.path(out_dir, "cox_frailty_df.csv"),
                  c(versions, "# fit$df per term (fixed terms: trace(C_jj^-1 var2_jj); frailty: G - sum(diag(H^-1) * penalty)), R's coxpenal.df"))
write_with_header(do.call(rbind, stat_rows), file.path(out_dir, "cox_frailty_aic.csv"),
                  c(versions, "# loglik = fit$loglik[2]; df = sum(fit$df); aic = AIC(fit); concordance(fit) and sqrt($var) (no cluster: per row)"))
write_with_header(do.call(rbind, zph_rows), file.path(out_dir, "cox_frailty_zph.csv"),
                  c(versions, "# cox.zph(fit) on the frailty fits: terms with their fit$df, GLOBAL with sum(fit$df)"))
