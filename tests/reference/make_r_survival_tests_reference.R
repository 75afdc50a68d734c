# Cases from R survival's own test suite (tests/*.R of survival 3.5-3), re-run here
# so that tests/test_r_survival_tests.py can compare spasm_analysis with the same
# fits. Each case names the R test file it comes from. The small data sets of
# those files are written to tests/reference/data/rtests_*.csv; jasa1 and bladder2
# come with the package.
#
# For every fit: coefficients, model-based and robust standard errors,
# log-likelihoods, score and Wald tests, martingale, score (collapsed by the
# cluster when there is one) and Schoenfeld residuals, and survfit(fit, newdata)
# cumulative hazard and standard error for one covariate profile.
#
# Run from the repository root:  Rscript tests/reference/make_r_survival_tests_reference.R
source("tests/reference/reference_helpers.R")
versions <- versions_line("make_r_survival_tests_reference.R")

# --- data sets of the R test files (values as printed there) ---------------------
data_sets <- list(
    test1 = data.frame(time = c(9, 3, 1, 1, 6, 6, 8), status = c(1, NA, 1, 0, 1, 1, 0),
                       x = c(0, 2, 1, 1, 1, 0, 0)),
    test2 = data.frame(start = c(1, 2, 5, 2, 1, 7, 3, 4, 8, 8),
                       stop = c(2, 3, 6, 7, 8, 9, 9, 9, 14, 17),
                       event = c(1, 1, 1, 1, 1, 1, 1, 0, 0, 0),
                       x = c(1, 0, 0, 1, 0, 1, 1, 1, 0, 0)),
    testw1 = data.frame(time = c(1, 1, 2, 2, 2, 2, 3, 4, 5), status = c(1, 0, 1, 1, 1, 0, 0, 1, 0),
                        x = c(2, 0, 1, 1, 0, 1, 0, 1, 0), wt = c(1, 2, 3, 4, 3, 2, 1, 2, 1),
                        id = 1:9),
    testw3 = data.frame(id = c(1, 1, 2, 3, 3, 3, 4, 5, 5, 6, 7, 8, 8, 9),
                        begin = c(0, 5, 0, 0, 10, 15, 0, 0, 14, 0, 0, 0, 23, 0),
                        time = c(5, 10, 10, 10, 15, 20, 20, 14, 20, 20, 30, 23, 40, 50),
                        status = c(0, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0),
                        x = c(2, 2, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0),
                        wt = c(1, 1, 2, 3, 3, 3, 4, 3, 3, 2, 1, 2, 2, 1)),
    test1b = data.frame(start = c(0, 3, 0, 0, 5, 0, 6, 14, 0, 0, 10, 20, 30, 0),
                        stop = c(3, 10, 10, 5, 20, 6, 14, 20, 30, 10, 20, 30, 40, 10),
                        status = c(0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0),
                        x = c(1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, NA),
                        id = c(3, 3, 4, 5, 5, 6, 6, 6, 7, 1, 1, 1, 1, 2)),
    test3 = data.frame(futime = 1:12, fustat = c(1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0),
                       x1 = rep(0:1, 6), x2 = c(rep(0, 6), rep(1, 6)))
)
sources <- c(test1 = "book1.R, book2.R, stratatest.R", test2 = "book3.R, book4.R, stratatest.R",
             testw1 = "book5.R, book6.R, doweight.R", testw3 = "doweight.R",
             test1b = "counting.R", test3 = "infcox.R")
for (name in names(data_sets))
    write_with_header(data_sets[[name]], file.path(data_dir, sprintf("rtests_%s.csv", name)),
                      c(versions, sprintf("# data set %s of R survival tests/%s", name, sources[[name]])))
write_with_header(survival::jasa1, file.path(data_dir, "jasa1.csv"),
                  c(versions, "# survival::jasa1 (Stanford heart transplant, counting-process form) for tests/jasa.R"))
d <- data_sets
bl2 <- survival::bladder2
doubled <- function(df) cbind(rbind(df, df), tstrat = rep(1:2, each = nrow(df)))

