"""Exact binomial (Clopper-Pearson) one-sided 95 % upper bound of a rate."""

import math


def _binom_cdf(k, n, p):
    """P(X <= k) for X ~ Binomial(n, p), summed in log space (k is small here)."""
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 1.0 if k >= n else 0.0
    lp, lq = math.log(p), math.log1p(-p)
    total = 0.0
    for i in range(0, k + 1):
        total += math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq)
    return min(total, 1.0)


def upper_bound_95(k, n):
    """The p at which P(X <= k) = 0.05; with k = 0 it is 1 - 0.05 ** (1 / n)."""
    if n <= 0:
        return None
    if k >= n:
        return 1.0
    if k == 0:
        return -math.expm1(math.log(0.05) / n)
    lo, hi = k / n, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if _binom_cdf(k, n, mid) > 0.05:
            lo = mid
        else:
            hi = mid
    return hi
