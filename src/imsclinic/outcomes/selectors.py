"""Reads for outcomes: one episode's progress, what is due, and the clinic's outcomes.

Every read runs a fixed number of queries however long the course or large the clinic:
the episode's sessions come with their children by prefetch, and the clinic figures are
grouped and counted by the database (tests pin both counts).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from imsclinic.accounts.models import User
from imsclinic.anatomy import get_catalog
from imsclinic.charting.integrity import check_notes
from imsclinic.charting.models import (
    AdverseEvent,
    Episode,
    EpisodeSummary,
    Insertion,
    TreatmentSession,
)
from imsclinic.charting.rollup import SEVERITIES
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import PermissionDenied
from imsclinic.core.models import Clinic
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.measures import MEASURES, Change, Measure, change, first_responder_index
from imsclinic.measures.statistics import (
    PUBLISHED,
    KMPoint,
    median_time,
    rate_per_1000,
    wilson_interval,
)
from imsclinic.outcomes.models import (
    QuestionnaireLink,
    QuestionnaireResponse,
    QuestionnaireSchedule,
)

# Session pain (NPRS before needling) is charted at every session, so every episode has it;
# it is the default outcome for the clinic view. Its code is distinct from the "nprs"
# questionnaire so the two are never mixed.
SESSION_PAIN = "pain"
PAIN_MEASURE = MEASURES["nprs"]


def require_clinical(actor: Actor) -> None:
    if not actor.user.is_clinical:
        raise PermissionDenied("Outcomes are for practitioners and clinic admins.")


def episode_for_outcomes(*, actor: Actor, episode_id: object) -> Episode:
    require_clinical(actor)
    return get_for_clinic(
        Episode.objects.select_related("patient", "practitioner"),
        actor.clinic,
        episode_id,
        "Episode",
    )


# One episode --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorePoint:
    label: str  # "#3" for a session, a date for a questionnaire
    day: dt.date
    score: float
    sessions_completed: int


@dataclass
class Course:
    """A measure's scores over the episode, read against its MCID."""

    measure: Measure
    points: list[ScorePoint]
    title: str

    @property
    def baseline(self) -> ScorePoint | None:
        return self.points[0] if self.points else None

    @property
    def latest(self) -> ScorePoint | None:
        return self.points[-1] if len(self.points) > 1 else None

    @property
    def change(self) -> Change | None:
        if self.baseline is None or self.latest is None:
            return None
        return change(self.measure.code, self.baseline.score, self.latest.score)

    @property
    def responder(self) -> bool:
        return bool(self.change and self.change.reached_mcid)

    @property
    def first_mcid(self) -> ScorePoint | None:
        """The first follow-up at which the change from baseline reached the MCID."""
        if not self.points:
            return None
        index = first_responder_index(self.measure.code, [p.score for p in self.points])
        return None if index is None else self.points[index]

    def changes(self) -> list[float | None]:
        """Change from baseline per point, positive = better for the patient."""
        if not self.points:
            return []
        base = self.points[0].score
        return [
            None if i == 0 else change(self.measure.code, base, p.score).improvement
            for i, p in enumerate(self.points)
        ]


@dataclass(frozen=True)
class MuscleTwitch:
    muscle_id: str
    name: str
    insertions: int
    twitches: int

    @property
    def rate(self) -> float:
        return self.twitches / self.insertions if self.insertions else 0.0


@dataclass(frozen=True)
class Due:
    measure: Measure
    reason: str


@dataclass
class Progress:
    episode: Episode
    sessions: list[TreatmentSession]  # oldest first, with insertions and adverse events
    pain: Course
    questionnaires: list[Course]
    responses: list[QuestionnaireResponse]
    schedules: list[QuestionnaireSchedule]
    open_links: list[QuestionnaireLink]
    due: list[Due]
    twitch_by_muscle: list[MuscleTwitch]
    adverse_events: list[AdverseEvent]
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def altered_sessions(self) -> list[TreatmentSession]:
        """Signed sessions that fail the integrity check (charting/integrity.py)."""
        return [s for s in self.sessions if s.integrity.altered]  # type: ignore[attr-defined]

    @property
    def immediate_effect(self) -> float | None:
        """Mean within-session drop in pain (before - after), sessions with both recorded."""
        drops = [s.pain_before - s.pain_after for s in self.sessions if s.pain_after is not None]
        return sum(drops) / len(drops) if drops else None

    def session_rows(self) -> list[tuple[TreatmentSession, float | None, int | None]]:
        """(session, change of pre-needling pain from the first session, immediate drop)."""
        changes = self.pain.changes()
        return [
            (s, changes[i], None if s.pain_after is None else s.pain_before - s.pain_after)
            for i, s in enumerate(self.sessions)
        ]

    def treated_muscles(self) -> list[tuple[str, str, str, int]]:
        """(muscle name, side, level, times needled), most needled first."""
        counts: dict[tuple[str, str, str], int] = defaultdict(int)
        names = _muscle_names()
        for session in self.sessions:
            for insertion in session.insertions.all():
                key = (
                    names.get(insertion.muscle_id, insertion.muscle_id),
                    insertion.side,
                    insertion.level,
                )
                counts[key] += 1
        return sorted(
            ((n, s, lv, c) for (n, s, lv), c in counts.items()), key=lambda r: (-r[3], r[0], r[2])
        )


