"""Canonical content of a signed note (and of an amendment), its hash, and the checks every
read path that shows a signed note runs.

A note is *intact* when (1) its content still hashes to its stored ``content_hash`` and
(2) that hash is the one sealed in the hash-chained ``sign`` audit event (core/seals.py).
(1) alone would miss a rewrite that recomputes the plain SHA-256 alongside the change;
(2) makes such a rewrite need the audit chain rewritten too, which ``imsclinic audit
verify`` and off-site anchors expose. An amendment is intact when it hashes to the hash
sealed in the ``amend`` event that recorded it; one inserted behind the application's
back has no such event. The chart, the chart API, the note pages and API, the progress
page and the PDF all show the result (``integrity`` on each note and amendment).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from imsclinic.charting.models import Amendment, Assessment, TreatmentSession
from imsclinic.core.seals import SealProblem, Seals, seals_of

SESSION = "TreatmentSession"
ASSESSMENT = "Assessment"


# Field readers in C (operator.attrgetter): the chart checks every signed session it shows,
# so building the canonical content is on the chart's path (docs/benchmarks.md).
_INSERTION = attrgetter(
    "position",
    "muscle_id",
    "side",
    "level",
    "needle_diameter_mm",
    "needle_length_mm",
    "needle_lot",
    "twitch",
    "sensation",
    "notes",
)
_ROM = attrgetter("phase", "movement", "side", "degrees")
_ADVERSE = attrgetter("kind", "severity", "description", "action_taken")
_BY_POSITION = attrgetter("position")
_BY_PK = attrgetter("pk")


def _insertion(row: Any) -> list[Any]:
    values = list(_INSERTION(row))
    values[4] = str(values[4])  # the needle diameter, a Decimal, as its digits
    return values


def session_content(session: TreatmentSession | Any) -> dict[str, Any]:
    """A session's signed content; ``session`` is a model instance or anything with the
    same attributes (the chart's SessionRow, the bulk generator's rows)."""
    return {
        "kind": "session",
        "id": session.pk,
        "patient": session.patient_id,
        "episode": session.episode_id,
        "practitioner": session.practitioner_id,
        "date": session.session_date.isoformat(),
        "pain_before": session.pain_before,
        "pain_after": session.pain_after,
        "notes": session.notes,
        "acknowledged": sorted(session.acknowledged or []),
        "insertions": [_insertion(i) for i in sorted(session.insertions.all(), key=_BY_POSITION)],
        "rom": [list(_ROM(r)) for r in sorted(session.rom.all(), key=_BY_PK)],
        "adverse_events": [
            list(_ADVERSE(a)) for a in sorted(session.adverse_events.all(), key=_BY_PK)
        ],
    }


def assessment_content(assessment: Assessment) -> dict[str, Any]:
    return {
        "kind": "assessment",
        "id": assessment.pk,
        "patient": assessment.patient_id,
        "episode": assessment.episode_id,
        "practitioner": assessment.practitioner_id,
        "date": assessment.assessed_on.isoformat(),
        "history": assessment.history,
        "pain_now": assessment.pain_now,
        "pain_locations": assessment.pain_locations,
        "notes": assessment.notes,
        "findings": [
            [
                f.position,
                f.muscle_id,
                f.side,
                f.level,
                f.taut_band,
                f.tender_motor_point,
                f.shortened,
                f.local_twitch,
                f.normal,
                f.notes,
            ]
            for f in sorted(assessment.findings.all(), key=lambda f: f.position)
        ],
        "signs": sorted([s.region, s.side, s.kind] for s in assessment.signs.all()),
        "rom": [
            [r.phase, r.movement, r.side, r.degrees]
            for r in sorted(assessment.rom.all(), key=lambda r: r.pk)
        ],
    }


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON: keys sorted, no spaces, UTF-8."""
    return hashlib.sha256(_CANONICAL.encode(content).encode()).hexdigest()


def amendment_content(amendment: Amendment | Any, note_type: str, note_id: int) -> dict[str, Any]:
    """An amendment's permanent content; ``amendment`` is a model instance or a chart row."""
    created: dt.datetime = amendment.created_at
    return {
        "kind": "amendment",
        "id": amendment.pk,
        "note": note_type,
        "note_id": note_id,
        "author": amendment.author_id,
        "created_at": created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "text": amendment.text,
        "reason": amendment.reason,
    }


def amendment_hash(amendment: Amendment | Any, note_type: str, note_id: int) -> str:
    return content_hash(amendment_content(amendment, note_type, note_id))