cases <- list(
    list("book1", "book1.R", coxph(Surv(time, status) ~ x, d$test1, ties = "breslow"), data.frame(x = 0)),
    list("book2", "book2.R", coxph(Surv(time, status) ~ x, d$test1, ties = "efron"), data.frame(x = 0)),
    list("book3", "book3.R", coxph(Surv(start, stop, event) ~ x, d$test2, ties = "breslow"), data.frame(x = 0)),
    list("book4", "book4.R", coxph(Surv(start, stop, event) ~ x, d$test2, ties = "efron"), data.frame(x = 0)),
    list("book5", "book5.R", coxph(Surv(time, status) ~ x, d$testw1, weights = wt, ties = "breslow"), data.frame(x = 0)),
    list("book6", "book6.R", coxph(Surv(time, status) ~ x, d$testw1, weights = wt, ties = "efron"), data.frame(x = 0)),
    list("counting", "counting.R", coxph(Surv(start, stop, status) ~ x, d$test1b, cluster = id), data.frame(x = 1)),
    list("doweight_breslow", "doweight.R", coxph(Surv(begin, time, status) ~ x, d$testw3, weights = wt, ties = "breslow"), data.frame(x = 1)),
    list("doweight_efron", "doweight.R", coxph(Surv(begin, time, status) ~ x, d$testw3, weights = wt, ties = "efron"), data.frame(x = 1)),
    list("infcox", "infcox.R", suppressWarnings(coxph(Surv(futime, fustat) ~ x1 + x2, d$test3)), NULL),
    list("stratatest1", "stratatest.R", coxph(Surv(time, status) ~ x + strata(tstrat), doubled(d$test1)), NULL),
    list("stratatest2", "stratatest.R", coxph(Surv(start, stop, event) ~ x + strata(tstrat), doubled(d$test2)), NULL),
    list("bladder_fita", "bladder.R", coxph(Surv(start, stop, event) ~ rx + size + number, cluster = id, bl2, ties = "breslow"),
         data.frame(rx = 2, size = 1, number = 3)),
    list("bladder_fit2pa", "bladder.R", coxph(Surv(stop, event) ~ rx + size + number, bl2, subset = (enum == 2), ties = "breslow"), NULL),
    list("bladder_fit2pb", "bladder.R", coxph(Surv(stop - start, event) ~ rx + size + number, bl2, subset = (enum == 2), ties = "breslow"), NULL),
    list("jasa_sfit1", "jasa.R", coxph(Surv(start, stop, event) ~ (age + surgery) * transplant, jasa1, method = "breslow"),
         data.frame(age = -5, surgery = 0, transplant = 1)),
    list("jasa_fit3", "jasa.R", coxph(Surv(start, stop, event) ~ age, jasa1), data.frame(age = 10))
)

rows <- list()
add <- function(case, source, quantity, values, index = seq_along(values))
    rows[[length(rows) + 1]] <<- data.frame(case = case, source = source, quantity = quantity,
                                            index = index, value = unname(as.vector(values)))
for (item in cases) {
    case <- item[[1]]; source <- item[[2]]; fit <- item[[3]]; newdata <- item[[4]]
    robust <- !is.null(fit$naive.var)
    add(case, source, "coef", coef(fit))
    add(case, source, "se", sqrt(diag(if (robust) fit$naive.var else fit$var)))
    if (robust) add(case, source, "robust_se", sqrt(diag(fit$var)))
    add(case, source, "loglik", fit$loglik)
    add(case, source, "score", fit$score)
    add(case, source, "wald", fit$wald.test)
    add(case, source, "martingale", residuals(fit, type = "martingale"))
    add(case, source, "schoenfeld", residuals(fit, type = "schoenfeld"))
    if (!is.null(newdata)) {
        sf <- survfit(fit, newdata = newdata)
        keep <- sf$n.event > 0
        add(case, source, "survfit_time", sf$time[keep])
        add(case, source, "survfit_cumhaz", sf$cumhaz[keep])
        add(case, source, "survfit_std_err", sf$std.err[keep])
    }
}
write_with_header(do.call(rbind, rows), file.path(out_dir, "r_survival_tests.csv"),
                  c(versions, "# fits of cases from R survival tests/*.R (source = the file); see make_r_survival_tests_reference.R",
                    "# schoenfeld residuals in R's order (stratum, time); survfit rows at event times only"))
