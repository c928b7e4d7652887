"""Synthetic clinics at scale, written with bulk inserts (COPY on PostgreSQL).

`imsclinic demo --clinics N --patients N --years N` uses this to build clinics large
enough to measure against: practitioners with authorizations, patients, episodes by
condition, weekly courses whose pain improves plausibly, insertions muscle by muscle,
some adverse events (about 1 mild event in 5 sessions, after Brady 2014), signed notes
with real content hashes, each sealed by a sign event in the clinic's audit chain (as
signing through the app does). Every value is invented from a seeded random generator.

The actions validate one note at a time, which is right for people and far too slow for
a million sessions; this module writes rows directly, so it builds only what those
actions would accept (consent before the first session, authorized practitioners,
dates in the past, known muscles, paraspinal levels in range).

Size: one generator whose row builders share the id counters and the COPY writer.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import connection, models, transaction
from django.utils import timezone

from imsclinic.accounts.models import NeedlingAuthorization, Role, User
from imsclinic.anatomy import get_catalog
from imsclinic.charting import rollup
from imsclinic.charting.integrity import content_hash, session_content
from imsclinic.charting.models import AdverseEvent, Episode, Insertion, TreatmentSession
from imsclinic.charting.selectors import PersonRef, Rows, SessionRow
from imsclinic.core.audit import ChainAppender
from imsclinic.core.models import AuditEvent, Clinic
from imsclinic.core.rawsql import BulkWriter
from imsclinic.core.seals import sign_detail
from imsclinic.patients.consent_texts import CURRENT_CONSENT_VERSION
from imsclinic.patients.models import Consent, Patient
from imsclinic.patients.names import health_number_key, search_key
from imsclinic.rules.lots import lot_key
from imsclinic.rules.precautions import FLAG_CODES
from imsclinic.rules.ranges import DEFAULT_NEEDLE_DIAMETER_MM, DEFAULT_NEEDLE_LENGTH_MM

FAMILY = (
    "Abara",
    "Brennan",
    "Castellanos",
    "Dahl",
    "Eriksen",
    "Farrow",
    "Garza",
    "Halvorsen",
    "Ibsen",
    "Jovanovic",
    "Kaur",
    "Lindqvist",
    "Mistry",
    "Nakamura",
    "Oduya",
    "Petrov",
    "Quispe",
    "Rahman",
    "Sato",
    "Toivonen",
    "Umar",
    "Varga",
    "Whitfield",
    "Xu",
    "Yilmaz",
    "Zielinski",
)
GIVEN = (
    "Ada",
    "Ben",
    "Clio",
    "Dev",
    "Ebba",
    "Finn",
    "Gia",
    "Hugo",
    "Ines",
    "Jon",
    "Kai",
    "Lena",
    "Mateo",
    "Nora",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sam",
    "Tove",
    "Uma",
    "Viktor",
    "Wren",
    "Yara",
    "Zane",
)
CONDITION_WEIGHTS = {
    "M54.5": 30,
    "M54.2": 22,
    "M54.3": 14,
    "M51.3": 8,
    "M77.1": 8,
    "G56.0": 6,
    "M76.6": 5,
    "M17": 7,
}


# Needle lots: a case of needles (a few thousand of one lot) lasts a group of about eight
# practitioners a week, so a lot is (ISO year and week, group A-H). Each practitioner
# charts it in their own way; a recall matches every spelling (rules/lots.py).
LOT_GROUPS = "ABCDEFGH"
# By the practitioner's place in the clinic's staff, so even a two-person clinic charts
# two spellings; half of all practitioners copy the box's label exactly.
LOT_SPELLINGS: tuple[Callable[[dt.date, str], str], ...] = (
    lambda day, group: f"LOT-{day:%G%V}{group}",
    lambda day, group: f"lot {day:%G-%V} {group.lower()}",
    lambda day, group: f"LOT-{day:%G%V}{group}",
    lambda day, group: f"{day:%G%V}-{group}",
)


@dataclass
class ScaleResult:
    clinics: int
    practitioners: int
    patients: int
    episodes: int
    sessions: int
    insertions: int
    seconds: float


def _next_id(model: type[models.Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _reset_sequences(models_: Sequence[type[models.Model]]) -> None:
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(statement)


def _weighted(rng: random.Random, weights: dict[str, int]) -> Callable[[], str]:
    keys, values = list(weights), list(weights.values())
    return lambda: rng.choices(keys, values)[0]


def generate(
    *,
    clinics: int = 1,
    patients: int = 1000,
    years: int = 2,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> ScaleResult:
    """Add ``clinics`` clinics of ``patients`` patients each, with ``years`` of history."""
    started = time.perf_counter()
    rng = random.Random(seed)
    catalog = get_catalog()
    today = timezone.localdate()
    now = timezone.now()
    pick_condition = _weighted(rng, CONDITION_WEIGHTS)
    conditions = {c.code: c for c in catalog.conditions}
    sites_by_condition: dict[str, list[tuple[str, str]]] = {}
    for code, condition in conditions.items():
        sites: list[tuple[str, str]] = []
        for muscle_id in condition.muscles:
            muscle = catalog.get(muscle_id)
            if muscle.is_paraspinal:
                valid = catalog.paraspinal_levels_for(muscle)
                sites += [
                    (muscle_id, level) for level in condition.typical_segments if level in valid
                ]
            else:
                sites.append((muscle_id, ""))
        sites_by_condition[code] = sites

    patient_w = BulkWriter(
        Patient,
        [
            "id",
            "clinic_id",
            "created_at",
            "updated_at",
            "family_name",
            "given_name",
            "date_of_birth",
            "sex",
            "health_number",
            "phone",
            "email",
            "address",
            "search_name",
            "search_name_reversed",
            "health_number_key",
            "medications",
            *FLAG_CODES,
            "lymphedema_sites",
            "lymph_nodes_removed",
            "precaution_notes",
        ],
    )
    consent_w = BulkWriter(
        Consent,
        [
            "id",
            "clinic_id",
            "created_at",
            "updated_at",
            "patient_id",
            "consented_on",
            "text_version",
            "given_by",
            "substitute_name",
            "recorded_by_id",
            "withdrawal_reason",
        ],
    )
    episode_w = BulkWriter(
        Episode,
        [
            "id",
            "clinic_id",
            "created_at",
            "updated_at",
            "patient_id",
            "practitioner_id",
            "condition_code",
            "condition_label",
            "affected_side",
            "onset_date",
            "opened_on",
            "closed_on",
            "goals",
            "referring_physician",
        ],
    )
    session_w = BulkWriter(
        TreatmentSession,
        [
            "id",
            "clinic_id",
            "created_at",
            "updated_at",
            "patient_id",
            "episode_id",
            "practitioner_id",
            "notes",
            "signed_at",
            "content_hash",
            "session_date",
            "sequence",
            "pain_before",
            "pain_after",
            "acknowledged",
        ],
    )
    insertion_w = BulkWriter(
        Insertion,
        [
            "clinic_id",
            "created_at",
            "updated_at",
            "session_id",
            "position",
            "muscle_id",
            "side",
            "level",
            "needle_diameter_mm",
            "needle_length_mm",
            "needle_lot",
            "needle_lot_key",
            "twitch",
            "sensation",
            "notes",
        ],
        batch=100_000,
    )
    event_w = BulkWriter(
        AdverseEvent,
        [
            "clinic_id",
            "created_at",
            "updated_at",
            "session_id",
            "episode_id",
            "kind",
            "severity",
            "description",
            "action_taken",
        ],
    )
    audit_w = BulkWriter(
        AuditEvent,
        [f.attname for f in AuditEvent._meta.concrete_fields if not f.primary_key],
    )
    ids = {model: _next_id(model) for model in (Patient, Consent, Episode, TreatmentSession)}
    json_empty = "[]"
    practitioner_count = 0

    guarded = [m._meta.db_table for m in (TreatmentSession, Insertion, AdverseEvent)]
    with transaction.atomic():
        # The outcomes rollup triggers would recompute an episode for every row written;
        # they are dropped for the load (inside this transaction) and created again at its end.
        rollup.uninstall(connection)
        if connection.vendor == "postgresql":
            # The signed-note guard triggers look up the parent row for every child row; the
            # rows written here are valid by construction (children go in while their
            # session is unsigned), so the bulk load skips them and restores them on commit.
            with connection.cursor() as cursor:
                for table in guarded:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for clinic_index in range(clinics):
            slug = f"scale-{seed}-{_next_id(Clinic)}"
            clinic = Clinic.objects.create(name=f"Synthetic clinic {slug}", slug=slug)
            staff: list[User] = []
            for n in range(max(2, patients // 2000)):
                user = User(
                    clinic=clinic,
                    username=f"{slug}-pt{n}",
                    role=Role.PRACTITIONER,
                    first_name=rng.choice(GIVEN),
                    last_name=rng.choice(FAMILY),
                    registration_number=f"PT-{rng.randint(10000, 99999)}",
                )
                user.set_unusable_password()
                staff.append(user)
            User.objects.bulk_create(staff)
            staff = list(User.objects.filter(clinic=clinic).order_by("pk"))
            place = {user.pk: index for index, user in enumerate(staff)}
            practitioner_count += len(staff)
            chain = ChainAppender(clinic.pk)
            NeedlingAuthorization.objects.bulk_create(
                NeedlingAuthorization(
                    clinic=clinic,
                    practitioner=user,
                    kind=kind,
                    reference=f"{kind[:3]}-{user.pk}",
                    valid_from=today - dt.timedelta(days=365 * (years + 2)),
                    valid_until=None,
                )
                for user in staff
                for kind in NeedlingAuthorization.Kind.values
            )
            for _ in range(patients):
                pid = ids[Patient]
                ids[Patient] += 1
                family, given = rng.choice(FAMILY), rng.choice(GIVEN)
                birth = dt.date(rng.randint(1940, 2004), rng.randint(1, 12), rng.randint(1, 28))
                anticoagulants = rng.random() < 0.06
                sex = rng.choice(("female", "male"))  # drawn in the order they always were
                health_no = f"{pid:06d}-{rng.randint(1000, 9999)}"
                patient_w.add(
                    (
                        pid,
                        clinic.pk,
                        now,
                        now,
                        f"{family}{pid % 997}",
                        given,
                        birth,
                        sex,
                        health_no,
                        "",
                        "",
                        "",
                        search_key(f"{family}{pid % 997} {given}"),
                        search_key(f"{given} {family}{pid % 997}"),
                        health_number_key(health_no),
                        "",
                        # One value per precaution of the table: 6% anticoagulated, 8% diabetic.
                        *(
                            anticoagulants
                            if code == "anticoagulants"
                            else code == "diabetes" and rng.random() < 0.08
                            for code in FLAG_CODES
                        ),
                        json_empty,
                        json_empty,
                        "",
                    )
                )
                first_day = today - dt.timedelta(days=rng.randint(14, 365 * years))
                practitioner = rng.choice(staff)
                spell_lot = LOT_SPELLINGS[place[practitioner.pk] % len(LOT_SPELLINGS)]
                lot_group = LOT_GROUPS[
                    place[practitioner.pk] // len(LOT_SPELLINGS) % len(LOT_GROUPS)
                ]
                consent_w.add(
                    (
                        ids[Consent],
                        clinic.pk,
                        now,
                        now,
                        pid,
                        first_day,
                        CURRENT_CONSENT_VERSION,
                        "patient",
                        "",
                        practitioner.pk,
                        "",
                    )
                )
                ids[Consent] += 1
                day = first_day
                for _episode in range(rng.choice((1, 1, 1, 2))):
                    if day >= today - dt.timedelta(days=7):
                        break
                    code = pick_condition()
                    side = rng.choice(("left", "right"))
                    course = rng.randint(3, 10)
                    eid = ids[Episode]
                    ids[Episode] += 1
                    pain = float(rng.randint(5, 8))
                    responder = rng.random() < 0.65
                    sites = sites_by_condition[code]
                    chosen = rng.sample(sites, k=min(len(sites), rng.randint(5, 9)))
                    for number in range(1, course + 1):
                        session_day = day + dt.timedelta(weeks=number - 1)
                        if session_day > today:
                            break
                        sid = ids[TreatmentSession]
                        ids[TreatmentSession] += 1
                        before = max(0, min(10, round(pain)))
                        after = max(0, before - rng.choice((0, 1, 1, 2, 2, 3)))
                        row = SessionRow(
                            sid,
                            pid,
                            eid,
                            practitioner.pk,
                            PersonRef(""),
                            number,
                            session_day,
                            before,
                            after,
                            "",
                            ["anticoagulants"] if anticoagulants else [],
                            now,
                            "",
                            Rows(),
                            Rows(),
                            Rows(),
                            Rows(),
                        )
                        for position, (muscle_id, level) in enumerate(chosen):
                            twitch = rng.choices(("strong", "weak", "none"), (60, 30, 10))[0]
                            values = (
                                position,
                                muscle_id,
                                side,
                                level,
                                DEFAULT_NEEDLE_DIAMETER_MM,
                                50 if muscle_id.startswith("glut") else DEFAULT_NEEDLE_LENGTH_MM,
                                spell_lot(session_day, lot_group),
                                twitch,
                                rng.choice(("ache", "cramp", "pressure")),
                                "",
                            )
                            row.insertions.append(
                                SimpleNamespace(
                                    position=position,
                                    muscle_id=muscle_id,
                                    side=side,
                                    level=level,
                                    needle_diameter_mm=DEFAULT_NEEDLE_DIAMETER_MM,
                                    needle_length_mm=values[5],
                                    needle_lot=values[6],
                                    twitch=twitch,
                                    sensation=values[8],
                                    notes="",
                                )
                            )
                            insertion_w.add(
                                (
                                    clinic.pk,
                                    now,
                                    now,
                                    sid,
                                    *values[:7],
                                    lot_key(values[6]),
                                    *values[7:],
                                )
                            )
                        if rng.random() < 0.19:
                            severe = rng.random() < 0.001
                            event = (
                                "bruising" if rng.random() < 0.5 else "soreness",
                                "significant" if severe else "mild",
                                "Synthetic event",
                                "Reviewed next day" if severe else "",
                            )
                            row.adverse_events.append(
                                SimpleNamespace(
                                    pk=0,
                                    kind=event[0],
                                    severity=event[1],
                                    description=event[2],
                                    action_taken=event[3],
                                )
                            )
                            event_w.add((clinic.pk, now, now, sid, eid, *event))
                        digest = content_hash(session_content(row))
                        # Its signature sealed in the clinic's audit chain, as session_sign
                        # does (core/seals.py), so every read path and `audit verify` find it.
                        sign = chain.row(
                            at=now,
                            user_id=practitioner.pk,
                            username=practitioner.username,
                            role=Role.PRACTITIONER,
                            action="sign",
                            source="command",
                            patient_id=pid,
                            object_type="TreatmentSession",
                            object_id=sid,
                            detail=sign_detail(digest),
                        )
                        audit_w.add(tuple(sign[c] for c in audit_w.columns))
                        # Written unsigned; signed below once its children are in (signed notes
                        # refuse new child rows, in the database too).
                        session_w.add(
                            (
                                sid,
                                clinic.pk,
                                now,
                                now,
                                pid,
                                eid,
                                practitioner.pk,
                                "",
                                None,
                                digest,
                                session_day,
                                number,
                                before,
                                after,
                                json.dumps(row.acknowledged),
                            )
                        )
                        pain = max(
                            0.0,
                            pain - (rng.uniform(0.4, 1.3) if responder else rng.uniform(-0.3, 0.5)),
                        )
                    closed = (
                        day + dt.timedelta(weeks=course)
                        if day + dt.timedelta(weeks=course) < today
                        else None
                    )
                    condition = conditions[code]
                    episode_w.add(
                        (
                            eid,
                            clinic.pk,
                            now,
                            now,
                            pid,
                            practitioner.pk,
                            code,
                            condition.name,
                            side,
                            day - dt.timedelta(days=rng.randint(30, 400)),
                            day,
                            closed,
                            "Synthetic goal: return to usual activity.",
                            "",
                        )
                    )
                    day = day + dt.timedelta(weeks=course + rng.randint(4, 30))
                if progress and pid % 10_000 == 0:
                    progress(
                        f"clinic {clinic_index + 1}/{clinics}: {pid} patients, "
                        f"{session_w.count + len(session_w.rows)} sessions"
                    )
            # Parents before children: flush in foreign-key order at each clinic's end.
            for writer in (
                patient_w,
                consent_w,
                episode_w,
                session_w,
                insertion_w,
                event_w,
                audit_w,
            ):
                writer.flush()
            chain.close()
            TreatmentSession.objects.filter(clinic=clinic, signed_at__isnull=True).update(
                signed_at=now
            )
            # The rollup triggers are off for the load: fill this clinic's rows at once.
            rollup.rebuild(connection, clinic_id=clinic.pk)
        _reset_sequences([Patient, Consent, Episode, TreatmentSession, Insertion, AdverseEvent])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Run the deferred foreign-key checks now: ALTER TABLE refuses while any are queued.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table in guarded:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        rollup.install(connection)

    return ScaleResult(
        clinics,
        practitioner_count,
        patient_w.count,
        episode_w.count,
        session_w.count,
        insertion_w.count,
        time.perf_counter() - started,
    )
