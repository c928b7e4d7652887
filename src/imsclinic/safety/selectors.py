"""Reads for safety operations: the needle lot recall, stock, follow-ups, incident reports
and admin notifications. Each takes the Actor; the recall writes its audit event."""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from imsclinic.anatomy import get_catalog
from imsclinic.charting.models import Insertion, TreatmentSession
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import PermissionDenied, Problems
from imsclinic.core.permissions import ADMINS, CLINICAL, require_role
from imsclinic.core.rawsql import quote
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.patients.models import Patient
from imsclinic.rules.lots import lot_key, match_kind
from imsclinic.safety.models import SERIOUS, AdminNotification, FollowUp, IncidentReport, NeedleLot
from imsclinic.safety.schemas import RecallIn

LOT_MAX = Insertion._meta.get_field("needle_lot").max_length or 40
MANUFACTURER_MAX = NeedleLot._meta.get_field("manufacturer").max_length or 100


def _date(value: Any) -> dt.date:
    # A raw cursor returns SQLite dates as ISO text and PostgreSQL dates as dates.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


# Needle lot recall ---------------------------------------------------------------------


class RecallSite(NamedTuple):
    muscle_id: str
    muscle: str
    side: str
    level: str
    needle_lot: str
    match: str
    position: int


@dataclass
class RecallSession:
    session_id: int
    session_date: dt.date
    patient_id: int
    patient: str
    date_of_birth: dt.date
    phone: str
    email: str
    archived: bool
    practitioner: str
    sites: list[RecallSite] = field(default_factory=list)

    @property
    def match(self) -> str:
        """``exact`` when every matching insertion was charted exactly as searched."""
        return "exact" if all(s.match == "exact" for s in self.sites) else "normalized"


@dataclass
class Recall:
    lot: str
    lot_key: str
    manufacturer: str
    date_from: dt.date | None
    date_to: dt.date | None
    results: list[RecallSession]
    spellings: dict[str, int]  # charted text -> insertions
    notes: list[str]

    @property
    def sessions(self) -> int:
        return len(self.results)

    @property
    def patients(self) -> int:
        return len({r.patient_id for r in self.results})

    @property
    def insertions(self) -> int:
        return sum(self.spellings.values())

    @property
    def exact(self) -> int:
        return sum(n for text, n in self.spellings.items() if match_kind(text, self.lot) == "exact")

    @property
    def normalized(self) -> int:
        return self.insertions - self.exact

    @property
    def message(self) -> str:
        when = _range_text(self.date_from, self.date_to)
        if not self.results:
            return (
                f"No session{when} was charted with lot '{self.lot.strip()}' "
                f"(compared as {self.lot_key}, ignoring case, separators and a leading 'LOT')."
            )
        spelled = ", ".join(
            f"'{text}' {'once' if n == 1 else f'{n:,} times'}"
            for text, n in sorted(self.spellings.items(), key=lambda i: -i[1])
        )
        return (
            f"{self.sessions:,} session{'s' if self.sessions != 1 else ''} of "
            f"{self.patients:,} patient{'s' if self.patients != 1 else ''}{when}: "
            f"{self.exact:,} insertion{'s' if self.exact != 1 else ''} charted exactly as "
            f"'{self.lot.strip()}', {self.normalized:,} matched by the lot key {self.lot_key} "
            f"(charted as {spelled})."
        )


