"""Reads for charting. Query counts stay constant however long a patient's history grows:
every list is fetched with its children in a fixed number of queries.

Size: the chart's raw-SQL read (one query per child table) and the row types it fills
belong together; the other selectors are short.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import DecimalField, Prefetch, QuerySet

from imsclinic.charting.integrity import check_note, check_notes
from imsclinic.charting.models import (
    AdverseEvent,
    Amendment,
    Assessment,
    Episode,
    Insertion,
    RomMeasure,
    TreatmentSession,
    days_late,
)
from imsclinic.core.actors import Actor
from imsclinic.core.rawsql import columns, table
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.patients.models import Consent, Patient
from imsclinic.patients.selectors import patient_get


def _amendments() -> Prefetch[str]:
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
    def altered(self) -> int:
        """Signed notes (or their amendments) of this chart that failed the integrity check."""
        notes: list[Any] = [*self.assessments, *self.sessions]
        return sum(
            1
            for note in notes
            if getattr(note, "integrity", None) is not None
            and (note.integrity.altered or note.amendment_problem)
        )

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
    chart only reads values, so it fetches tuples in one query per child table. Its children
    are named tuples with the attribute names of the models' fields that readers use.
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
    integrity: Any = None  # charting.integrity.Integrity, set when the chart is checked
    created_at: dt.datetime | None = None  # when it was charted
    # PostgreSQL: the row versions (xmin) of the session and of each insertion, ROM and
    # adverse-event row read with it, in reading order; None elsewhere. The seal check
    # reuses a content hash only for the same versions (charting/integrity.py).
    versions: list[str] | None = None

    @property
    def id(self) -> int:
        return self.pk

    @property
    def days_late(self) -> int:
        return days_late(self.session_date, self.created_at)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class InsertionRow(NamedTuple):
    """An insertion as the chart reads it: the values of the Insertion fields it uses."""

    session_id: int
    position: int
    muscle_id: str
    side: str
    level: str
    needle_diameter_mm: Decimal
    needle_length_mm: int
    needle_lot: str
    twitch: str
    sensation: str
    notes: str


class RomRow(NamedTuple):
    pk: int
    phase: str
    movement: str
    side: str
    degrees: int


class AdverseEventRow(NamedTuple):
    pk: int
    kind: str
    severity: str
    description: str
    action_taken: str


class AmendmentRow(NamedTuple):
    pk: int
    id: int
    session_id: int
    author_id: int
    created_at: dt.datetime
    text: str
    reason: str
    author: PersonRef
    integrity: Any = None  # charting.integrity.Integrity, set when the chart is checked


def _aware(value: dt.datetime | str, tz: dt.tzinfo | None) -> dt.datetime:
    """A DateTimeField value as the ORM returns it. Django's SQLite connection parses
    "datetime" columns to naive datetimes in the connection's time zone (``tz``: UTC, or
    None without USE_TZ); PostgreSQL's are aware already."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if tz is not None and value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def _connection_tz() -> dt.tzinfo | None:
    # Looked up once per chart: the connection proxy makes each attribute read cost ~10 us.
    return connection.timezone if settings.USE_TZ else None


_SQLITE_DIGITS = decimal.Context(prec=15)


def field_decimal(value: float | Decimal, field: DecimalField[Any, Any]) -> Decimal:
    """A DecimalField value as the ORM returns it. SQLite hands back a float (or an int for a
    whole number): keep its 15 significant digits, then the field's decimal places."""
    if isinstance(value, float):
        value = _SQLITE_DIGITS.create_decimal_from_float(value)
    return Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places), context=field.context)


def _session_rows(clinic_id: int, patient_id: int) -> list[SessionRow]:
    """A patient's sessions with their children in five queries, newest first, whatever
    the history length.

    Raw SQL rather than ``values_list()``: for 100 sessions with 1,500 insertions on SQLite,
    ``values_list()`` took ~21 ms here (query compilation, a DecimalField converter per row,
    a namespace per insertion) against ~7 ms for hand-written SQL fetching the same rows;
    this takes ~8.5 ms (PostgreSQL, 1M sessions: ~33 ms down to ~18 ms). Callers get the
    ORM's types: dates, aware datetimes, Decimals, lists.
    """
    return session_rows(
        clinic_id,
        "s.patient_id = %s",
        [patient_id],
        "ORDER BY s.session_date DESC, s.id DESC",
    )


def _one_round_trip() -> bool:
    """Whether the sessions and their children can be read with one round trip: several
    statements in one execute, which PostgreSQL's simple query protocol runs (Django's
    psycopg cursors bind parameters on the client unless OPTIONS asks for server-side
    binding). They then run in one implicit transaction, so they see one snapshot."""
    return connection.vendor == "postgresql" and not connection.settings_dict.get(
        "OPTIONS", {}
    ).get("server_side_binding")


