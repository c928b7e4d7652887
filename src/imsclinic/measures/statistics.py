"""Small, dependency-free statistics for clinic outcome reports.

Pure Python on purpose: a clinic's numbers are small (tens to thousands of episodes), the
formulas are closed-form or a short bisection, and avoiding SciPy keeps the domain core
installable anywhere. Each function names the method it implements.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

from imsclinic.measures.published import (
    PUBLISHED,
    AdverseEventRate,
    AdverseEventReport,
    CourseLength,
    Published,
)

__all__ = [
    "PUBLISHED",
    "AdverseEventRate",
    "AdverseEventReport",
    "CourseLength",
    "KMPoint",
    "Published",
    "kaplan_meier",
    "kaplan_meier_counts",
    "median_time",
    "rate_per_1000",
    "wilson_interval",
]


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1; got {confidence!r}")


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (Wilson 1927, JASA 22:209).

    Chosen over the Wald interval because responder counts are small and rates often near 0
    or 1, where Wald collapses to zero width or leaves [0, 1]. Example: 8/10 gives
    (0.490, 0.943) at 95%.
    """
    if isinstance(successes, bool) or isinstance(n, bool):
        raise TypeError("successes and n must be counts, not yes/no values")
    if n <= 0:
        raise ValueError(f"n must be at least 1; got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be from 0 to n ({n}); got {successes}")
    _check_confidence(confidence)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # In exact arithmetic the limits at 0/n and n/n are exactly 0 and 1, and the interval
    # always holds p; float noise (centre - half_width == 2.8e-17 at 0/10) must not show.
    low = 0.0 if successes == 0 else min(p, centre - half_width)
    high = 1.0 if successes == n else max(p, centre + half_width)
    return low, high


@dataclass(frozen=True)
class KMPoint:
    time: float
    at_risk: int  # episodes still under observation just before ``time``
    events: int
    censored: int
    survival: float  # probability of no event (e.g. MCID not yet reached) beyond ``time``


def kaplan_meier(durations: Sequence[float], events: Sequence[bool]) -> list[KMPoint]:
    """Kaplan-Meier product-limit estimate (Kaplan & Meier 1958, JASA 53:457).

    For "sessions to reach MCID": ``durations`` is the session count at which the episode
    reached MCID (``events`` True) or at which it was last seen without reaching it
    (``events`` False: ongoing or discharged, so censored). One point per distinct time;
    survival changes only at times with events. Censorings tied with events are counted at
    risk at that time (the usual convention: censored after the events).
    """
    if len(durations) != len(events):
        raise ValueError(
            f"durations and events must be the same length; got {len(durations)} and {len(events)}"
        )
    for index, (duration, event) in enumerate(zip(durations, events, strict=True)):
        if isinstance(duration, bool) or not isinstance(duration, int | float):
            raise ValueError(f"duration {index} must be a number; got {duration!r}")
        if not math.isfinite(duration) or duration < 0:
            raise ValueError(f"duration {index} must be finite and not negative; got {duration}")
        if event not in (True, False):  # also accepts 0/1, which compare equal to bools
            raise ValueError(f"event {index} must be True or False; got {event!r}")
    return kaplan_meier_counts(Counter(zip(durations, (bool(e) for e in events), strict=True)))


def kaplan_meier_counts(counts: Mapping[tuple[float, bool], int]) -> list[KMPoint]:
    """:func:`kaplan_meier` over a histogram, ``(time, event) -> number of episodes``.

    Clinic outcomes count the histogram in the database (a few thousand rows for a
    clinic's whole history) instead of fetching one row per episode. Walking the distinct
    times in order keeps this O(k log k) in the number of distinct times.
    """
    per_time: dict[float, list[int]] = {}
    for (time, event), n in counts.items():
        if n < 0:
            raise ValueError(f"count of ({time}, {event}) must not be negative; got {n}")
        per_time.setdefault(time, [0, 0])[0 if event else 1] += n
    at_risk = sum(counts.values())
    survival = 1.0
    points: list[KMPoint] = []
    for time in sorted(per_time):
        group_events, group_censored = per_time[time]
        if not group_events + group_censored:
            continue
        if group_events:
            survival *= 1 - group_events / at_risk
        points.append(KMPoint(float(time), at_risk, group_events, group_censored, survival))
        at_risk -= group_events + group_censored
    return points


def median_time(km: Sequence[KMPoint]) -> float | None:
    """Median time to event: the earliest time at which survival is 0.5 or below.

    ``None`` when survival never falls that far (too few events, or too much censoring):
    the median is then not estimable, which a report must say rather than guess.
    """
    for point in km:
        if point.survival <= 0.5 + 1e-12:
            return point.time
    return None


def rate_per_1000(
    events: int, sessions: float, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Event rate per 1,000 sessions with an exact Poisson interval: (rate, low, high).

    The interval is Garwood's (1936, Biometrika 28:437) exact Poisson interval, usually
    written with chi-square quantiles, low = chi2(a/2; 2k) / 2 and high = chi2(1 - a/2;
    2k + 2) / 2. Here it is solved directly from the Poisson tail probabilities (the same
    relation, since P(X >= k | m) = P(chi2 with 2k df <= 2m)) to avoid a chi-square
    dependency. Exact intervals suit adverse events, which are rare: Brady 2014 saw no
    significant events in 7,629 treatments, and the upper limit is still informative.
    For the share of sessions with at least one event, use :func:`wilson_interval` instead.
    """
    if isinstance(events, bool) or not isinstance(events, int) or events < 0:
        raise ValueError(f"events must be a whole number, 0 or more; got {events!r}")
    if isinstance(sessions, bool) or not isinstance(sessions, int | float):
        raise ValueError(f"sessions must be a number; got {sessions!r}")
    if not math.isfinite(sessions) or sessions <= 0:
        raise ValueError(f"sessions must be more than 0; got {sessions!r}")
    _check_confidence(confidence)
    alpha = 1 - confidence
    # Lower limit: the mean m for which P(X >= k | m) = alpha/2 (0 when nothing happened).
    low = 0.0 if events == 0 else _solve_mean(lambda m: _gamma_p(events, m), alpha / 2)
    # Upper limit: the mean m for which P(X <= k | m) = alpha/2, i.e. P(X >= k+1) = 1 - alpha/2.
    high = _solve_mean(lambda m: _gamma_p(events + 1, m), 1 - alpha / 2)
    scale = 1000 / sessions
    return events * scale, low * scale, high * scale


def _solve_mean(increasing: Callable[[float], float], target: float) -> float:
    """Bisection for the Poisson mean m where ``increasing(m)`` equals ``target``."""
    lo, hi = 0.0, 1.0
    while increasing(hi) < target:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if increasing(mid) < target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2


def _gamma_p(a: int, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x) = P(Poisson(x) >= a) for whole a >= 1.

    Series for x < a + 1, Lentz continued fraction otherwise (Press et al., Numerical
    Recipes, 3rd ed., section 6.2): both converge fast in their region.
    """
    if x <= 0:
        return 0.0
    log_prefactor = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = total = 1 / a
        denominator = a
        for _ in range(10_000):
            denominator += 1
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return min(1.0, total * math.exp(log_prefactor))
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return max(0.0, 1 - math.exp(log_prefactor) * h)