def _muscle_names() -> dict[str, str]:
    return {m.id: m.name for m in get_catalog().muscles}


def due_questionnaires(
    schedules: Iterable[QuestionnaireSchedule],
    responses: Sequence[QuestionnaireResponse],
    session_count: int,
    closed: bool,
) -> list[Due]:
    """Which scheduled measures the patient should fill in now (pure: no queries)."""
    by_measure: dict[str, list[QuestionnaireResponse]] = defaultdict(list)
    for response in responses:
        by_measure[response.measure_code].append(response)
    due: dict[str, Due] = {}
    for schedule in schedules:
        code = schedule.measure_code
        done = by_measure.get(code, [])
        last = max((r.sessions_completed for r in done), default=None)
        measure = MEASURES[code]
        if schedule.timing == QuestionnaireSchedule.Timing.INTAKE and not done:
            due.setdefault(code, Due(measure, "intake (baseline) not yet recorded"))
        elif schedule.timing == QuestionnaireSchedule.Timing.EVERY_N:
            every = schedule.every_n_sessions or 1
            since = session_count - (last or 0)
            if session_count and since >= every:
                due.setdefault(code, Due(measure, f"{since} sessions since the last one"))
        elif (
            schedule.timing == QuestionnaireSchedule.Timing.DISCHARGE
            and closed
            and (last is None or last < session_count)
        ):
            due.setdefault(code, Due(measure, "discharge"))
    return list(due.values())


def episode_progress(*, actor: Actor, episode_id: object, audit: bool = True) -> Progress:
    """Everything the progress page and the reports show, in a fixed number of queries."""
    episode = episode_for_outcomes(actor=actor, episode_id=episode_id)
    clinic = actor.clinic
    sessions = list(
        TreatmentSession.objects.filter(clinic=clinic, episode=episode)
        .select_related("practitioner")
        .prefetch_related(
            "insertions",
            "rom",  # with the rest of the signed content, for the integrity check
            Prefetch("adverse_events", queryset=AdverseEvent.objects.order_by("id")),
        )
        .order_by("session_date", "sequence", "id")
    )
    # The progress page and the PDF show signed sessions: each says whether it is intact.
    check_notes(clinic.pk, episode.patient_id, sessions, with_amendments=False)
    responses = list(
        QuestionnaireResponse.objects.filter(clinic=clinic, episode=episode).order_by(
            "answered_at", "id"
        )
    )
    schedules = list(QuestionnaireSchedule.objects.filter(clinic=clinic, episode=episode))
    now = timezone.now()
    open_links = list(
        QuestionnaireLink.objects.filter(
            clinic=clinic, episode=episode, used_at__isnull=True, expires_at__gt=now
        )
    )
    pain = Course(
        PAIN_MEASURE,
        [
            ScorePoint(f"#{s.sequence}", s.session_date, s.pain_before, i)
            for i, s in enumerate(sessions)
        ],
        "Pain before needling (NPRS 0-10)",
    )
    by_measure: dict[str, list[ScorePoint]] = defaultdict(list)
    for r in responses:
        by_measure[r.measure_code].append(
            ScorePoint(
                timezone.localdate(r.answered_at).isoformat(),
                timezone.localdate(r.answered_at),
                r.score,
                r.sessions_completed,
            )
        )
    courses = [
        Course(MEASURES[code], points, MEASURES[code].name)
        for code, points in sorted(by_measure.items())
    ]
    twitch: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    adverse: list[AdverseEvent] = []
    for s in sessions:
        for insertion in s.insertions.all():
            twitch[insertion.muscle_id][0] += 1
            twitch[insertion.muscle_id][1] += insertion.twitch != Insertion.Twitch.NONE
        adverse.extend(s.adverse_events.all())
    names = _muscle_names()
    twitch_rows = sorted(
        (MuscleTwitch(m, names.get(m, m), n, t) for m, (n, t) in twitch.items()),
        key=lambda row: (-row.insertions, row.name),
    )
    if audit:
        audit_record(actor=actor, action="view", patient_id=episode.patient_id, obj=episode)
    return Progress(
        episode=episode,
        sessions=sessions,
        pain=pain,
        questionnaires=courses,
        responses=responses,
        schedules=schedules,
        open_links=open_links,
        due=due_questionnaires(schedules, responses, len(sessions), not episode.is_open),
        twitch_by_muscle=twitch_rows,
        adverse_events=adverse,
        today=timezone.localdate(),
    )


