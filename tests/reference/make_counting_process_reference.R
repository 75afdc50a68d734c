# Reference values for the CountingProcess rules (zero-length rows, subject
# apart from cluster) and the estimators that take it.
#
# 1. bladder1 (survival): two rows have start == stop. R's Surv() makes them NA
#    (with a warning) and coxph / survfit leave them out.
# 2. families: simulated recurrent episodes of subjects nested in families.
#    PWP and WLW number episodes per subject and use the family as the
#    robust-variance cluster: coxph(Surv(...) ~ x + strata(enum), cluster = family).
#
# Run from the repository root:  Rscript tests/reference/make_counting_process_reference.R
source("tests/reference/reference_helpers.R")
versions <- versions_line("make_counting_process_reference.R")

coef_table <- function(fit, model) {
    s <- summary(fit)$coefficients
    data.frame(model = model, term = rownames(s), coef = s[, "coef"], se = s[, "se(coef)"],
               robust_se = s[, "robust se"], n = fit$n, n_events = fit$nevent)
}

# --- 1. bladder1 ------------------------------------------------------------
b1 <- survival::bladder1
b1 <- data.frame(subject = b1$id, start = b1$start, stop = b1$stop,
                 event = as.integer(b1$status == 1),
                 thiotepa = as.integer(b1$treatment == "thiotepa"),
                 pyridoxine = as.integer(b1$treatment == "pyridoxine"),
                 number = b1$number, size = b1$size)
write_with_header(b1, file.path(data_dir, "bladder1.csv"),
                  c(versions, "# survival::bladder1 in counting-process form: event = (status == 1); 2 rows have start == stop"))
fit <- coxph(Surv(start, stop, event) ~ thiotepa + pyridoxine + number + size, data = b1, cluster = subject)
mcf_fit <- survfit(Surv(start, stop, event) ~ 1, data = b1, id = subject)
write_with_header(coef_table(fit, "andersen-gill"), file.path(out_dir, "bladder1_coxph.csv"),
                  c(versions, "# coxph(Surv(start, stop, event) ~ thiotepa + pyridoxine + number + size, bladder1, cluster = subject); R drops the 2 zero-length rows"))
write_with_header(data.frame(time = mcf_fit$time, n_risk = mcf_fit$n.risk, n_event = mcf_fit$n.event,
                             cumhaz = mcf_fit$cumhaz, std_chaz = mcf_fit$std.chaz),
                  file.path(out_dir, "bladder1_survfit.csv"),
                  c(versions, "# survfit(Surv(start, stop, event) ~ 1, bladder1, id = subject)"))

# --- 2. families -------------------------------------------------------------
set.seed(20261201)
n_families <- 60
rows <- list()
for (f in seq_len(n_families)) {
    family_frailty <- rgamma(1, shape = 2, rate = 2)
    for (m in seq_len(sample(1:4, 1))) {
        x <- rbinom(1, 1, 0.5)
        end <- runif(1, 200, 400)
        t <- 0
        k <- 1
        repeat {
            gap <- rexp(1, 0.004 * family_frailty * exp(0.5 * x) * (1 + 0.1 * (k - 1)))
            if (t + gap >= end) {
                rows[[length(rows) + 1]] <- data.frame(family = f, subject = sprintf("f%02d-m%d", f, m),
                                                       start = t, stop = end, event = 0L, x = x, enum = k)
                break
            }
            rows[[length(rows) + 1]] <- data.frame(family = f, subject = sprintf("f%02d-m%d", f, m),
                                                   start = t, stop = t + gap, event = 1L, x = x, enum = k)
            t <- t + gap
            k <- k + 1
        }
    }
}
fam <- do.call(rbind, rows)
write_with_header(fam, file.path(data_dir, "families.csv"),
                  c(versions, "# simulated: subjects nested in families, one row per episode (enum), gamma family frailty"))

pwp_total <- coxph(Surv(start, stop, event) ~ x + strata(enum), data = fam, cluster = family)
pwp_gap <- coxph(Surv(stop - start, event) ~ x + strata(enum), data = fam, cluster = family)
# WLW layout by hand: every subject at risk for episodes 1..K from time 0 until
# its k-th onset, or its end of follow-up when it has fewer than k onsets
K <- max(tapply(fam$event, fam$subject, sum))
wlw_rows <- do.call(rbind, lapply(split(fam, fam$subject), function(d) {
    onsets <- d$stop[d$event == 1]
    end <- max(d$stop)
    data.frame(family = d$family[1], subject = d$subject[1], x = d$x[1], enum = seq_len(K),
               stop = ifelse(seq_len(K) <= length(onsets), c(onsets, rep(NA, K))[seq_len(K)], end),
               event = as.integer(seq_len(K) <= length(onsets)))
}))
wlw <- coxph(Surv(stop, event) ~ x + strata(enum), data = wlw_rows, cluster = family)
write_with_header(rbind(coef_table(pwp_total, "pwp-total"), coef_table(pwp_gap, "pwp-gap"),
                        coef_table(wlw, "wlw")),
                  file.path(out_dir, "families_coxph.csv"),
                  c(versions, "# coxph(Surv(start, stop, event) ~ x + strata(enum), cluster = family) (pwp-total);",
                    "# Surv(stop - start, event) (pwp-gap); WLW layout built per subject (wlw); efron ties"))
