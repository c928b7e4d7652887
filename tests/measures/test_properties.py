"""Property tests: any valid form scores inside the range, and scores move with answers."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from imsclinic.measures import MEASURES, Measure, change, score
from imsclinic.measures.statistics import kaplan_meier, rate_per_1000, wilson_interval

measures = st.sampled_from(list(MEASURES.values()))


@st.composite
def valid_forms(draw: st.DrawFn) -> tuple[Measure, list[int | None]]:
    """A measure and a form it must accept: right length, answers in range, few enough blanks."""
    measure = draw(measures)
    if isinstance(measure.item_count, range):
        count = draw(st.sampled_from(list(measure.item_count)))
    else:
        count = measure.item_count
    answers: list[int | None] = draw(
        st.lists(st.integers(measure.item_min, measure.item_max), min_size=count, max_size=count)
    )
    blanks = draw(st.sets(st.integers(0, count - 1), max_size=count - measure.min_answered))
    for index in blanks:
        answers[index] = None
    return measure, answers


@given(valid_forms())
def test_any_valid_form_scores_inside_the_range(form: tuple[Measure, list[int | None]]) -> None:
    measure, answers = form

    result = score(measure.code, answers)

    assert measure.score_min <= result.raw <= measure.score_max
    assert measure.score_min <= result.score <= measure.score_max
    assert result.answered + result.missing == len(answers)
    assert abs(result.score - result.raw) <= 0.5 * 10**-measure.decimals + 1e-9
    assert (result.band is None) == (not measure.bands)


@given(valid_forms(), st.data())
def test_raising_one_answer_raises_the_score(
    form: tuple[Measure, list[int | None]], data: st.DataObject
) -> None:
    # On every instrument a higher item value means a higher score (more pain/disability for
    # NPRS/ODI/NDI/QuickDASH, more function for PSFS/LEFS), so the change must be strict.
    measure, answers = form
    raisable = [i for i, a in enumerate(answers) if a is not None and a < measure.item_max]
    if not raisable:
        return
    index = data.draw(st.sampled_from(raisable))
    raised = list(answers)
    raised[index] = answers[index] + 1  # type: ignore[operator]

    assert score(measure.code, raised).raw > score(measure.code, answers).raw


def test_identical_answers_are_monotone_from_floor_to_ceiling() -> None:
    for measure in MEASURES.values():
        count = measure.item_count if isinstance(measure.item_count, int) else 3
        raws = [
            score(measure.code, [v] * count).raw
            for v in range(measure.item_min, measure.item_max + 1)
        ]

        assert raws == sorted(raws) and len(set(raws)) == len(raws), measure.code
        assert (raws[0], raws[-1]) == (measure.score_min, measure.score_max), measure.code


@given(measures, st.data())
def test_proration_does_not_change_a_uniform_form(measure: Measure, data: st.DataObject) -> None:
    # If every answered item is v, the prorated score must equal the full-form score for v:
    # a blank is filled with the mean of the others, never read as better or worse.
    count = measure.item_count if isinstance(measure.item_count, int) else 5
    value = data.draw(st.integers(measure.item_min, measure.item_max))
    blanks = data.draw(st.sets(st.integers(0, count - 1), max_size=count - measure.min_answered))
    answers: list[int | None] = [None if i in blanks else value for i in range(count)]

    assert math.isclose(score(measure.code, answers).raw, score(measure.code, [value] * count).raw)


@given(measures, st.data())
def test_improvement_is_antisymmetric_and_signed_by_direction(
    measure: Measure, data: st.DataObject
) -> None:
    scores = st.floats(measure.score_min, measure.score_max)
    baseline, current = data.draw(scores), data.draw(scores)

    forward, backward = (
        change(measure.code, baseline, current),
        change(measure.code, current, baseline),
    )

    assert forward.improvement == -backward.improvement
    sign = 1 if measure.higher_is_better else -1
    assert forward.improvement == sign * (current - baseline)
    assert not (forward.reached_mcid and backward.reached_mcid)


@given(st.integers(1, 500), st.data())
def test_wilson_interval_holds_the_observed_rate(n: int, data: st.DataObject) -> None:
    successes = data.draw(st.integers(0, n))

    low, high = wilson_interval(successes, n)

    assert 0 <= low <= successes / n <= high <= 1


@given(st.integers(0, 60), st.integers(1, 100_000))
def test_exact_poisson_limits_have_the_stated_tail_probabilities(
    events: int, sessions: int
) -> None:
    # Checked against a direct sum of Poisson probabilities, independent of the gamma routine:
    # P(X >= k | low) = 0.025 and P(X <= k | high) = 0.025.
    rate, low, high = rate_per_1000(events, sessions)
    to_mean = sessions / 1000

    def cdf(k: int, mean: float) -> float:
        return sum(math.exp(-mean + i * math.log(mean) - math.lgamma(i + 1)) for i in range(k + 1))

    assert low <= rate <= high
    assert math.isclose(cdf(events, high * to_mean), 0.025, abs_tol=1e-7)
    if events:
        assert math.isclose(1 - cdf(events - 1, low * to_mean), 0.025, abs_tol=1e-7)


@given(st.lists(st.tuples(st.integers(0, 30), st.booleans()), max_size=60))
def test_kaplan_meier_survival_never_rises(episodes: list[tuple[int, bool]]) -> None:
    km = kaplan_meier([d for d, _ in episodes], [e for _, e in episodes])

    survivals = [p.survival for p in km]
    assert all(0 <= s <= 1 for s in survivals)
    assert survivals == sorted(survivals, reverse=True)
    assert sum(p.events + p.censored for p in km) == len(episodes)


@given(st.lists(st.integers(1, 30), min_size=1, max_size=60))
def test_without_censoring_kaplan_meier_is_the_empirical_survival(durations: list[int]) -> None:
    km = kaplan_meier(durations, [True] * len(durations))

    for point in km:
        beyond = sum(1 for d in durations if d > point.time) / len(durations)
        assert math.isclose(point.survival, beyond, abs_tol=1e-12)
