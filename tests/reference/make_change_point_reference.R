# Reference numbers for spasm_analysis.personal.change_points, from R.
#
#   Rscript tests/reference/make_change_point_reference.R
#
# 1. British coal-mining explosions (boot::coal, 191 dates in decimal years,
#    Jarrett 1979; the data Worsley 1986 and Raftery & Akman 1986 analyse):
#    written as days since 1851-01-01 on a clock ending at 1962.25, with R's
#    own computation of Worsley's likelihood ratio maximised over the onsets
#    (each onset counted before and after the cut), and the two stretches'
#    rates with their exact intervals from stats::poisson.test.
# 2. The null distribution of the maximised statistic given n (onsets uniform):
#    quantiles from 200,000 draws made in R, to check the Python simulation
#    through its p-values.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "reference_helpers.R"))
suppressPackageStartupMessages(library(boot))

per_year <- 365.25
times <- sort((coal$date - 1851) * per_year)
total <- (1962.25 - 1851) * per_year
write_with_header(data.frame(day = times), file.path(data_dir, "coal_explosions.csv"),
                  c(versions_line("make_change_point_reference.R"),
                    sprintf("# boot::coal dates as days since 1851-01-01 (clock end 1962.25 = %.4f days)", total)))

lr <- function(n1, u, n, total) {
  xl <- function(a, b) ifelse(a == 0, 0, a * log(b))
  n2 <- n - n1
  2 * (xl(n1, n1 / u) + xl(n2, n2 / (total - u)) - n * log(n / total))
}
max_lr <- function(times, total) {
  n <- length(times)
  u <- c(times, times)
  n1 <- c(seq_len(n) - 1, seq_len(n))
  value <- lr(n1, u, n, total)
  value[!(u > 0 & u < total)] <- -Inf
  k <- which.max(value)
  c(statistic = value[k], u = u[k], n1 = n1[k])
}

best <- max_lr(times, total)
n <- length(times)
n1 <- best[["n1"]]
u <- best[["u"]]
before <- poisson.test(n1, u)
after <- poisson.test(n - n1, total - u)
whole <- poisson.test(n, total)
out <- list(
  coal_n = n, coal_total = total,
  coal_statistic = best[["statistic"]], coal_u = u, coal_n1 = n1,
  before_rate = per_year * before$estimate, before_lower = per_year * before$conf.int[1], before_upper = per_year * before$conf.int[2],
  after_rate = per_year * after$estimate, after_lower = per_year * after$conf.int[1], after_upper = per_year * after$conf.int[2],
  whole_rate = per_year * whole$estimate, whole_lower = per_year * whole$conf.int[1], whole_upper = per_year * whole$conf.int[2],
  before_lower_90 = per_year * poisson.test(n1, u, conf.level = 0.9)$conf.int[1],
  before_upper_90 = per_year * poisson.test(n1, u, conf.level = 0.9)$conf.int[2]
)

set.seed(1986)
draws <- 200000
for (m in c(5, 10, 50)) {
  sims <- replicate(draws, max_lr(sort(runif(m)), 1)[["statistic"]])
  for (p in c(0.5, 0.9, 0.95, 0.99)) out[[sprintf("null_n%d_q%02d", m, round(100 * p))]] <- unname(quantile(sims, p, type = 1))
}
out$null_draws <- draws

write_with_header(data.frame(name = names(out), value = unlist(out)),
                  file.path(out_dir, "change_point_reference.csv"),
                  versions_line("make_change_point_reference.R"))
