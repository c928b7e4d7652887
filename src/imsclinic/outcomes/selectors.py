"""Reads for one episode's outcomes: its progress (pain, questionnaires, twitches) and
what is due. The clinic's figures across episodes are in :mod:`outcomes.analytics`.

Every read runs a fixed number of queries however long the course: the episode's sessions
come with their children by prefetch (tests pin the count).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from imsclinic.anatomy import get_catalog
from imsclinic.charting.integrity import check_notes
from imsclinic.charting.models import (
    AdverseEvent,
    Episode,
    TreatmentSession,
)
from imsclinic.core.actors import Actor
from imsclinic.core.permissions import CLINICAL, require_role
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.measures import (
    MEASURES,
    Change,
    Measure,
    WordingFileError,
    change,
    first_responder_index,
    load_item_wording,
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


def episode_for_outcomes(*, actor: Actor, episode_id: object) -> Episode:
    require_role(actor, CLINICAL)
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
        return bool(self.change and self.change.responder)

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
                muscle_id = _muscle_key(insertion)
                key = (
                    names.get(muscle_id, muscle_id),
                    insertion.side,
                    insertion.level,
                )
                counts[key] += 1
        return sorted(
            ((n, s, lv, c) for (n, s, lv), c in counts.items()), key=lambda r: (-r[3], r[0], r[2])
        )


def _muscle_names() -> dict[str, str]:
    return get_catalog().display_names()


def _muscle_key(insertion: Any) -> str:
    # A retired id ("paraspinals", kept by signed notes) counts with its regional entry.
    return get_catalog().canonical_id(insertion.muscle_id, insertion.level)


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


def episode_progress(*, actor: Actor, episode_id: object) -> Progress:
    """Everything the progress page and the reports show, in a fixed number of queries
    (not audited here: the page calls core.audit.audit_view, the report its own event)."""
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
            muscle_id = _muscle_key(insertion)
            twitch[muscle_id][0] += 1
            twitch[muscle_id][1] += insertion.twitch != "none"
        adverse.extend(s.adverse_events.all())
    names = _muscle_names()
    twitch_rows = sorted(
        (MuscleTwitch(m, names.get(m, m), n, t) for m, (n, t) in twitch.items()),
        key=lambda row: (-row.insertions, row.name),
    )
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


def patient_wording(
    clinic_id: int, measure: Measure, uploads: dict[str, tuple[str, ...]] | None = None
) -> tuple[str, ...] | None:
    """The item text a patient can answer for ``measure`` at this clinic, or None when there
    is none (only topic labels, which a patient cannot answer). In order: the question in
    IMS Clinic's own words for a measure whose licence lets wording ship (NPRS); a row per
    activity for the PSFS (the patient names them); the clinic's newest upload (Clinic
    settings > Questionnaire wording); a file IMSCLINIC_MEASURE_WORDING_DIR/<code>.json.
    Texts are translated to the active language where they are ours; a clinic's wording is
    in the language it was uploaded in. ``uploads`` (code -> items) saves the query when
    several measures are checked at once."""
    from imsclinic.measures.forms import PSFS_ROWS
    from imsclinic.outcomes.patient_text import OWN_WORDING, PSFS_ACTIVITY

    if isinstance(measure.item_count, range):
        return tuple(str(PSFS_ACTIVITY) % {"number": n} for n in range(1, PSFS_ROWS + 1))
    if measure.licence.item_wording_shippable and measure.code in OWN_WORDING:
        return tuple(str(text) for text in OWN_WORDING[measure.code])
    if uploads is None:
        uploaded = clinic_wording(clinic_id, measure.code)
    else:
        uploaded = uploads.get(measure.code)
    if uploaded is not None and len(uploaded) == measure.item_count:
        return uploaded
    folder = getattr(settings, "IMSCLINIC_MEASURE_WORDING_DIR", None)
    if folder:
        path = Path(folder) / f"{measure.code}.json"
        if path.exists():
            try:
                return load_item_wording(measure.code, path)
            except WordingFileError:
                pass  # a broken file must not block anything: treated as no wording
    return None


def clinic_wording(clinic_id: int, measure_code: str) -> tuple[str, ...] | None:
    """The newest item wording the clinic uploaded for a measure, or None."""
    from imsclinic.outcomes.models import MeasureWording

    items = (
        MeasureWording.objects.filter(clinic_id=clinic_id, measure_code=measure_code)
        .order_by("-id")
        .values_list("items", flat=True)
        .first()
    )
    return tuple(items) if items else None


def wording_status(clinic_id: int) -> dict[str, Any]:
    """Per measure code: the newest upload of the clinic (or None)."""
    from imsclinic.outcomes.models import MeasureWording

    latest: dict[str, Any] = {}
    for row in (
        MeasureWording.objects.filter(clinic_id=clinic_id)
        .select_related("uploaded_by")
        .order_by("id")
    ):
        latest[row.measure_code] = row
    return latest


def sendable_measure_codes(clinic_id: int) -> set[str]:
    """The measures this clinic can send to a patient (wording they can answer), in one
    query."""
    uploads = {code: tuple(row.items) for code, row in wording_status(clinic_id).items()}
    return {
        code
        for code, measure in MEASURES.items()
        if patient_wording(clinic_id, measure, uploads) is not None
    }
