# Per-subject rate models: R glm (Poisson) and MASS::glm.nb on the counting-process rows of
# tests/reference/data/rate_regression_rows.csv (written by make_rate_regression_inputs.py).
# Run from the repository root: Rscript tests/reference/make_rate_regression_reference.R
source("tests/reference/reference_helpers.R")
suppressPackageStartupMessages(library(MASS))

rows <- read.csv(file.path(data_dir, "rate_regression_rows.csv"))
rows$days <- rows$stop - rows$start
per <- aggregate(cbind(events = event, days = days) ~ subject, data = rows, FUN = sum)
base <- aggregate(cbind(arm, x) ~ subject, data = rows, FUN = function(v) v[1])
per <- merge(per, base, by = "subject")

pois <- glm(events ~ arm + x + offset(log(days)), family = poisson, data = per,
            control = glm.control(epsilon = 1e-12, maxit = 100))
nb <- glm.nb(events ~ arm + x + offset(log(days)), data = per,
             control = glm.control(epsilon = 1e-12, maxit = 100))

table_of <- function(fit, family, theta) {
    s <- summary(fit)$coefficients
    data.frame(family = family, term = rownames(s), coef = s[, 1], se = s[, 2],
               loglik = as.numeric(logLik(fit)), theta = theta)
}
out <- rbind(table_of(pois, "poisson", NA), table_of(nb, "negative-binomial", nb$theta))
write_with_header(out, file.path(out_dir, "rate_regression_r.csv"),
                  paste(versions_line("make_rate_regression_reference.R"),
                        sprintf("; MASS %s", as.character(packageVersion("MASS")))))