def session_rows(
    clinic_id: int, where: str, params: list[Any], order_limit: str
) -> list[SessionRow]:
    """Sessions of the clinic matching ``where`` (SQL over alias ``s`` alone, with
    ``params``), in the order (and limit) of ``order_limit``, each with its children.

    PostgreSQL: one round trip for the five queries (issue 18: over HTTP on a busy server
    each round trip waits its turn); the children select their sessions' ids with the
    same condition, as an array, so their session_id indexes serve them as before.
    SQLite: the sessions, then the children by explicit ids."""
    users = TreatmentSession._meta.get_field("practitioner").related_model
    tz = _connection_tz()
    # xmin: the id of the transaction that wrote this version of the row (PostgreSQL).
    # Read only outside a transaction: then every statement sees committed row versions
    # alone, and a committed version never changes (inside one, a row this transaction
    # wrote could be written again under the same xmin).
    versioned = connection.vendor == "postgresql" and not connection.in_atomic_block
    xmin = ", s.xmin::text" if versioned else ""
    sessions: dict[int, SessionRow] = {}
    session_columns = columns(
        "s.id",
        "s.patient_id",
        "s.episode_id",
        "s.practitioner_id",
        "u.first_name",
        "u.last_name",
        "u.username",
        "s.sequence",
        "s.session_date",
        "s.pain_before",
        "s.pain_after",
        "s.notes",
        "s.acknowledged",
        "s.signed_at",
        "s.content_hash",
        "s.created_at",
    )
    session_sql = (
        f"SELECT {session_columns}{xmin} FROM {table(TreatmentSession, 's')} "  # noqa: S608
        f"INNER JOIN {table(users, 'u')} ON u.id = s.practitioner_id "
        f"WHERE s.clinic_id = %s AND {where} {order_limit}"
    )
    session_params = [clinic_id, *params]
    with connection.cursor() as cursor:
        children: list[list[Any]] = []
        if _one_round_trip():
            ids = (
                f"= ANY(ARRAY(SELECT s.id FROM {table(TreatmentSession, 's')} "  # noqa: S608
                f"WHERE s.clinic_id = %s AND {where} {order_limit}))"
            )
            statements = _children_sql(ids, versioned, users)
            cursor.execute(
                "; ".join([session_sql, *statements]),
                [*session_params, *[clinic_id, *session_params] * len(statements)],
            )
            found = cursor.fetchall()
            while cursor.nextset():
                children.append(cursor.fetchall())
        else:
            cursor.execute(session_sql, session_params)
            found = cursor.fetchall()
        for (
            pk,
            patient_id,
            episode_id,
            practitioner_id,
            first,
            last,
            username,
            sequence,
            day,
            before,
            after,
            notes,
            acknowledged,
            signed_at,
            content,
            created_at,
            *version,
        ) in found:
            if isinstance(day, str):
                day = dt.date.fromisoformat(day)
            if isinstance(acknowledged, str):
                acknowledged = json.loads(acknowledged)
            sessions[pk] = SessionRow(
                pk,
                patient_id,
                episode_id,
                practitioner_id,
                _person(first, last, username),
                sequence,
                day,
                before,
                after,
                notes,
                acknowledged or [],
                None if signed_at is None else _aware(signed_at, tz),
                content,
                created_at=_aware(created_at, tz),
                versions=version or None,
            )
        if sessions and not children:
            # Children by explicit session ids: their session_id index serves this
            # whatever the planner knows. SQLite takes one placeholder each (its limit,
            # 32,766 or more, is far above any patient's sessions).
            session_ids = list(sessions)
            in_sessions = f"IN ({', '.join(['%s'] * len(session_ids))})"
            for statement in _children_sql(in_sessions, versioned, users):
                cursor.execute(statement, [clinic_id, *session_ids])
                children.append(cursor.fetchall())
        if sessions:
            _attach_children(children, sessions, tz, versioned)
    return list(sessions.values())


