"""Reads for charting. Query counts stay constant however long a patient's history grows:
every list is fetched with its children in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from imsclinic.charting.models import (
    Amendment,
    Assessment,
    Episode,
    Insertion,
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


def patient_chart(*, actor: Actor, patient_id: object) -> Chart:
    from django.utils import timezone

    patient = patient_get(actor=actor, patient_id=patient_id)
    clinic = actor.clinic
    consents = list(
        Consent.objects.filter(clinic=clinic, patient=patient).select_related("recorded_by")
    )
    episodes = list(
        Episode.objects.filter(clinic=clinic, patient=patient).select_related("practitioner")
    )
    assessments = list(
        assessments_with_details(Assessment.objects.filter(clinic=clinic, patient=patient))
    )
    sessions = list(
        sessions_with_details(TreatmentSession.objects.filter(clinic=clinic, patient=patient))
    )
    return Chart(patient, consents, episodes, assessments, sessions, today=timezone.localdate())


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