@dataclass(frozen=True)
class Integrity:
    state: str  # draft | intact | altered
    problem: str = ""

    @property
    def altered(self) -> bool:
        return self.state == "altered"


DRAFT = Integrity("draft")
INTACT = Integrity("intact")
CONTENT_CHANGED = Integrity(
    "altered",
    "Changed after signing: this note no longer matches the hash taken when it was signed.",
)
HASH_REWRITTEN = Integrity(
    "altered",
    "Changed after signing: this note's stored hash differs from the one sealed in the "
    "audit trail when it was signed.",
)
NO_SIGNATURE = Integrity(
    "altered",
    "No signature in the audit trail: this note was marked signed outside the application.",
)
AMENDMENT_UNRECORDED = Integrity(
    "altered",
    "Not in the audit trail: this amendment was added outside the application.",
)
AMENDMENT_CHANGED = Integrity(
    "altered",
    "Changed after it was written: this amendment no longer matches the hash sealed in the "
    "audit trail.",
)


# Content hashes of sessions already computed on a read path, by the exact row versions
# they were computed from (issue 18: hashing 100 sessions' canonical content was ~9 ms of
# every chart read). The key is the session's id, the counts of its insertion, ROM and
# adverse-event rows and PostgreSQL's xmin of the session row and of each of those rows
# (SessionRow.versions, read only outside a transaction, so only committed versions), in
# reading order. Any UPDATE, DELETE or INSERT of one of them
# through PostgreSQL gives a different key (an UPDATE writes a new row version with the
# new transaction's xmin; a delete or insert changes the rows read), so a reused hash is
# always the hash of the very values read now; and each value read comes with its own
# row's xmin from the same statement. What is checked on every read is unchanged: that
# hash against the note's stored content_hash, and that against the seal in the audit
# chain, both read afresh. Only row versions of this process's earlier reads are kept
# (at most _DIGESTS_MAX notes); SQLite rows and model instances have no versions and are
# hashed every time; `imsclinic audit verify` never uses this (verify_clinic).
_DIGESTS: dict[tuple[Any, ...], str] = {}
_DIGESTS_MAX = 10_000
_DIGESTS_LOCK = threading.Lock()


def _session_digest(session: Any, reuse: bool) -> str:
    versions = getattr(session, "versions", None) if reuse else None
    if versions is None:
        return content_hash(session_content(session))
    key = (
        session.pk,
        len(session.insertions),
        len(session.rom),
        len(session.adverse_events),
        *versions,
    )
    digest = _DIGESTS.get(key)
    if digest is None:
        digest = content_hash(session_content(session))
        with _DIGESTS_LOCK:
            if len(_DIGESTS) >= _DIGESTS_MAX:
                del _DIGESTS[next(iter(_DIGESTS))]  # the oldest
            _DIGESTS[key] = digest
    return digest


def note_integrity(note_type: str, note: Any, seals: Seals, *, reuse: bool = False) -> Integrity:
    """Draft, intact, or altered (with why) for one note (a model instance or chart row).
    ``reuse``: a read path may reuse the content hash of the same row versions (above)."""
    if not note.is_signed:
        return DRAFT
    if note_type == SESSION:
        digest = _session_digest(note, reuse)
    else:
        digest = content_hash(assessment_content(note))
    if digest != note.content_hash:
        return CONTENT_CHANGED
    sealed = seals.signs.get((note_type, note.pk))
    if not sealed:
        return NO_SIGNATURE
    known = [digest for digest in sealed if digest is not None]
    # None: signed before seals were recorded; only the stored hash can be checked.
    if known and note.content_hash not in known:
        return HASH_REWRITTEN
    return INTACT


def amendment_integrity(amendment: Any, note_type: str, note_id: int, seals: Seals) -> Integrity:
    sealed = seals.amendments.get(amendment.pk)
    if not sealed or seals.amended.get(amendment.pk) != (note_type, note_id):
        return AMENDMENT_UNRECORDED
    known = [digest for digest in sealed if digest is not None]
    if known and amendment_hash(amendment, note_type, note_id) not in known:
        return AMENDMENT_CHANGED
    return INTACT


