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
    # reached_mcid, or an improvement of at least the measure's responder percentage
    # (NPRS: 2 points or 30% [Farrar 2001], so 3 -> 2 responds as 8 -> 6 does).
    responder: bool = False


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
    reached = improvement >= definition.mcid - _MCID_TOLERANCE
    relative = (
        definition.responder_percent is not None
        and percent is not None
        and improvement > 0
        and percent >= definition.responder_percent - _MCID_TOLERANCE
    )
    return Change(
        measure=definition.code,
        baseline=baseline,
        current=current,
        delta=delta,
        improvement=improvement,
        reached_mcid=reached,
        percent_change=percent,
        responder=reached or relative,
    )


def is_responder(measure: str, baseline: float, current: float) -> bool:
    """True when the improvement from ``baseline`` to ``current`` is at least the MCID, or
    at least the measure's responder percentage of the baseline (NPRS: 30%, Farrar 2001)."""
    return change(measure, baseline, current).responder


def responder_sql(measure: Measure, baseline: str, score: str) -> str:
    """The same test as ``is_responder``, as an SQL condition over two numeric expressions,
    for outcomes counted by the database. The thresholds are the measure's own constants
    (never input), written as literals so the condition needs no parameters."""
    improvement = (
        f"({score} - {baseline})" if measure.higher_is_better else f"({baseline} - {score})"
    )
    condition = f"{improvement} >= {measure.mcid - _MCID_TOLERANCE!r}"
    if measure.responder_percent is not None:
        condition += (
            f" OR ({improvement} > 0 AND {improvement} * 100 >= "
            f"{measure.responder_percent!r} * ABS({baseline}) - {_MCID_TOLERANCE!r})"
        )
    return f"({condition})"


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
