"""What a treatment session is checked against before it is written: each insertion's
muscle, side and level, and the episode's facts (consent, authorization, precautions)
read in one SQL statement, then the needling rules (charting/safety.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection

from imsclinic.accounts.models import NeedlingAuthorization
from imsclinic.anatomy import Muscle
from imsclinic.charting.actions.checks import (
    _check_date,
    _check_episode,
    _check_level,
    _check_pain,
    _check_rom,
)
from imsclinic.charting.models import Episode, TreatmentSession
from imsclinic.charting.reasoning import resolve_muscle
from imsclinic.charting.safety import session_decision
from imsclinic.charting.schemas import InsertionIn, SessionIn
from imsclinic.core.actors import Actor
from imsclinic.core.errors import AcknowledgementRequired, Caution, Problems, RuleViolation
from imsclinic.core.rawsql import execute_together
from imsclinic.patients.models import Consent, Patient
from imsclinic.rules import ranges


def _validate_insertion(
    problems: Problems, index: int, row: InsertionIn
) -> tuple[Muscle, str] | None:
    prefix = f"insertions.{index}"
    muscle = resolve_muscle(problems, prefix, row.muscle, row.level)
    for name, message in ranges.needle_problems(
        row.needle_diameter_mm, row.needle_length_mm
    ).items():
        problems.add(f"{prefix}.{name}", "out_of_range", message)
    if not row.needle_lot.strip():
        problems.add(
            f"{prefix}.needle_lot",
            "required",
            "Enter the needle lot number from the pack (for traceability).",
        )
    if muscle is None:
        return None
    level = _check_level(problems, f"{prefix}.level", muscle, row.level)
    return muscle, level


@dataclass(frozen=True)
class _EpisodeFacts:
    """An episode with what the needling rules must know about one day."""

    id: int
    opened_on: dt.date
    closed_on: dt.date | None
    consent_current: bool
    authorizations: frozenset[str]
    sessions_so_far: int


def _as_date(value: object) -> dt.date | None:
    # A raw cursor returns SQLite dates as ISO text and PostgreSQL dates as dates.
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


_FACTS_SQL = """
SELECT e.id, e.opened_on, e.closed_on,
  EXISTS (SELECT 1 FROM {consent} c WHERE c.clinic_id = e.clinic_id AND c.patient_id = e.patient_id
          AND c.consented_on <= %s AND (c.withdrawn_on IS NULL OR c.withdrawn_on > %s)),
  EXISTS (SELECT 1 FROM {authorization} a WHERE a.practitioner_id = %s AND a.kind = %s
          AND a.valid_from <= %s AND (a.valid_until IS NULL OR a.valid_until >= %s)
          AND (a.revoked_on IS NULL OR a.revoked_on > %s)),
  EXISTS (SELECT 1 FROM {authorization} a WHERE a.practitioner_id = %s AND a.kind = %s
          AND a.valid_from <= %s AND (a.valid_until IS NULL OR a.valid_until >= %s)
          AND (a.revoked_on IS NULL OR a.revoked_on > %s)),
  (SELECT COUNT(*) FROM {session} s WHERE s.clinic_id = e.clinic_id AND s.episode_id = e.id)
FROM {episode} e WHERE e.clinic_id = %s AND e.patient_id = %s AND e.id = %s
"""


def _episode_facts(
    actor: Actor, patient: Patient, episode_id: int, day: dt.date
) -> _EpisodeFacts | None:
    """One query for the whole rule check: recording a session is the hot path of the day,
    and four ORM queries cost several times what the database does for them (make bench)."""
    sql = _FACTS_SQL.format(
        consent=Consent._meta.db_table,
        authorization=NeedlingAuthorization._meta.db_table,
        session=TreatmentSession._meta.db_table,
        episode=Episode._meta.db_table,
    )
    kinds = NeedlingAuthorization.Kind.values
    user_id = actor.user.pk
    params: list[Any] = [
        day,
        day,
        user_id,
        kinds[0],
        day,
        day,
        day,
        user_id,
        kinds[1],
        day,
        day,
        day,
        patient.clinic_id,
        patient.pk,
        episode_id,
    ]
    statements: list[tuple[str, list[Any]]] = [(sql, params)]
    if connection.features.has_select_for_update:
        # Lock the episode first, so two sessions charted for it at the same moment get
        # distinct numbers: the facts query that follows then sees the other's commit
        # (a subquery in the locking statement itself would read the older snapshot).
        # Both go in one round trip (rawsql.execute_together), still as two statements.
        # SQLite's IMMEDIATE write transactions already serialize writers.
        lock = (
            f"SELECT id FROM {Episode._meta.db_table} WHERE clinic_id = %s AND id = %s FOR UPDATE"  # noqa: S608
        )
        statements.insert(0, (lock, [patient.clinic_id, episode_id]))
    with connection.cursor() as cursor:
        rows = execute_together(cursor, *statements)[-1]
    if not rows:
        return None
    row = rows[0]
    opened_on = _as_date(row[1])
    assert opened_on is not None
    authorized = frozenset(kind for kind, flag in zip(kinds, (row[4], row[5]), strict=True) if flag)
    return _EpisodeFacts(row[0], opened_on, _as_date(row[2]), bool(row[3]), authorized, int(row[6]))


def _validate_session(
    actor: Actor, patient: Patient, data: SessionIn
) -> tuple[_EpisodeFacts, list[tuple[Muscle, str]]]:
    problems = Problems()
    _check_date(problems, "session_date", data.session_date, "Session date")
    episode = _check_episode(
        problems,
        _episode_facts(actor, patient, data.episode_id, data.session_date),
        data.session_date,
    )
    _check_pain(problems, "pain_before", data.pain_before)
    _check_pain(problems, "pain_after", data.pain_after)
    resolved: list[tuple[Muscle, str]] = []
    for index, row in enumerate(data.insertions):
        result = _validate_insertion(problems, index, row)
        if result is not None:
            resolved.append(result)
    _check_rom(problems, "rom", data.rom)
    for index, event in enumerate(data.adverse_events):
        if event.severity != "mild" and not event.action_taken.strip():
            problems.add(
                f"adverse_events.{index}.action_taken",
                "required",
                "Record the action taken for a significant or serious adverse event.",
            )
    problems.raise_if_any()
    assert episode is not None

    decision = session_decision(
        patient=patient,
        day=data.session_date,
        consent_current=episode.consent_current,
        authorizations=episode.authorizations,
        rows=data.insertions,
        resolved=resolved,
    )
    if data.insertions and decision.blocks:
        first = decision.blocks[0]
        refusal = RuleViolation(
            " ".join(issue.message for issue in decision.blocks), code=first.code, field=first.field
        )
        if any(issue.code.startswith("authorization_") for issue in decision.blocks):
            # Audited with the patient by core.audit.records_refusals (issue 16).
            refusal.refused_patient_id = patient.pk  # type: ignore[attr-defined]
            refusal.refused_object_type = "TreatmentSession"  # type: ignore[attr-defined]
        raise refusal
    missing = [w for w in decision.warnings if w.code not in data.acknowledged]
    if missing:
        raise AcknowledgementRequired([Caution(w.code, w.message) for w in missing])
    return episode, resolved


# The session write path uses plain INSERTs (core/rawsql.py): recording a session is the
# hot path of the day, and building a model instance per row cost several times what the
# database does for the same statements (make bench).
