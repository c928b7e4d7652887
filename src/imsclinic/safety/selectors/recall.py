"""The needle lot recall: every session (and its patient) needled with a lot, matched by lot
key. Audited as a recall naming the lot (a view, or an export for the CSV)."""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection, transaction

from imsclinic.anatomy import get_catalog
from imsclinic.charting.models import Insertion, TreatmentSession
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import Problems
from imsclinic.core.permissions import ADMINS, require_role
from imsclinic.core.rawsql import quote
from imsclinic.patients.models import Patient
from imsclinic.rules.lots import lot_key, match_kind
from imsclinic.safety.models import NeedleLot
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
    names = get_catalog().display_names()  # the one id -> name map (retired ids too)
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