def _children_sql(in_sessions: str, versioned: bool, users: Any) -> list[str]:
    """The insertions, ROM, adverse events and amendments of the sessions whose id is
    ``in_sessions`` (its parameters follow the clinic's id), in the order
    _attach_children reads them."""
    where = f"WHERE c.clinic_id = %s AND c.session_id {in_sessions}"
    xmin = ", c.xmin::text" if versioned else ""
    insertion_columns = columns(*(f"c.{name}" for name in InsertionRow._fields))
    rom_columns = columns("c.session_id", "c.id", "c.phase", "c.movement", "c.side", "c.degrees")
    event_columns = columns(
        "c.session_id", "c.id", "c.kind", "c.severity", "c.description", "c.action_taken"
    )
    amendment_columns = columns(
        "c.session_id",
        "c.id",
        "c.created_at",
        "c.text",
        "c.reason",
        "c.author_id",
        "u.first_name",
        "u.last_name",
        "u.username",
    )
    # Each session's children in position or id order. Leading with session_id lets the
    # (clinic, session) indexes deliver that order: ORDER BY id alone made SQLite walk
    # every adverse event of the clinic through its clinic index (7 ms at 30k events).
    return [
        f"SELECT {insertion_columns}{xmin} FROM {table(Insertion, 'c')} {where} "  # noqa: S608
        "ORDER BY c.session_id, c.position",
        f"SELECT {rom_columns}{xmin} FROM {table(RomMeasure, 'c')} {where} "  # noqa: S608
        "ORDER BY c.session_id, c.id",
        f"SELECT {event_columns}{xmin} FROM {table(AdverseEvent, 'c')} {where} "  # noqa: S608
        "ORDER BY c.session_id, c.id",
        f"SELECT {amendment_columns} FROM {table(Amendment, 'c')} "  # noqa: S608
        f"INNER JOIN {table(users, 'u')} ON u.id = c.author_id "
        f"{where} ORDER BY c.session_id, c.created_at, c.id",
    ]


def _attach_children(
    children: list[list[Any]],
    sessions: dict[int, SessionRow],
    tz: dt.tzinfo | None,
    versioned: bool,
) -> None:
    """Put the rows of the four _children_sql queries on their sessions."""
    insertions, rom, events, amendments = children
    diameter = Insertion._meta.get_field("needle_diameter_mm")
    diameters: dict[object, Decimal] = {}  # a few needle sizes: convert each once
    for (
        sid,
        position,
        muscle,
        side,
        level,
        raw,
        length,
        lot,
        twitch,
        sensation,
        notes,
        *version,
    ) in insertions:
        mm = diameters.get(raw)
        if mm is None:
            mm = diameters[raw] = field_decimal(raw, diameter)
        session = sessions[sid]
        session.insertions.append(
            InsertionRow(
                sid, position, muscle, side, level, mm, length, lot, twitch, sensation, notes
            )
        )
        if version:
            session.versions.append(version[0])  # type: ignore[union-attr]

    for row in rom:
        session = sessions[row[0]]
        session.rom.append(RomRow._make(row[1:6]))
        if versioned:
            session.versions.append(row[6])  # type: ignore[union-attr]

    for row in events:
        session = sessions[row[0]]
        session.adverse_events.append(AdverseEventRow._make(row[1:6]))
        if versioned:
            session.versions.append(row[6])  # type: ignore[union-attr]

    for (
        session_id,
        pk,
        created_at,
        text,
        reason,
        author_id,
        first,
        last,
        username,
    ) in amendments:
        sessions[session_id].amendments.append(
            AmendmentRow(
                pk,
                pk,
                session_id,
                author_id,
                _aware(created_at, tz),
                text,
                reason,
                _person(first, last, username),
            )
        )


def patient_chart(*, actor: Actor, patient_id: object) -> Chart:
    """Everything the chart shows. Not audited here: the page or route that shows it
    calls core.audit.audit_view."""
    from django.utils import timezone

    patient = patient_get(actor=actor, patient_id=patient_id)
    clinic = actor.clinic
    mine = {"clinic": clinic, "patient": patient}
    consents = list(Consent.objects.filter(**mine).select_related("recorded_by"))
    episodes = list(Episode.objects.filter(**mine).select_related("practitioner"))
    assessments = list(assessments_with_details(Assessment.objects.filter(**mine)))
    sessions = _session_rows(clinic.pk, patient.pk)
    check_notes(clinic.pk, patient.pk, sessions, assessments)
    return Chart(patient, consents, episodes, assessments, sessions, today=timezone.localdate())  # type: ignore[arg-type]


def session_get(*, actor: Actor, session_id: object) -> TreatmentSession:
    """The clinic's session with its children, its integrity checked (not audited: see
    patient_chart)."""
    session = get_for_clinic(
        sessions_with_details(TreatmentSession.objects.select_related("patient")),
        actor.clinic,
        session_id,
        "Session",
    )
    check_note(session)
    return session


def assessment_get(*, actor: Actor, assessment_id: object) -> Assessment:
    """The clinic's assessment with its children, its integrity checked (not audited: see
    patient_chart)."""
    assessment = get_for_clinic(
        assessments_with_details(Assessment.objects.select_related("patient")),
        actor.clinic,
        assessment_id,
        "Assessment",
    )
    check_note(assessment)
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


def latest_signed_assessment(*, actor: Actor, episode: Episode) -> Assessment | None:
    """The episode's most recent signed assessment: its body chart goes into reports."""
    return (
        Assessment.objects.filter(clinic=actor.clinic, episode=episode, signed_at__isnull=False)
        .order_by("-assessed_on", "-id")
        .first()
    )
