"""The clinic's outcomes across episodes: responder rates, sessions to the MCID
(Kaplan-Meier), immediate effect and adverse-event rates, per condition and practitioner,
beside the published trials. One episode's progress is in :mod:`outcomes.selectors`.

The figures are grouped and counted by the database (the per-episode rollup kept by
triggers, charting/rollup.py), so the read runs a fixed number of queries however large
the clinic (tests pin the count); Python adds up a few thousand rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from imsclinic.accounts.models import User
from imsclinic.charting.models import (
    Episode,
    EpisodeSummary,
)
from imsclinic.charting.rollup import SEVERITIES
from imsclinic.core.actors import Actor
from imsclinic.core.models import Clinic
from imsclinic.core.permissions import CLINICAL, require_role
from imsclinic.core.rawsql import table
from imsclinic.core.routing import read_connection, replica_reads
from imsclinic.measures import (
    MEASURES,
    Measure,
    responder_sql,
)
from imsclinic.measures.statistics import (
    PUBLISHED,
    KMPoint,
    kaplan_meier_counts,
    median_time,
    rate_per_1000,
    wilson_interval,
)
from imsclinic.outcomes.models import (
    QuestionnaireResponse,
)
from imsclinic.outcomes.selectors import PAIN_MEASURE, SESSION_PAIN


@dataclass
class GroupOutcome:
    key: str
    label: str
    episodes: int = 0
    evaluable: int = 0  # episodes with a baseline and at least one follow-up score
    responders: int = 0
    # Kaplan-Meier input as a histogram: (sessions, reached MCID) -> episodes. The database
    # counts it; ``durations``/``events`` expand it for callers that want one per episode.
    times: dict[tuple[float, bool], int] = field(default_factory=lambda: defaultdict(int))
    sessions: int = 0
    sessions_with_after: int = 0
    effect_sum: int = 0
    adverse: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    closed_count: int = 0  # closed episodes with at least one session
    closed_sessions: int = 0  # their sessions

    @property
    def durations(self) -> list[float]:
        return [time for (time, _), n in sorted(self.times.items()) for _ in range(n)]

    @property
    def events(self) -> list[bool]:
        return [event for (_, event), n in sorted(self.times.items()) for _ in range(n)]

    @property
    def responder_rate(self) -> float | None:
        return self.responders / self.evaluable if self.evaluable else None

    @property
    def responder_ci(self) -> tuple[float, float] | None:
        return wilson_interval(self.responders, self.evaluable) if self.evaluable else None

    @property
    def km(self) -> list[KMPoint]:
        return kaplan_meier_counts(self.times) if self.times else []

    @property
    def median_sessions_to_mcid(self) -> float | None:
        return median_time(self.km) if self.times else None

    @property
    def immediate_effect(self) -> float | None:
        return self.effect_sum / self.sessions_with_after if self.sessions_with_after else None

    @property
    def adverse_total(self) -> int:
        return sum(self.adverse.values())

    def adverse_rate(self, *severities: str) -> tuple[float, float, float] | None:
        if not self.sessions:
            return None
        events = sum(self.adverse.get(s, 0) for s in severities)
        return rate_per_1000(events, self.sessions)

    @property
    def mean_course(self) -> float | None:
        return self.closed_sessions / self.closed_count if self.closed_count else None


@dataclass
class ClinicOutcomes:
    measure_code: str
    measure: Measure
    overall: GroupOutcome
    by_condition: list[GroupOutcome]
    by_practitioner: list[GroupOutcome]
    published_adverse: list[dict[str, object]]
    published_courses: list[object]


def _responses_episode_sql(measure: Measure) -> str:
    order = "PARTITION BY episode_id ORDER BY answered_at, id"
    whole = f"{order} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"
    reached = responder_sql(measure, "baseline", "score")
    return f"""
        SELECT episode_id, COUNT(*) AS scores, MAX(baseline) AS baseline,
               MAX(latest) AS latest, MAX(last_time) AS last_time,
               MAX(CASE WHEN hit = 1 AND hits = 1 THEN sessions_completed END) AS first_time
        FROM (
            SELECT h.*, SUM(hit) OVER ({order} ROWS UNBOUNDED PRECEDING) AS hits
            FROM (
                SELECT f.*, CASE WHEN {reached} THEN 1 ELSE 0 END AS hit
                FROM (
                    SELECT episode_id, id, answered_at, score, sessions_completed,
                        FIRST_VALUE(score) OVER ({order}) AS baseline,
                        LAST_VALUE(score) OVER ({whole}) AS latest,
                        LAST_VALUE(sessions_completed) OVER ({whole}) AS last_time
                    FROM {table(QuestionnaireResponse)}
                    WHERE clinic_id = %s AND measure_code = %s
                ) f
            ) h
        ) q GROUP BY episode_id"""  # noqa: S608


def _outcome_rows(clinic: Clinic, code: str) -> list[tuple[Any, ...]]:
    """One row per (condition, practitioner, sessions to MCID or censoring, reached): episode
    counts and sums, adverse events by severity and the group's lowest episode id, all
    grouped by the database. Episodes that cannot be evaluated (no baseline and follow-up)
    have NULL time and event.

    Session counts, pain and adverse events come from the per-episode rollup
    (``EpisodeSummary``, kept by triggers: charting/rollup.py), one row per episode
    instead of every session and event; other measures are read from the questionnaire
    responses."""
    measure = PAIN_MEASURE if code == SESSION_PAIN else MEASURES[code]
    joins = f"LEFT JOIN {table(EpisodeSummary)} p ON p.episode_id = ep.id"
    if code == SESSION_PAIN:
        # Pain before session k reflects the k - 1 sessions already given.
        scores, baseline, latest = "p.sessions", "p.baseline", "p.latest"
        first_time, last_time = "p.first_mcid", "p.sessions - 1"
        params: list[Any] = []
    else:
        joins += f" LEFT JOIN ({_responses_episode_sql(measure)}) e ON e.episode_id = ep.id"
        scores, baseline, latest = "e.scores", "e.baseline", "e.latest"
        first_time, last_time = "e.first_time", "e.last_time"
        params = [clinic.pk, code]
    n, with_after, effect = "p.sessions", "p.with_after", "p.effect"
    responded = responder_sql(measure, baseline, latest)
    evaluable = f"COALESCE({scores}, 0) >= 2 AND {baseline} IS NOT NULL"
    time = f"CASE WHEN {evaluable} THEN COALESCE({first_time}, {last_time}, 0) END"
    event = f"CASE WHEN {evaluable} THEN (CASE WHEN {first_time} IS NULL THEN 0 ELSE 1 END) END"
    closed = f"ep.closed_on IS NOT NULL AND {n} > 0"
    adverse = ", ".join(f"SUM(COALESCE(p.adverse_{severity}, 0))" for severity in SEVERITIES)
    sql = f"""
        SELECT ep.condition_code, ep.practitioner_id, {time}, {event}, COUNT(*),
            SUM(CASE WHEN {closed} THEN 1 ELSE 0 END),
            SUM(CASE WHEN {closed} THEN {n} ELSE 0 END),
            SUM(COALESCE({n}, 0)), SUM(COALESCE({with_after}, 0)), SUM(COALESCE({effect}, 0)),
            SUM(CASE WHEN {evaluable} AND {responded} THEN 1 ELSE 0 END),
            {adverse}, MIN(ep.id)
        FROM {table(Episode)} ep {joins}
        WHERE ep.clinic_id = %s
        GROUP BY ep.condition_code, ep.practitioner_id, {time}, {event}"""  # noqa: S608
    with read_connection().cursor() as cursor:
        cursor.execute(sql, [*params, clinic.pk])
        return list(cursor.fetchall())


def _practitioner_label(row: Any) -> str:
    full = f"{row['first_name']} {row['last_name']}".strip()
    return full or str(row["username"])


def _tune_for_analytics() -> None:
    """For the clinic-wide grouped query on PostgreSQL, within its transaction only: no JIT
    (compiling a plan this size cost ~120 ms and saved less) and enough work_mem for the
    hash of 158k episode rollups (~14 MB) and the grouping to stay in memory (the 4 MB
    default sends them to disk). One statement, so the query count stays fixed."""
    with read_connection().cursor() as cursor:
        cursor.execute(
            "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)",
            [ANALYTICS_WORK_MEM],
        )


# Per clinic-outcomes query, at most a few times this (one sort or hash per plan node).
ANALYTICS_WORK_MEM = "64MB"


def clinic_outcomes(*, actor: Actor, measure_code: str = SESSION_PAIN) -> ClinicOutcomes:
    """Per condition and per practitioner: responders (Wilson 95% CI), sessions to MCID
    (Kaplan-Meier, episodes not yet there censored), immediate effect, adverse events per
    1,000 sessions and course length. Three queries whatever the clinic's size (four on
    PostgreSQL, which first tunes the transaction), grouped by the database: Python only
    adds up a few thousand rows per condition and practitioner."""
    require_role(actor, CLINICAL)
    # A replica may serve it (core/routing.py).
    with replica_reads(actor.clinic) as alias:
        if read_connection().vendor != "postgresql":
            # No transaction: on SQLite it would take the write lock (IMMEDIATE) for a read.
            return _clinic_outcomes(actor, measure_code)
        # No savepoint inside a request's transaction: the settings end with the outer one.
        with transaction.atomic(using=alias, savepoint=False):
            _tune_for_analytics()
            return _clinic_outcomes(actor, measure_code)


def _clinic_outcomes(actor: Actor, measure_code: str) -> ClinicOutcomes:
    if measure_code != SESSION_PAIN and measure_code not in MEASURES:
        measure_code = SESSION_PAIN
    measure = PAIN_MEASURE if measure_code == SESSION_PAIN else MEASURES[measure_code]
    clinic = actor.clinic
    practitioners = {
        row["pk"]: _practitioner_label(row)
        for row in User.objects.filter(clinic=clinic).values(
            "pk", "first_name", "last_name", "username"
        )
    }
    rows = _outcome_rows(clinic, measure_code)
    # A condition is labelled as its first episode (lowest id) names it.
    first_of_condition: dict[Any, int] = {}
    for row in rows:
        first_of_condition[row[0]] = min(row[-1], first_of_condition.get(row[0], row[-1]))
    condition_labels = dict(
        Episode.objects.filter(pk__in=list(first_of_condition.values())).values_list(
            "condition_code", "condition_label"
        )
    )
    overall = GroupOutcome("all", "All episodes")
    conditions: dict[str, GroupOutcome] = {}
    people: dict[Any, GroupOutcome] = {}

    def groups(condition: Any, practitioner: Any) -> list[GroupOutcome]:
        cond = conditions.get(str(condition))
        if cond is None:
            label = condition_labels.get(condition, "")
            cond = conditions[str(condition)] = GroupOutcome(
                str(condition), f"{label} ({condition})"
            )
        person = people.get(practitioner)
        if person is None:
            person = people[practitioner] = GroupOutcome(
                str(practitioner), practitioners.get(practitioner, "unknown")
            )
        return [overall, cond, person]

    for (
        condition,
        practitioner,
        time,
        event,
        episodes,
        closed_count,
        closed_sessions,
        sessions,
        with_after,
        effect,
        responders,
        *adverse,
        _first_episode,
    ) in rows:
        for group in groups(condition, practitioner):
            group.episodes += episodes
            group.closed_count += int(closed_count)
            group.closed_sessions += int(closed_sessions)
            group.sessions += int(sessions)
            group.sessions_with_after += int(with_after)
            group.effect_sum += int(effect)
            for severity, count in zip(SEVERITIES, adverse, strict=True):
                if count:
                    group.adverse[severity] += int(count)
            if time is not None:
                group.evaluable += episodes
                group.responders += int(responders)
                group.times[(float(time), bool(event))] += episodes

    return ClinicOutcomes(
        measure_code=measure_code,
        measure=measure,
        overall=overall,
        by_condition=sorted(conditions.values(), key=lambda g: g.key),
        by_practitioner=sorted(people.values(), key=lambda g: g.label),
        published_adverse=_published_adverse(),
        published_courses=list(PUBLISHED.course_lengths.values()),
    )


def _published_adverse() -> list[dict[str, object]]:
    """The published rates beside which the clinic's are shown, matched by severity."""
    brady = PUBLISHED.adverse_events["Brady 2014"]
    boyce = PUBLISHED.adverse_events["Boyce 2020"]
    return [
        {
            "label": "Mild / minor",
            "severities": ("mild",),
            "published": [
                (brady.source_key, brady.rate("mild").per_1000, brady.denominator_unit),
                (boyce.source_key, boyce.rate("minor").per_1000, boyce.denominator_unit),
            ],
        },
        {
            "label": "Significant or serious / major",
            "severities": ("significant", "serious"),
            "published": [
                (brady.source_key, brady.rate("significant").per_1000, brady.denominator_unit),
                (boyce.source_key, boyce.rate("major").per_1000, boyce.denominator_unit),
            ],
        },
    ]
