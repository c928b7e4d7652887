"""Reads for charting. Query counts stay constant however long a patient's history grows:
every list is fetched with its children in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from imsclinic.charting.models import (
    AdverseEvent,
    Amendment,
    Assessment,
    Episode,
    Insertion,
    RomMeasure,
    TreatmentSession,
)
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.patients.models import Consent, Patient
from imsclinic.patients.selectors import patient_get


def _amendments() -> Prefetch[Amendment]:
    return Prefetch("amendments", queryset=Amendment.objects.select_related("author"))


def sessions_with_details(queryset: QuerySet[TreatmentSession]) -> QuerySet[TreatmentSession]:
    return queryset.select_related("practitioner", "episode").prefetch_related(
        "insertions", "adverse_events", "rom", _amendments()
    )


def assessments_with_details(queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
    return queryset.select_related("practitioner", "episode").prefetch_related(
        "findings", "signs", "rom", _amendments()
    )


@dataclass
class Chart:
    patient: Patient
    consents: list[Consent]
    episodes: list[Episode]
    assessments: list[Assessment]
    sessions: list[TreatmentSession]
    today: dt.date = field(default_factory=dt.date.today)

    def current_consent(self, day: dt.date | None = None) -> Consent | None:
        day = day or self.today
        return next((c for c in self.consents if c.is_current_on(day)), None)

    @property
    def open_episodes(self) -> list[Episode]:
        return [e for e in self.episodes if e.is_open]

    def timeline(self) -> list[tuple[dt.date, str, object]]:
        """Episodes, assessments and sessions, newest first."""
        items: list[tuple[dt.date, str, object]] = []
        items += [(e.opened_on, "episode", e) for e in self.episodes]
        items += [(a.assessed_on, "assessment", a) for a in self.assessments]
        items += [(s.session_date, "session", s) for s in self.sessions]
        order = {"session": 0, "assessment": 1, "episode": 2}
        items.sort(
            key=lambda item: (item[0], -order[item[1]], getattr(item[2], "pk", 0)), reverse=True
        )
        return items

    def pain_series(self) -> list[tuple[dt.date, int, int | None, int]]:
        """(date, pain before, pain after, session number) oldest first."""
        return [
            (s.session_date, s.pain_before, s.pain_after, s.sequence)
            for s in sorted(self.sessions, key=lambda s: (s.session_date, s.pk))
        ]


class Rows(list):  # type: ignore[type-arg]
    """A plain list that answers ``.all()`` like a prefetched manager, so templates and
    serializers read chart rows and model instances the same way."""

    def all(self) -> Rows:
        return self


@dataclass(frozen=True)
class PersonRef:
    display_name: str


def _person(first: str, last: str, username: str) -> PersonRef:
    return PersonRef(f"{first} {last}".strip() or username)


@dataclass
class SessionRow:
    """A treatment session as the chart reads it: plain values, no ORM instances.

    Building ~1,000 insertion model instances per chart costs more than all the SQL; the
    chart only reads values, so it fetches tuples in one query per child table.
    """

    pk: int
    patient_id: int
    episode_id: int
    practitioner_id: int
    practitioner: PersonRef
    sequence: int
    session_date: dt.date
    pain_before: int
    pain_after: int | None
    notes: str
    acknowledged: list[str]
    signed_at: dt.datetime | None
    content_hash: str
    insertions: Rows = field(default_factory=Rows)
    rom: Rows = field(default_factory=Rows)
    adverse_events: Rows = field(default_factory=Rows)
    amendments: Rows = field(default_factory=Rows)

    @property
    def id(self) -> int:
        return self.pk

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


_INSERTION_FIELDS = ("session_id", "position", "muscle_id", "side", "level", "needle_diameter_mm",
                     "needle_length_mm", "needle_lot", "twitch", "sensation", "notes")


def _session_rows(clinic_id: int, patient_id: int) -> list[SessionRow]:
    """Sessions with their children in five queries, whatever the history length."""
    from types import SimpleNamespace

    sessions: dict[int, SessionRow] = {}
    for row in (
        TreatmentSession.objects.filter(clinic_id=clinic_id, patient_id=patient_id)
        .order_by("-session_date", "-id")
        .values_list("id", "episode_id", "practitioner_id", "practitioner__first_name",
                     "practitioner__last_name", "practitioner__username", "sequence", "session_date",
                     "pain_before", "pain_after", "notes", "acknowledged", "signed_at", "content_hash")
    ):
        (pk, episode_id, practitioner_id, first, last, username, sequence, day, before, after,
         notes, acknowledged, signed_at, content) = row
        sessions[pk] = SessionRow(pk, patient_id, episode_id, practitioner_id, _person(first, last, username),
                                  sequence, day, before, after, notes, acknowledged or [], signed_at, content)
    if not sessions:
        return []
    # Children by explicit session ids: their session_id index serves this whatever the
    # planner knows about the data.
    in_patient = {"clinic_id": clinic_id, "session_id__in": list(sessions)}
    for values in Insertion.objects.filter(**in_patient).order_by("session_id", "position").values_list(
        *_INSERTION_FIELDS
    ):
        item = SimpleNamespace(**dict(zip(_INSERTION_FIELDS, values, strict=True)))
        sessions[item.session_id].insertions.append(item)
    for values in RomMeasure.objects.filter(**in_patient).order_by("id").values_list(
        "session_id", "phase", "movement", "side", "degrees"
    ):
        sessions[values[0]].rom.append(
            SimpleNamespace(phase=values[1], movement=values[2], side=values[3], degrees=values[4])
        )
    for values in AdverseEvent.objects.filter(**in_patient).order_by("id").values_list(
        "session_id", "kind", "severity", "description", "action_taken"
    ):
        sessions[values[0]].adverse_events.append(
            SimpleNamespace(kind=values[1], severity=values[2], description=values[3], action_taken=values[4])
        )
    for values in Amendment.objects.filter(**in_patient).order_by("created_at", "id").values_list(
        "session_id", "id", "created_at", "text", "reason", "author__first_name", "author__last_name",
        "author__username"
    ):
        sessions[values[0]].amendments.append(SimpleNamespace(
            pk=values[1], id=values[1], created_at=values[2], text=values[3], reason=values[4],
            author=_person(values[5], values[6], values[7]),
        ))
    return list(sessions.values())


def patient_chart(*, actor: Actor, patient_id: object) -> Chart:
    from django.utils import timezone

    patient = patient_get(actor=actor, patient_id=patient_id)
    clinic = actor.clinic
    consents = list(Consent.objects.filter(clinic=clinic, patient=patient).select_related("recorded_by"))
    episodes = list(Episode.objects.filter(clinic=clinic, patient=patient).select_related("practitioner"))
    assessments = list(assessments_with_details(Assessment.objects.filter(clinic=clinic, patient=patient)))
    sessions = _session_rows(clinic.pk, patient.pk)
    return Chart(patient, consents, episodes, assessments, sessions, today=timezone.localdate())  # type: ignore[arg-type]


def session_get(*, actor: Actor, session_id: object, audit: bool = True) -> TreatmentSession:
    session = get_for_clinic(
        sessions_with_details(TreatmentSession.objects.select_related("patient")),
        actor.clinic,
        session_id,
        "Session",
    )
    if audit:
        audit_record(actor=actor, action="view", patient_id=session.patient_id, obj=session)
    return session


def assessment_get(*, actor: Actor, assessment_id: object, audit: bool = True) -> Assessment:
    assessment = get_for_clinic(
        assessments_with_details(Assessment.objects.select_related("patient")),
        actor.clinic,
        assessment_id,
        "Assessment",
    )
    if audit:
        audit_record(actor=actor, action="view", patient_id=assessment.patient_id, obj=assessment)
    return assessment


def episode_get(*, actor: Actor, episode_id: object) -> Episode:
    return get_for_clinic(
        Episode.objects.select_related("patient"), actor.clinic, episode_id, "Episode"
    )


def last_session_insertions(*, actor: Actor, patient: Patient) -> list[Insertion]:
    """The insertions of the patient's most recent session, to repeat them."""
    last = (
        TreatmentSession.objects.filter(clinic=actor.clinic, patient=patient)
        .order_by("-session_date", "-id")
        .first()
    )
    if last is None:
        return []
    return list(Insertion.objects.filter(clinic=actor.clinic, session=last))