def _check(note_type: str, note: Any, seals: Seals, with_amendments: bool = True) -> None:
    note.integrity = note_integrity(note_type, note, seals, reuse=True)
    note.amendment_problem = ""
    if not with_amendments:
        return
    amendments = note.amendments.all()
    for index, amendment in enumerate(amendments):
        integrity = amendment_integrity(amendment, note_type, note.pk, seals)
        if isinstance(amendment, tuple):  # a chart row (named tuple): replace it
            amendments[index] = amendment._replace(integrity=integrity)  # type: ignore[attr-defined]
        else:
            amendment.integrity = integrity
        if integrity.altered and not note.amendment_problem:
            note.amendment_problem = integrity.problem


def check_notes(
    clinic_id: int,
    patient_id: int,
    sessions: Iterable[Any] = (),
    assessments: Iterable[Any] = (),
    *,
    with_amendments: bool = True,
) -> None:
    """Set ``integrity`` on each note and each of its amendments (unless the caller shows
    none): one query for the seals of the patient, then the hashes of the rows already
    read."""
    sessions, assessments = list(sessions), list(assessments)
    if not any(n.is_signed for n in [*sessions, *assessments]):
        for note in [*sessions, *assessments]:
            note.integrity, note.amendment_problem = DRAFT, ""
        return
    seals = seals_of(clinic_id, patient_id)
    for session in sessions:
        _check(SESSION, session, seals, with_amendments)
    for assessment in assessments:
        _check(ASSESSMENT, assessment, seals, with_amendments)


def check_note(note: TreatmentSession | Assessment) -> None:
    """``check_notes`` for one note: its own seals only."""
    note_type = SESSION if isinstance(note, TreatmentSession) else ASSESSMENT
    if not note.is_signed:
        note.integrity, note.amendment_problem = DRAFT, ""  # type: ignore[union-attr]
        return
    seals = seals_of(note.clinic_id, note.patient_id, note_type, note.pk)
    _check(note_type, note, seals)


# `imsclinic audit verify`: every note and amendment of a clinic against its seals --------


def _signed_sessions(clinic_id: int, batch: int = 1000) -> Iterator[Any]:
    from imsclinic.charting.selectors import session_rows

    last = 0
    while True:
        rows = session_rows(
            clinic_id,
            "s.signed_at IS NOT NULL AND s.id > %s",
            [last],
            f"ORDER BY s.id LIMIT {int(batch)}",
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].pk


def _signed_assessments(clinic_id: int, batch: int = 500) -> Iterator[Assessment]:
    from imsclinic.charting.selectors import assessments_with_details

    last = 0
    while True:
        rows = list(
            assessments_with_details(
                Assessment.objects.filter(clinic_id=clinic_id, signed_at__isnull=False, pk__gt=last)
            ).order_by("pk")[:batch]
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].pk


def verify_clinic(clinic_id: int, seals: Seals) -> list[SealProblem]:
    """Every signed note and amendment of the clinic against the seals of its verified
    audit chain, and every seal against a note or amendment that still exists."""
    problems: list[SealProblem] = []
    seen_notes: set[tuple[str, int]] = set()
    seen_amendments: set[int] = set()
    notes: Iterable[tuple[str, Any]] = (
        *((SESSION, s) for s in _signed_sessions(clinic_id)),
        *((ASSESSMENT, a) for a in _signed_assessments(clinic_id)),
    )
    for note_type, note in notes:
        seen_notes.add((note_type, note.pk))
        found = note_integrity(note_type, note, seals)
        label = "Session" if note_type == SESSION else "Assessment"
        if found.altered:
            kind = "inserted" if found is NO_SIGNATURE else "altered"
            problems.append(SealProblem(kind, f"{label} {note.pk}: {found.problem}"))
        for amendment in note.amendments.all():
            seen_amendments.add(amendment.pk)
            found = amendment_integrity(amendment, note_type, note.pk, seals)
            if found.altered:
                kind = "inserted" if found is AMENDMENT_UNRECORDED else "altered"
                problems.append(SealProblem(kind, f"Amendment {amendment.pk}: {found.problem}"))
    for note_type, note_id in sorted(set(seals.signs) - seen_notes):
        if note_type in (SESSION, ASSESSMENT):
            problems.append(
                SealProblem(
                    "deleted",
                    f"{note_type} {note_id} was signed (audit trail) but is no longer a signed "
                    "note: it was deleted or its signature removed.",
                )
            )
    for amendment_id in sorted(set(seals.amendments) - seen_amendments):
        problems.append(
            SealProblem(
                "deleted",
                f"Amendment {amendment_id} was recorded in the audit trail but is gone.",
            )
        )
    return problems
