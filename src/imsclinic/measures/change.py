"""Change between two scores, read against the measure's MCID.

Improvement is signed so that positive always means "better for the patient": for measures
where a higher score is worse (NPRS, ODI, NDI, QuickDASH) a fall in score is an improvement.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from imsclinic.measures.definitions import Measure, get_measure

# Scores come from float arithmetic (e.g. PSFS means: 6.7 - 4.7 == 2.0000000000000004 but
# 6.6 - 4.6 == 1.9999999999999996); a change that equals the MCID on paper must count.
_MCID_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Change:
    measure: str
    baseline: float
    current: float
    delta: float  # current - baseline, in score units, sign as on the form
    improvement: float  # positive = better for the patient
    reached_mcid: bool  # improvement >= MCID
    # improvement as a percent of the baseline score; None when the baseline is 0 (undefined).
    percent_change: float | None


def change(measure: str, baseline: float, current: float) -> Change:
    """Compare ``current`` with ``baseline`` on ``measure``.

    Raises ``ValueError`` for a score outside the measure's range, which signals an unscored
    or mis-keyed value rather than a real change.
    """
    definition = get_measure(measure)
    _check_in_range(definition, "baseline", baseline)
    _check_in_range(definition, "current", current)
    delta = current - baseline
    improvement = delta if definition.higher_is_better else -delta
    # Relative improvement against baseline, as in Ostelo 2008's "30% from baseline" threshold.
    percent = None if baseline == 0 else improvement / abs(baseline) * 100
    return Change(
        measure=definition.code,
        baseline=baseline,
        current=current,
        delta=delta,
        improvement=improvement,
        reached_mcid=improvement >= definition.mcid - _MCID_TOLERANCE,
        percent_change=percent,
    )


def is_responder(measure: str, baseline: float, current: float) -> bool:
    """True when the improvement from ``baseline`` to ``current`` is at least the MCID."""
    return change(measure, baseline, current).reached_mcid


def first_responder_index(measure: str, scores: Sequence[float]) -> int | None:
    """Index of the first score after ``scores[0]`` (the baseline) that reaches the MCID.

    ``None`` when no follow-up score reaches it yet (including when there is no follow-up);
    for "sessions to MCID" analyses that episode is censored, not a failure.
    """
    if not scores:
        raise ValueError("first_responder_index needs at least the baseline score")
    baseline = scores[0]
    for index in range(1, len(scores)):
        if is_responder(measure, baseline, scores[index]):
            return index
    # Validate the baseline even when there is no follow-up, so a bad value never passes.
    _check_in_range(get_measure(measure), "baseline", baseline)
    return None


def _check_in_range(measure: Measure, name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{measure.abbreviation} {name} score must be a number; got {value!r}")
    if not math.isfinite(value) or not measure.score_min <= value <= measure.score_max:
        raise ValueError(
            f"{measure.abbreviation} {name} score must be from {measure.score_min:g} to "
            f"{measure.score_max:g}; got {value!r}"
        )
