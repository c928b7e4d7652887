"""Load a small synthetic demo: two clinics, staff, and patients with realistic IMS courses.

Everything is written through the same actions the pages and the API use, so the demo
passes every rule a real chart must pass (consent, authorization, ranges).

Size: the demo clinic's script, one story read top to bottom (staff, patients, courses,
billing, safety).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from imsclinic.accounts.actions import authorization_add, clinic_create, user_create
from imsclinic.accounts.models import User
from imsclinic.billing.demo import load_billing_demo
from imsclinic.charting import actions as charting
from imsclinic.charting.schemas import (
    AdverseEventIn,
    AssessmentIn,
    EpisodeIn,
    FindingIn,
    InsertionIn,
    PainMarkIn,
    SessionIn,
)
from imsclinic.core.actors import Actor
from imsclinic.core.models import Clinic
from imsclinic.patients import actions as patients
from imsclinic.patients.consent_texts import CURRENT_CONSENT_VERSION
from imsclinic.patients.schemas import ConsentIn, PatientIn
from imsclinic.portal import demo as portal_demo
from imsclinic.rules.ranges import DEFAULT_NEEDLE_DIAMETER_MM, DEFAULT_NEEDLE_LENGTH_MM
from imsclinic.safety import demo as safety_demo


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    note: str


DEMO_PASSWORD = "ims-demo-2026"
DEMO_LOGINS = (
    DemoLogin(
        "pt.morgan",
        DEMO_PASSWORD,
        "practitioner",
        "Physiotherapist, IMS-certified, needling authorized",
    ),
    DemoLogin(
        "dr.okafor", DEMO_PASSWORD, "practitioner", "Physician, IMS-certified, needling authorized"
    ),
    DemoLogin(
        "pt.lapsed", DEMO_PASSWORD, "practitioner", "Authorization expired: needling is refused"
    ),
    DemoLogin(
        "frontdesk", DEMO_PASSWORD, "front_desk", "Front desk: registration, no clinical notes"
    ),
    DemoLogin("admin", DEMO_PASSWORD, "admin", "Clinic admin"),
    DemoLogin(
        "other.clinic", DEMO_PASSWORD, "practitioner", "Practitioner of a second clinic (isolation)"
    ),
)

# (family, given, sex, birth year, condition code, course: (muscle, side, level) insertions)
_COURSES = (
    (
        "Lindqvist",
        "Maren",
        "female",
        1978,
        "M54.3",
        "right",
        [
            ("lumbar_paraspinals", "right", "L5"),
            ("sacral_paraspinals", "right", "S1"),
            ("gluteus_medius", "right", ""),
            ("gluteus_maximus", "right", ""),
            ("piriformis", "right", ""),
            ("peroneus_longus", "right", ""),
            ("tibialis_anterior", "right", ""),
        ],
    ),
    (
        "Abara",
        "Tobias",
        "male",
        1969,
        "M54.2",
        "left",
        [
            ("cervical_paraspinals", "left", "C5"),
            ("cervical_paraspinals", "left", "C6"),
            ("levator_scapulae", "left", ""),
            ("infraspinatus", "left", ""),
            ("deltoid", "left", ""),
        ],
    ),
    (
        "Castellanos",
        "Ines",
        "female",
        1985,
        "M77.1",
        "right",
        [
            ("cervical_paraspinals", "right", "C6"),
            ("cervical_paraspinals", "right", "C7"),
            ("extensor_carpi_radialis_longus", "right", ""),
            ("supinator", "right", ""),
            ("brachioradialis", "right", ""),
        ],
    ),
    (
        "Whitfield",
        "Rowan",
        "male",
        1957,
        "M76.6",
        "left",
        [
            ("sacral_paraspinals", "left", "S1"),
            ("gastrocnemius", "left", ""),
            ("soleus", "left", ""),
            # On apixaban: no deep site that pressure cannot reach (tibialis posterior is
            # refused for him, rules/precautions.py); the peroneals are superficial.
            ("peroneus_longus", "left", ""),
        ],
    ),
    (
        "Nakamura",
        "Aiko",
        "female",
        1991,
        "G56.0",
        "right",
        [
            ("cervical_paraspinals", "right", "C6"),
            ("cervical_paraspinals", "right", "C7"),
            ("pronator_teres", "right", ""),
            ("flexor_carpi_radialis", "right", ""),
        ],
    ),
    (
        "Oduya",
        "Samuel",
        "male",
        1974,
        "M54.5",
        "left",
        [
            ("lumbar_paraspinals", "left", "L4"),
            ("lumbar_paraspinals", "left", "L5"),
            ("quadratus_lumborum", "left", ""),
            ("gluteus_medius", "left", ""),
            ("tensor_fasciae_latae", "left", ""),
        ],
    ),
)
_OTHER_NAMES = (
    ("Brennan", "Clio"),
    ("Mistry", "Dev"),
    ("Halvorsen", "Ebba"),
    ("Quispe", "Mateo"),
    ("Farrow", "Juno"),
    ("Adeyemi", "Kola"),
)


def _actor(user: User) -> Actor:
    assert user.clinic is not None
    return Actor(user=user, clinic=user.clinic, source="command")


def _authorize(user: User, start: dt.date, until: dt.date) -> None:
    authorization_add(
        practitioner=user,
        kind="ims_certification",
        reference=f"IMS-{user.pk:05d}",
        issuer="iSTOP (synthetic)",
        valid_from=start,
        valid_until=until,
    )
    authorization_add(
        practitioner=user,
        kind="restricted_activity",
        reference=f"RA-{user.pk:05d}",
        issuer="Regulator (synthetic)",
        valid_from=start,
        valid_until=until,
    )


def _course(actor: Actor, rng: random.Random, spec: tuple, index: int, today: dt.date) -> None:
    family, given, sex, year, code, side, sites = spec
    patient = patients.patient_register(
        actor=actor,
        # Precaution flags are fields of the one precautions table (rules.precautions).
        data=PatientIn.model_validate(
            {
                "family_name": family,
                "given_name": given,
                "sex": sex,
                "date_of_birth": dt.date(year, 1 + index % 12, 3 + index),
                "health_number": f"9{index:03d}-{rng.randint(10000, 99999)}",
                "phone": f"403-555-01{index:02d}",
                "email": f"{given.lower()}.{family.lower()}@example.org",
                "medications": "Apixaban 5 mg twice daily" if index == 3 else "",
                "anticoagulants": index == 3,
                "precaution_notes": "On apixaban: firm pressure after each needle."
                if index == 3
                else "",
                "diabetes": index == 5,
            }
        ),
    )
    weeks = 3 + index % 5
    start = today - dt.timedelta(weeks=weeks, days=1)
    patients.consent_record(
        actor=actor,
        patient=patient,
        data=ConsentIn(consented_on=start, text_version=CURRENT_CONSENT_VERSION),
    )
    episode = charting.episode_open(
        actor=actor,
        patient=patient,
        data=EpisodeIn(
            condition_code=code,
            affected_side=side,
            opened_on=start,
            onset_date=start - dt.timedelta(days=90 + 30 * index),
            goals="Return to full work duties; sleep through the night without pain.",
            referring_physician="Dr. P. Synthetic (family physician)",
        ),
    )
    baseline = 6 + index % 3
    assessment = charting.assessment_record(
        actor=actor,
        patient=patient,
        data=AssessmentIn(
            episode_id=episode.pk,
            assessed_on=start,
            pain_now=baseline,
            history="Synthetic demo history: gradual onset, worse with sitting, no red flags.",
            pain_locations=[
                PainMarkIn(
                    region="lower_back" if code in ("M54.3", "M54.5") else "neck_back",
                    side=side,
                )
            ],
            findings=[
                FindingIn(
                    muscle=m,
                    side=s,
                    level=lv,
                    taut_band=True,
                    tender_motor_point=True,
                    shortened=rng.random() < 0.5,
                )
                for m, s, lv in sites
            ],
        ),
    )
    charting.assessment_sign(actor=actor, assessment=assessment)
    pain = float(baseline)
    acknowledged = [c for c in patient.precautions.relative()]
    for week in range(weeks):
        day = start + dt.timedelta(weeks=week)
        after = max(0, round(pain) - rng.choice((1, 2, 2, 3)))
        session = charting.session_record(
            actor=actor,
            patient=patient,
            data=SessionIn(
                episode_id=episode.pk,
                session_date=day,
                pain_before=round(pain),
                pain_after=after,
                acknowledged=acknowledged,
                insertions=[
                    InsertionIn(
                        muscle=m,
                        side=s,
                        level=lv,
                        needle_diameter_mm=DEFAULT_NEEDLE_DIAMETER_MM,
                        needle_length_mm=50
                        if "glut" in m or "piri" in m
                        else DEFAULT_NEEDLE_LENGTH_MM,
                        needle_lot=f"LOT-{2026}{week:02d}A",
                        twitch=rng.choice(("strong", "strong", "weak", "none")),
                        sensation=rng.choice(("ache", "cramp", "pressure")),
                    )
                    for m, s, lv in sites
                ],
                adverse_events=[
                    AdverseEventIn(
                        kind="soreness", severity="mild", description="Soreness for a day"
                    )
                ]
                if rng.random() < 0.25
                else [],
            ),
        )
        charting.session_sign(actor=actor, session=session)
        pain = max(0.0, pain - rng.choice((0.5, 1.0, 1.0, 1.5)))


@transaction.atomic
def load_demo(*, seed: int = 2026) -> dict[str, int]:
    """Create the demo clinics. Refuses to run on a database that already has clinics."""
    if Clinic.objects.exists():
        return {"clinics": 0}
    rng = random.Random(seed)
    today = timezone.localdate()
    clinic = clinic_create(name="Bow River IMS Clinic (demo)", slug="bow-river")
    other = clinic_create(name="Elbow Falls Physio (demo)", slug="elbow-falls")
    users: dict[str, User] = {}
    profiles = {
        "pt.morgan": ("Alex", "Morgan", "practitioner", "Physiotherapist", "PT-10427"),
        "dr.okafor": ("Chidi", "Okafor", "practitioner", "Physician", "MD-22093"),
        "pt.lapsed": ("Sam", "Reyes", "practitioner", "Physiotherapist", "PT-10988"),
        "frontdesk": ("Jo", "Tran", "front_desk", "", ""),
        "admin": ("Pat", "Lee", "admin", "Clinic owner", ""),
    }
    for username, (first, last, role, profession, registration) in profiles.items():
        users[username] = user_create(
            clinic=clinic,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            first_name=first,
            last_name=last,
            profession=profession,
            registration_number=registration,
            check_password=False,
        )
    users["other.clinic"] = user_create(
        clinic=other,
        username="other.clinic",
        password=DEMO_PASSWORD,
        role="practitioner",
        first_name="Robin",
        last_name="Hale",
        profession="Physiotherapist",
        registration_number="PT-20001",
        check_password=False,
    )
    long_ago = today - dt.timedelta(days=3 * 365)
    for name in ("pt.morgan", "dr.okafor", "other.clinic"):
        _authorize(users[name], long_ago, today + dt.timedelta(days=365))
    _authorize(users["pt.lapsed"], long_ago, today - dt.timedelta(days=30))

    actor = _actor(users["pt.morgan"])
    for index, spec in enumerate(_COURSES):
        _course(actor, rng, spec, index, today)
    front = _actor(users["frontdesk"])
    registered = []
    for index, (family, given) in enumerate(_OTHER_NAMES):
        registered.append(
            patients.patient_register(
                actor=front,
                data=PatientIn(
                    family_name=family,
                    given_name=given,
                    sex=rng.choice(("female", "male")),
                    date_of_birth=dt.date(1950 + 7 * index, 1 + index, 10 + index),
                    health_number=f"8{index:03d}-{rng.randint(10000, 99999)}",
                ),
            )
        )
    # Front desk records demographics; the practitioner adds what matters for needling.
    for index, patient in enumerate(registered):
        if index in (0, 2, 4):
            patients.patient_update(
                actor=actor,
                patient=patient,
                data=PatientIn(
                    **{name: getattr(patient, name) for name in PatientIn.model_fields},
                ).model_copy(
                    update={
                        "needle_phobia": index == 2,
                        "pregnancy": index == 4,
                        "lymphedema_sites": ["left_upper"] if index == 0 else [],
                    }
                ),
            )
    from imsclinic.patients.models import Patient
    from imsclinic.scheduling.demo import load_week

    course_patients = list(Patient.objects.filter(clinic=clinic).order_by("id")[: len(_COURSES)])
    load_week(
        front_desk=users["frontdesk"],
        admin=users["admin"],
        practitioners=users,
        course_patients=course_patients,
        other_patients=registered,
        today=today,
        rng=rng,
    )
    # Safety first: its signed sessions are visits that the billing demo then bills.
    safety_demo.load(practitioner=users["pt.morgan"], admin=users["admin"], today=today)
    load_billing_demo(clinic=clinic, users=users, today=today, seed=seed)
    portal_demo.load(practitioner=users["pt.morgan"])
    other_actor = _actor(users["other.clinic"])
    patients.patient_register(
        actor=other_actor,
        data=PatientIn(
            family_name="Quill",
            given_name="Harper",
            sex="female",
            date_of_birth=dt.date(1980, 5, 5),
            health_number="7000-11111",
        ),
    )
    return {"clinics": 2, "users": len(users), "patients": Patient.objects.count()}
