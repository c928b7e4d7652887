"""Scoring rules for each outcome measure, exactly as published.

Each ``_score_<code>`` function documents its rule and source. They receive answers that
:func:`score` has already validated (in range, whole numbers, enough answered), so each rule
reads like the formula on the published scoring sheet.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from imsclinic.measures.definitions import Band, Measure, get_measure, round_half_up
from imsclinic.measures.errors import ItemError

Answer = int | float | None


@dataclass(frozen=True)
class Score:
    measure: str
    # Rounded for display (Measure.decimals); ``raw`` keeps full precision for statistics.
    score: float
    raw: float
    interpretation: str
    answered: int
    missing: int
    band: Band | None
    # NDI only: the 0-100 percent form (total x 2) that some papers report instead of points.
    percent: float | None = None

    @property
    def prorated(self) -> bool:
        """True when unanswered items were filled in by the published proration rule."""
        return self.missing > 0


def _score_nprs(answers: list[int]) -> float:
    """NPRS: the single 0-10 rating is the score (higher = more pain)."""
    return float(answers[0])


def _score_psfs(answers: list[int]) -> float:
    """PSFS: mean of the rated activities, each 0 (unable) to 10 (as before the problem).

    Stratford 1995, Physiotherapy Canada 47:258. Unrated activities are left out of the mean
    rather than counted as 0, because a blank means "not asked", not "unable".
    """
    return sum(answers) / len(answers)


def _score_odi(answers: list[int]) -> float:
    """ODI v2.1a: index = sum / (5 x sections answered) x 100, 0-100 %.

    Fairbank & Pynsent 2000, Spine 25(22):2940. Their worked example with one section missed:
    16 / 45 x 100 = 35.5 %. Dividing by the sections answered (not by 50) is the published
    way to handle a missed or not-applicable section (often "Sex life").
    """
    return sum(answers) / (5 * len(answers)) * 100


def _score_ndi(answers: list[int]) -> float:
    """NDI: total = sum of 10 items 0-5, range 0-50 points (x 2 for percent).

    Vernon & Mior 1991, J Manipulative Physiol Ther 14(7):409. A missed item is given the mean
    of the answered items (Vernon's scoring note), which is sum / answered x 10.
    """
    return sum(answers) / len(answers) * 10


def _score_quickdash(answers: list[int]) -> float:
    """QuickDASH: ((sum / n answered) - 1) x 25, range 0-100 (higher = more disability).

    Beaton 2005, J Bone Joint Surg Am 87(5):1038; at least 10 of 11 items answered.
    """
    return (sum(answers) / len(answers) - 1) * 25


def _score_lefs(answers: list[int]) -> float:
    """LEFS: sum of 20 items 0-4, range 0-80 (higher = better function).

    Binkley 1999, Phys Ther 79(4):371. With blanks (project rule, at most 2) the sum is
    prorated to 20 items: sum / answered x 20, so a form with a blank is not read as worse.
    """
    return sum(answers) / len(answers) * 20


_RULES: dict[str, Callable[[list[int]], float]] = {
    "nprs": _score_nprs,
    "psfs": _score_psfs,
    "odi": _score_odi,
    "ndi": _score_ndi,
    "quickdash": _score_quickdash,
    "lefs": _score_lefs,
}


def score(code: str, items: Sequence[Answer]) -> Score:
    """Score one completed form.

    ``items`` holds one answer per item in form order; ``None`` marks an unanswered item.
    Raises :class:`ItemError` naming the item for an answer out of range, not a whole number
    or a yes/no value; and naming the form for a wrong item count or too many unanswered.
    Raises :class:`UnknownMeasure` for an unknown ``code``.
    """
    measure = get_measure(code)
    answers = _validated_answers(measure, items)
    answered = [a for a in answers if a is not None]
    missing = len(answers) - len(answered)
    if len(answered) < measure.min_answered:
        blank = ", ".join(str(i) for i, a in enumerate(answers, start=1) if a is None)
        raise ItemError(
            None,
            "too_many_missing",
            f"{measure.name} needs at least {measure.min_answered} answered items; "
            f"{missing} of {len(answers)} are unanswered (items {blank})",
        )
    raw = _RULES[measure.code](answered)
    band = measure.band_for(raw)
    percent = round_half_up(raw * 2, measure.decimals) if measure.code == "ndi" else None
    return Score(
        measure=measure.code,
        score=round_half_up(raw, measure.decimals),
        raw=raw,
        interpretation=_interpretation(measure, raw, band, len(answered), missing),
        answered=len(answered),
        missing=missing,
        band=band,
        percent=percent,
    )


def _validated_answers(measure: Measure, items: Sequence[Answer]) -> list[int | None]:
    # A str is a Sequence too; "3452..." must not be scored digit by digit.
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise ItemError(
            None,
            "not_a_list",
            f"{measure.name} answers must be a list with one entry per item; "
            f"got {type(items).__name__}",
        )
    if not measure.accepts_item_count(len(items)):
        raise ItemError(
            None,
            "wrong_item_count",
            f"{measure.name} has {measure.describe_item_count()} items; got {len(items)}",
        )
    return [_validated_answer(measure, n, value) for n, value in enumerate(items, start=1)]


def _validated_answer(measure: Measure, item: int, value: object) -> int | None:
    if value is None:
        return None
    expected = f"Item {item} must be an integer from {measure.item_min} to {measure.item_max}"
    # bool is an int subclass: True would silently score as 1.
    if isinstance(value, bool):
        raise ItemError(item, "not_integer", f"{expected}; got {value!r} (a yes/no value)")
    if isinstance(value, numbers.Integral):
        whole = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        # Whole floats (3.0) arrive from JSON and spreadsheets; they are unambiguous.
        whole = int(float(value))
    else:
        raise ItemError(item, "not_integer", f"{expected}; got {value!r}")
    if not measure.item_min <= whole <= measure.item_max:
        raise ItemError(item, "out_of_range", f"{expected}; got {whole}")
    return whole


def _interpretation(
    measure: Measure, raw: float, band: Band | None, answered: int, missing: int
) -> str:
    shown = round_half_up(raw, measure.decimals)
    value = f"{shown:.{measure.decimals}f}"
    direction = "higher is better" if measure.higher_is_better else "higher is worse"
    if band is not None:
        text = f"{band.label} ({measure.abbreviation} {value}, band {band.low:g}-{band.high:g})"
    else:
        text = (
            f"{measure.abbreviation} {value} of {measure.score_max:g} ({direction}); "
            "no published severity bands"
        )
    if missing:
        text += f"; scored from {answered} of {answered + missing} items"
    return text
