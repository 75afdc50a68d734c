# Piecewise-constant gap-time hazard with a calendar trend and an annual cycle, fitted as a
# Poisson GLM with an offset (R glm) on the exposure chunks of
# tests/reference/data/gap_hazard_chunks.csv (written by make_gap_hazard_inputs.py).
# The profile likelihood of spasm_analysis.personal.gap_hazard has the same maximum.
# Run from the repository root: Rscript tests/reference/make_gap_hazard_reference.R
source("tests/reference/reference_helpers.R")

chunks <- read.csv(file.path(data_dir, "gap_hazard_chunks.csv"))
chunks$piece <- factor(chunks$piece)
chunks$trend <- (chunks$x - chunks$now) / 365.25
chunks$cos <- cos(2 * pi * chunks$x / 365.25)
chunks$sin <- sin(2 * pi * chunks$x / 365.25)
control <- glm.control(epsilon = 1e-14, maxit = 100)

fits <- list(
    none = glm(events ~ 0 + piece + offset(log(days)), family = poisson, data = chunks, control = control),
    trend = glm(events ~ 0 + piece + trend + offset(log(days)), family = poisson, data = chunks, control = control),
    season = glm(events ~ 0 + piece + cos + sin + offset(log(days)), family = poisson, data = chunks, control = control),
    both = glm(events ~ 0 + piece + trend + cos + sin + offset(log(days)), family = poisson, data = chunks, control = control)
)
rows <- list()
for (model in names(fits)) {
    fit <- fits[[model]]
    b <- coef(fit)
    v <- vcov(fit)
    wald <- NA
    if ("cos" %in% names(b)) {
        s <- c("cos", "sin")
        wald <- as.numeric(t(b[s]) %*% solve(v[s, s]) %*% b[s])
    }
    # logLik: the models' likelihood-ratio statistics give the Akaike weight of the annual cycle.
    rows[[model]] <- data.frame(model = model, term = names(b), estimate = unname(b), season_wald = wald,
                                loglik = as.numeric(logLik(fit)))
}
write_with_header(do.call(rbind, rows), file.path(out_dir, "gap_hazard_glm.csv"),
                  versions_line("make_gap_hazard_reference.R"))