# The clinic ----------------------------------------------------------------------------


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
        return _kaplan_meier_counts(self.times) if self.times else []

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


def _kaplan_meier_counts(times: dict[tuple[float, bool], int]) -> list[KMPoint]:
    """``measures.statistics.kaplan_meier`` over a histogram instead of one row per episode:
    the same product-limit steps in the same order, so the same floats."""
    per_time: dict[float, list[int]] = defaultdict(lambda: [0, 0])
    for (time, event), n in times.items():
        per_time[time][0 if event else 1] += n
    at_risk = sum(times.values())
    survival = 1.0
    points: list[KMPoint] = []
    for time in sorted(per_time):
        events, censored = per_time[time]
        if events:
            survival *= 1 - events / at_risk
        points.append(KMPoint(float(time), at_risk, events, censored, survival))
        at_risk -= events + censored
    return points


@dataclass
class ClinicOutcomes:
    measure_code: str
    measure: Measure
    overall: GroupOutcome
    by_condition: list[GroupOutcome]
    by_practitioner: list[GroupOutcome]
    published_adverse: list[dict[str, object]]
    published_courses: list[object]


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _responses_episode_sql(measure: Measure) -> str:
    order = "PARTITION BY episode_id ORDER BY answered_at, id"
    whole = f"{order} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"
    reached = "score >= baseline + %s" if measure.higher_is_better else "score <= baseline - %s"
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
                    FROM {_table(QuestionnaireResponse)}
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
    # Float scores: a change equal to the MCID on paper must count (see measures.change).
    threshold = measure.mcid - 1e-9
    joins = f"LEFT JOIN {_table(EpisodeSummary)} p ON p.episode_id = ep.id"
    if code == SESSION_PAIN:
        # Pain before session k reflects the k - 1 sessions already given.
        scores, baseline, latest = "p.sessions", "p.baseline", "p.latest"
        first_time, last_time = "p.first_mcid", "p.sessions - 1"
        params: list[Any] = []
    else:
        joins += f" LEFT JOIN ({_responses_episode_sql(measure)}) e ON e.episode_id = ep.id"
        scores, baseline, latest = "e.scores", "e.baseline", "e.latest"
        first_time, last_time = "e.first_time", "e.last_time"
        params = [threshold, clinic.pk, code]
    n, with_after, effect = "p.sessions", "p.with_after", "p.effect"
    improvement = f"{latest} - {baseline}" if measure.higher_is_better else f"{baseline} - {latest}"
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
            SUM(CASE WHEN {evaluable} AND {improvement} >= %s THEN 1 ELSE 0 END),
            {adverse}, MIN(ep.id)
        FROM {_table(Episode)} ep {joins}
        WHERE ep.clinic_id = %s
        GROUP BY ep.condition_code, ep.practitioner_id, {time}, {event}"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [threshold, *params, clinic.pk])
        return list(cursor.fetchall())


def _practitioner_label(row: Any) -> str:
    full = f"{row['first_name']} {row['last_name']}".strip()
    return full or str(row["username"])


def _tune_for_analytics() -> None:
    """For the clinic-wide grouped query on PostgreSQL, within its transaction only: no JIT
    (compiling a plan this size cost ~120 ms and saved less) and enough work_mem for the
    hash of 158k episode rollups (~14 MB) and the grouping to stay in memory (the 4 MB
    default sends them to disk). One statement, so the query count stays fixed."""
    with connection.cursor() as cursor:
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
    require_clinical(actor)
    if connection.vendor != "postgresql":
        # No transaction: on SQLite it would take the write lock (IMMEDIATE) for a read.
        return _clinic_outcomes(actor, measure_code)
    # No savepoint inside a request's transaction: the settings end with the outer one.
    with transaction.atomic(savepoint=False):
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