def _range_text(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f" from {start} to {end}"
    if start:
        return f" from {start}"
    if end:
        return f" up to {end}"
    return ""


def recall_problems(query: RecallIn) -> tuple[str, str]:
    """The searched lot and its key, or every problem of the query at once."""
    problems = Problems()
    lot = query.lot.strip()
    key = lot_key(lot)
    if not lot:
        problems.add("lot", "required", "Enter the lot number printed on the recall notice.")
    elif len(lot) > LOT_MAX:
        problems.add(
            "lot",
            "too_long",
            f"A lot number is charted with at most {LOT_MAX} characters; this one has "
            f"{len(lot)}. Enter only the lot number from the notice.",
        )
    elif not key:
        problems.add(
            "lot",
            "no_characters",
            f"'{lot}' has no letters or digits to match; enter the lot number as printed.",
        )
    if len(query.manufacturer.strip()) > MANUFACTURER_MAX:
        problems.add(
            "manufacturer",
            "too_long",
            f"A manufacturer's name has at most {MANUFACTURER_MAX} characters.",
        )
    if query.date_from and query.date_to and query.date_from > query.date_to:
        problems.add(
            "date_to",
            "before_start",
            f"The range ends ({query.date_to}) before it starts ({query.date_from}); "
            "swap the dates or clear one.",
        )
    problems.raise_if_any()
    return lot, key


def recall_statements(dated_from: bool, dated_to: bool) -> tuple[str, str]:
    """The recall's two statements: the sessions of the lot key (with their patient and
    practitioner, in date order), then the lot's insertions by session. Both start from the
    (clinic, needle_lot_key, session) index; two narrow results sort and travel faster than
    one wide row per insertion (a lot can reach ~200,000 insertions: make bench-pg)."""
    q = quote
    i, s, p = Insertion._meta.db_table, TreatmentSession._meta.db_table, Patient._meta.db_table
    users = TreatmentSession._meta.get_field("practitioner").related_model._meta.db_table  # type: ignore[union-attr]
    of_lot = (
        f"SELECT DISTINCT i.session_id FROM {q(i)} i "  # noqa: S608
        "WHERE i.clinic_id = %s AND i.needle_lot_key = %s"
    )
    where = ["s.clinic_id = %s"]
    if dated_from:
        where.append("s.session_date >= %s")
    if dated_to:
        where.append("s.session_date <= %s")
    sessions = (
        "SELECT s.id, s.session_date, s.patient_id, pt.family_name, pt.given_name, "  # noqa: S608
        "pt.date_of_birth, pt.phone, pt.email, pt.archived_at, u.first_name, u.last_name, "
        f"u.username FROM ({of_lot}) lot JOIN {q(s)} s ON s.id = lot.session_id "
        f"JOIN {q(p)} pt ON pt.id = s.patient_id JOIN {q(users)} u ON u.id = s.practitioner_id "
        f"WHERE {' AND '.join(where)} ORDER BY s.session_date, s.id"
    )
    insertions = (
        "SELECT i.session_id, i.position, i.muscle_id, i.side, i.level, i.needle_lot "  # noqa: S608
        f"FROM {q(i)} i WHERE i.clinic_id = %s AND i.needle_lot_key = %s "
        # By session only, the lot index's own order: with the position as well, SQLite
        # walked the clinic's every insertion by (clinic, session, position) instead.
        "ORDER BY i.session_id"
    )
    return sessions, insertions


def needle_lot_recall(*, actor: Actor, query: RecallIn, purpose: str = "view") -> Recall:
    """Every session (and its patient) needled with the lot of ``query``, matched by lot key
    and served by the (clinic, needle_lot_key, session) index; audited as a recall naming
    the lot (``purpose`` "view" for the search, "export" for the CSV)."""
    require_role(actor, ADMINS, "Only a clinic admin can run a needle lot recall.")
    lot, key = recall_problems(query)
    clinic_id = actor.clinic.pk
    dates = [d for d in (query.date_from, query.date_to) if d is not None]
    sessions_sql, insertions_sql = recall_statements(
        query.date_from is not None, query.date_to is not None
    )
    names = {m.id: m.name for m in get_catalog().muscles}
    kinds: dict[str, str] = {}  # charted text -> exact | normalized
    sessions: dict[int, RecallSession] = {}
    spellings: Counter[str] = Counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compiling these plans (JIT) cost ~0.4 s and saved nothing (make bench-pg).
            cursor.execute("SELECT set_config('jit', 'off', true)")
        cursor.execute(sessions_sql, [clinic_id, key, clinic_id, *dates])
        for (
            sid,
            day,
            pid,
            family,
            given,
            born,
            phone,
            email,
            archived,
            first,
            last,
            user,
        ) in cursor.fetchall():
            sessions[sid] = RecallSession(
                sid,
                _date(day),
                pid,
                f"{family}, {given}",
                _date(born),
                phone,
                email,
                archived is not None,
                f"{first} {last}".strip() or user,
            )
        cursor.execute(insertions_sql, [clinic_id, key])
        for sid, position, muscle_id, side, level, charted in cursor.fetchall():
            session = sessions.get(sid)
            if session is None:  # outside the date range
                continue
            kind = kinds.get(charted)
            if kind is None:
                kind = kinds[charted] = match_kind(charted, lot)
            spellings[charted] += 1
            session.sites.append(
                RecallSite(
                    muscle_id, names.get(muscle_id, muscle_id), side, level, charted, kind, position
                )
            )
    for session in sessions.values():
        session.sites.sort(key=lambda site: site.position)
    recall = Recall(
        lot,
        key,
        query.manufacturer.strip(),
        query.date_from,
        query.date_to,
        list(sessions.values()),
        dict(spellings),
        _recall_notes(actor, key, query.manufacturer.strip(), bool(sessions)),
    )
    audit_record(
        actor=actor,
        action="export" if purpose == "export" else "view",
        object_type="NeedleLotRecall",
        detail=(
            f"needle lot recall: lot '{lot}' (key {key})"
            f"{', manufacturer ' + recall.manufacturer if recall.manufacturer else ''}"
            f"{_range_text(query.date_from, query.date_to)}: {recall.sessions} sessions, "
            f"{recall.patients} patients"
        ),
    )
    return recall


def _recall_notes(actor: Actor, key: str, manufacturer: str, found: bool) -> list[str]:
    """What the stock records add: who delivered this lot, and near misses when none match."""
    notes: list[str] = []
    received = list(NeedleLot.objects.filter(clinic=actor.clinic, lot_key=key))
    makers = sorted({r.manufacturer for r in received})
    if manufacturer:
        mine = [m for m in makers if m.casefold() == manufacturer.casefold()]
        others = [m for m in makers if m.casefold() != manufacturer.casefold()]
        if not mine:
            notes.append(
                f"No delivery of this lot from {manufacturer} is recorded in needle stock; "
                "sessions are matched on the lot number alone."
            )
        if others:
            notes.append(
                f"This lot number was also received from {', '.join(others)}. Insertions "
                "record the lot number, not the manufacturer, so those sessions are listed too."
            )
    elif makers:
        notes.append(f"Received from {', '.join(makers)} (needle stock).")
    if not found:
        keys = set(NeedleLot.objects.filter(clinic=actor.clinic).values_list("lot_key", flat=True))
        close = difflib.get_close_matches(key, sorted(keys), n=3, cutoff=0.6)
        if close:
            lots = NeedleLot.objects.filter(clinic=actor.clinic, lot_key__in=close)
            spelled = sorted({f"{n.lot} ({n.manufacturer})" for n in lots})
            notes.append(f"Lots in needle stock with similar numbers: {', '.join(spelled)}.")
    return notes


# Needle stock --------------------------------------------------------------------------


@dataclass(frozen=True)
class LotStock:
    """One lot key's stock: what was received (summed over deliveries) less what was used."""

    lot: str
    lot_key: str
    manufacturer: str
    needle_diameter_mm: Any
    needle_length_mm: int
    expires_on: dt.date
    received: int
    used: int

    @property
    def remaining(self) -> int:
        return max(0, self.received - self.used)

    def expired_on(self, day: dt.date) -> bool:
        return day > self.expires_on


def _used(clinic_id: int, keys: list[str]) -> dict[str, int]:
    """Insertions charted per lot key: an index-only count on (clinic, needle_lot_key)."""
    if not keys:
        return {}
    rows = (
        Insertion.objects.filter(clinic_id=clinic_id, needle_lot_key__in=keys)
        .values("needle_lot_key")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["needle_lot_key"]: row["n"] for row in rows}


def needle_stock(*, actor: Actor) -> list[LotStock]:
    """Every lot received, one row per lot key (newest delivery's details), with the
    insertions charted from it; stock counts down per insertion."""
    receipts = list(NeedleLot.objects.filter(clinic=actor.clinic).order_by("-received_on", "-id"))
    by_key: dict[str, list[NeedleLot]] = {}
    for receipt in receipts:
        by_key.setdefault(receipt.lot_key, []).append(receipt)
    used = _used(actor.clinic.pk, list(by_key))
    return [
        LotStock(
            lots[0].lot,
            key,
            lots[0].manufacturer,
            lots[0].needle_diameter_mm,
            lots[0].needle_length_mm,
            min(lot.expires_on for lot in lots),
            sum(lot.quantity for lot in lots),
            used.get(key, 0),
        )
        for key, lots in by_key.items()
    ]


def lots_in_stock(*, actor: Actor, day: dt.date | None = None) -> list[LotStock]:
    """What the session form suggests: lots with needles left and not expired, the ones
    expiring first first (use them up first)."""
    day = day or timezone.localdate()
    usable = [s for s in needle_stock(actor=actor) if s.remaining > 0 and not s.expired_on(day)]
    return sorted(usable, key=lambda s: (s.expires_on, s.lot))


@dataclass(frozen=True)
class LotWarning:
    lot: str
    code: str
    message: str


def lot_warnings(*, actor: Actor, lots: list[str], day: dt.date) -> list[LotWarning]:
    """Warnings (never blocks) for lots typed on the session form: unknown to needle stock,
    expired on the session date, or used up. A clinic may chart a lot not yet entered."""
    typed = {lot.strip(): lot_key(lot) for lot in lots if lot.strip() and lot_key(lot)}
    stock = {s.lot_key: s for s in needle_stock(actor=actor) if s.lot_key in typed.values()}
    warnings = []
    for lot, key in sorted(typed.items()):
        found = stock.get(key)
        if found is None:
            warnings.append(
                LotWarning(
                    lot,
                    "unknown",
                    f"Lot {lot} is not in needle stock: check the pack, or record the delivery "
                    "under Needle stock. You can still chart it.",
                )
            )
        elif found.expired_on(day):
            warnings.append(
                LotWarning(
                    lot,
                    "expired",
                    f"Lot {lot} ({found.manufacturer}) expired on {found.expires_on}: do not "
                    "use needles past their expiry date.",
                )
            )
        elif found.remaining == 0:
            warnings.append(
                LotWarning(
                    lot,
                    "used_up",
                    f"Lot {lot}: all {found.received:,} needles received are charted as used; "
                    "check the pack's lot number or record the new delivery.",
                )
            )
    return warnings


# Follow-ups -----------------------------------------------------------------------------


def _followups(actor: Actor) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(clinic=actor.clinic).select_related(
        "patient", "assigned_to", "signed_by", "session"
    )


def followups_open(*, actor: Actor) -> list[FollowUp]:
    """Today's list: open follow-ups of the practitioner (all of the clinic's for an
    admin), earliest due first, until each is done."""
    require_role(actor, CLINICAL)
    rows = _followups(actor).filter(status=FollowUp.Status.OPEN)
    if actor.role not in ADMINS:
        rows = rows.filter(assigned_to=actor.user)
    return list(rows.order_by("due_on", "id"))


def followup_list(*, actor: Actor, status: str = "", limit: int = 200) -> list[FollowUp]:
    require_role(actor, CLINICAL)
    rows = _followups(actor)
    if status:
        rows = rows.filter(status=status)
    if actor.role not in ADMINS:
        rows = rows.filter(assigned_to=actor.user)
    return list(rows.order_by("-due_on", "-id")[:limit])


def followup_get(*, actor: Actor, followup_id: object) -> FollowUp:
    require_role(actor, CLINICAL)
    return get_for_clinic(_followups(actor), actor.clinic, followup_id, "Follow-up")


def session_followups(*, actor: Actor, session_id: int) -> list[FollowUp]:
    return list(_followups(actor).filter(session_id=session_id).order_by("id"))


# Incident reports -------------------------------------------------------------------------


def _reports(actor: Actor) -> QuerySet[IncidentReport]:
    return IncidentReport.objects.filter(clinic=actor.clinic).select_related(
        "patient", "practitioner", "signed_by", "started_by", "session"
    )


def _may_read_report(actor: Actor, report: IncidentReport) -> None:
    """Admins read every report; a practitioner those of the sessions they charted."""
    require_role(actor, CLINICAL)
    if actor.role not in ADMINS and report.practitioner_id != actor.user.pk:
        raise PermissionDenied(
            "Incident reports are open to clinic admins and to the practitioner of the session."
        )


def incident_reports(*, actor: Actor, limit: int = 200) -> list[IncidentReport]:
    require_role(actor, CLINICAL)
    rows = _reports(actor)
    if actor.role not in ADMINS:
        rows = rows.filter(practitioner=actor.user)
    return list(rows[:limit])


def incident_get(*, actor: Actor, report_id: object) -> IncidentReport:
    report = get_for_clinic(_reports(actor), actor.clinic, report_id, "Incident report")
    _may_read_report(actor, report)
    return report


def session_incident(*, actor: Actor, session_id: int) -> IncidentReport | None:
    return _reports(actor).filter(session_id=session_id).first()


@dataclass(frozen=True)
class AwaitingReport:
    session_id: int
    session_date: dt.date
    patient_id: int
    patient: str
    events: str


def serious_events_awaiting_report(*, actor: Actor, limit: int = 200) -> list[AwaitingReport]:
    """Sessions with a serious adverse event and no incident report yet."""
    require_role(actor, ADMINS)
    from imsclinic.charting.models import AdverseEvent

    events = (
        AdverseEvent.objects.filter(clinic=actor.clinic, severity=SERIOUS)
        .exclude(
            session_id__in=IncidentReport.objects.filter(clinic=actor.clinic).values("session")
        )
        .select_related("session__patient")
        .order_by("-session__session_date", "session_id", "id")
    )
    awaiting: dict[int, AwaitingReport] = {}
    for event in events[: limit * 4]:
        session = event.session
        previous = awaiting.get(session.pk)
        label = event.get_kind_display()
        awaiting[session.pk] = AwaitingReport(
            session.pk,
            session.session_date,
            session.patient_id,
            session.patient.display_name,
            f"{previous.events}; {label}" if previous else label,
        )
    return list(awaiting.values())[:limit]


def incident_counts(*, actor: Actor) -> dict[str, int]:
    """Signed and draft incident reports of the clinic (for the clinic outcomes page)."""
    counts = IncidentReport.objects.filter(clinic=actor.clinic).aggregate(
        signed=Count("id", filter=Q(signed_at__isnull=False)),
        drafts=Count("id", filter=Q(signed_at__isnull=True)),
    )
    return {k: v or 0 for k, v in counts.items()}


# Admin notifications ------------------------------------------------------------------------


def notifications(
    *, actor: Actor, unread_only: bool = False, limit: int = 100
) -> list[AdminNotification]:
    require_role(actor, ADMINS)
    rows = AdminNotification.objects.filter(clinic=actor.clinic).select_related("read_by")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return list(rows[:limit])


def notification_get(*, actor: Actor, notification_id: object) -> AdminNotification:
    require_role(actor, ADMINS)
    return get_for_clinic(
        AdminNotification.objects.all(), actor.clinic, notification_id, "Notification"
    )
