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

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from imsclinic.accounts.models import User
from imsclinic.anatomy import get_catalog
from imsclinic.charting.models import AdverseEvent, Episode, Insertion, TreatmentSession
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import PermissionDenied
from imsclinic.core.models import Clinic
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.measures import MEASURES, Change, Measure, change, first_responder_index
from imsclinic.measures.statistics import (
    PUBLISHED,
    KMPoint,
    kaplan_meier,
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
            Prefetch("adverse_events", queryset=AdverseEvent.objects.order_by("id")),
        )
        .order_by("session_date", "sequence", "id")
    )
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
    durations: list[float] = field(default_factory=list)
    events: list[bool] = field(default_factory=list)
    sessions: int = 0
    sessions_with_after: int = 0
    effect_sum: int = 0
    adverse: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    closed_courses: list[int] = field(default_factory=list)

    @property
    def responder_rate(self) -> float | None:
        return self.responders / self.evaluable if self.evaluable else None

    @property
    def responder_ci(self) -> tuple[float, float] | None:
        return wilson_interval(self.responders, self.evaluable) if self.evaluable else None

    @property
    def km(self) -> list[KMPoint]:
        return kaplan_meier(self.durations, self.events) if self.durations else []

    @property
    def median_sessions_to_mcid(self) -> float | None:
        return median_time(self.km) if self.durations else None

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
        courses = self.closed_courses
        return sum(courses) / len(courses) if courses else None


@dataclass
class ClinicOutcomes:
    measure_code: str
    measure: Measure
    overall: GroupOutcome
    by_condition: list[GroupOutcome]
    by_practitioner: list[GroupOutcome]
    published_adverse: list[dict[str, object]]
    published_courses: list[object]


def _count(queryset):  # type: ignore[no-untyped-def]
    return Coalesce(
        Subquery(
            queryset.order_by().values("episode").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _episode_rows(clinic: Clinic, code: str) -> list[dict[str, Any]]:
    """One row per episode: baseline, latest, first time the MCID was reached, last time
    measured, session count. The database picks each value; Python only groups."""
    sessions = TreatmentSession.objects.filter(episode=OuterRef("pk"))
    episodes = Episode.objects.filter(clinic=clinic).annotate(session_count=_count(sessions))
    if code == SESSION_PAIN:
        mcid = PAIN_MEASURE.mcid
        first = sessions.order_by("sequence", "session_date", "id")
        last = sessions.order_by("-sequence", "-session_date", "-id")
        episodes = episodes.annotate(
            baseline=Subquery(first.values("pain_before")[:1]),
            latest=Subquery(last.values("pain_before")[:1]),
            scores=F("session_count"),
            # Pain before session k reflects the k - 1 sessions already given.
            last_time=F("session_count") - 1,
        ).annotate(
            first_mcid_time=Subquery(
                sessions.filter(pain_before__lte=OuterRef("baseline") - mcid)
                .order_by("sequence", "session_date", "id")
                .values("sequence")[:1]
            )
            - 1
        )
        measure = PAIN_MEASURE
    else:
        measure = MEASURES[code]
        responses = QuestionnaireResponse.objects.filter(episode=OuterRef("pk"), measure_code=code)
        first_response = responses.order_by("answered_at", "id")
        last_response = responses.order_by("-answered_at", "-id")
        # Float scores: a change equal to the MCID on paper must count (see measures.change).
        threshold = measure.mcid - 1e-9
        reached = (
            Q(score__gte=OuterRef("baseline") + threshold)
            if measure.higher_is_better
            else Q(score__lte=OuterRef("baseline") - threshold)
        )
        episodes = episodes.annotate(
            baseline=Subquery(first_response.values("score")[:1]),
            latest=Subquery(last_response.values("score")[:1]),
            scores=_count(responses),
            last_time=Subquery(last_response.values("sessions_completed")[:1]),
        ).annotate(
            first_mcid_time=Subquery(
                responses.filter(reached)
                .order_by("answered_at", "id")
                .values("sessions_completed")[:1]
            )
        )
    del measure
    rows: list[dict[str, Any]] = list(
        episodes.values(  # type: ignore[arg-type]
            "pk",
            "condition_code",
            "condition_label",
            "practitioner_id",
            "closed_on",
            "session_count",
            "baseline",
            "latest",
            "scores",
            "last_time",
            "first_mcid_time",
        ).order_by("condition_code", "pk")
    )
    return rows


def _practitioner_label(row: Any) -> str:
    full = f"{row['first_name']} {row['last_name']}".strip()
    return full or str(row["username"])


def clinic_outcomes(*, actor: Actor, measure_code: str = SESSION_PAIN) -> ClinicOutcomes:
    """Per condition and per practitioner: responders (Wilson 95% CI), sessions to MCID
    (Kaplan-Meier, episodes not yet there censored), immediate effect, adverse events per
    1,000 sessions and course length. Four queries whatever the clinic's size."""
    require_clinical(actor)
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
    overall = GroupOutcome("all", "All episodes")
    conditions: dict[str, GroupOutcome] = {}
    people: dict[Any, GroupOutcome] = {}

    def groups(condition: Any, label: Any, practitioner: Any) -> list[GroupOutcome]:
        cond = conditions.setdefault(
            str(condition), GroupOutcome(str(condition), f"{label} ({condition})")
        )
        person = people.setdefault(
            practitioner,
            GroupOutcome(str(practitioner), practitioners.get(practitioner, "unknown")),
        )
        return [overall, cond, person]

    row: dict[str, Any]
    for row in _episode_rows(clinic, measure_code):
        for group in groups(row["condition_code"], row["condition_label"], row["practitioner_id"]):
            group.episodes += 1
            if row["closed_on"] is not None and row["session_count"]:
                group.closed_courses.append(int(row["session_count"]))
            if int(row["scores"] or 0) >= 2 and row["baseline"] is not None:
                group.evaluable += 1
                improvement = change(
                    measure.code,
                    float(row["baseline"]),
                    float(row["latest"]),
                )
                group.responders += improvement.reached_mcid
                reached = row["first_mcid_time"] is not None
                time = row["first_mcid_time"] if reached else row["last_time"]
                group.durations.append(float(time or 0))
                group.events.append(reached)

    session_rows = (
        TreatmentSession.objects.filter(clinic=clinic)
        .values("episode__condition_code", "episode__condition_label", "episode__practitioner_id")
        .annotate(
            sessions=Count("pk"),
            with_after=Count("pk", filter=Q(pain_after__isnull=False)),
            effect=Sum(F("pain_before") - F("pain_after"), filter=Q(pain_after__isnull=False)),
        )
        .order_by()
    )
    for row in session_rows:  # type: ignore[assignment]
        for group in groups(
            row["episode__condition_code"],
            row["episode__condition_label"],
            row["episode__practitioner_id"],
        ):
            group.sessions += row["sessions"]
            group.sessions_with_after += row["with_after"]
            group.effect_sum += row["effect"] or 0
    adverse_rows = (
        AdverseEvent.objects.filter(clinic=clinic)
        .values(
            "session__episode__condition_code",
            "session__episode__condition_label",
            "session__episode__practitioner_id",
            "severity",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in adverse_rows:  # type: ignore[assignment]
        for group in groups(
            row["session__episode__condition_code"],
            row["session__episode__condition_label"],
            row["session__episode__practitioner_id"],
        ):
            group.adverse[row["severity"]] += row["n"]

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
