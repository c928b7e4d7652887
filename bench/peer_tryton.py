"""GNU Health's side of `make bench-peer`, run by the peer's own Python (its venv has
trytond 7.0 and gnuhealth 5.0.6, never ours). Builds its synthetic data with the Tryton
API, as GNU Health's own tests do:

    python bench/peer_tryton.py CONFIG DATABASE PATIENTS WRITERS

a health professional for the admin user (GNU Health requires one to create an
evaluation), PATIENTS patients with last names like ours (``Garza17``), one patient with
100 evaluations, and WRITERS patients for the concurrent writers. Prints their ids as JSON.
Only synthetic data.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

from trytond.config import config

CONFIG, DATABASE, PATIENTS, WRITERS = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
config.update_etc(CONFIG)

from trytond.pool import Pool  # noqa: E402
from trytond.transaction import Transaction  # noqa: E402

NAMES = ["Garza", "Abara", "Lindqvist", "Sato", "Nguyen", "Okafor", "Tremblay", "Haddad"]


def main() -> None:
    Pool.start()
    pool = Pool(DATABASE)
    pool.init()
    with Transaction().start(DATABASE, 0, context={}) as transaction:
        User = pool.get("res.user")
        Party = pool.get("party.party")
        Patient = pool.get("gnuhealth.patient")
        Professional = pool.get("gnuhealth.healthprofessional")
        Evaluation = pool.get("gnuhealth.patient.evaluation")
        (admin,) = User.search([("login", "=", "admin")])
        if not Professional.search([("party.internal_user", "=", admin.id)]):
            (prof_party,) = Party.create(
                [
                    {
                        "name": "Bench",
                        "lastname": "Clinician",
                        "is_person": True,
                        "is_healthprof": True,
                        "internal_user": admin.id,
                        "gender": "f",
                        "fed_country": "XXX",
                    }
                ]
            )
            Professional.create([{"party": prof_party.id}])
        transaction.commit()
    with Transaction().start(DATABASE, admin.id, context={}) as transaction:
        # One at a time, as its client creates them: a batch would share one generated
        # person identifier (Party.create), which must be unique.
        parties = [
            Party.create(
                [
                    {
                        "name": "Syn",
                        "lastname": f"{NAMES[n % len(NAMES)]}{n}",
                        "is_person": True,
                        "is_patient": True,
                        "gender": "f" if n % 2 else "m",
                        "dob": dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
                        "fed_country": "XXX",
                    }
                ]
            )[0]
            for n in range(PATIENTS + 1 + WRITERS)
        ]
        patients = Patient.create([{"party": party.id} for party in parties])
        long_course = patients[PATIENTS]
        start = dt.datetime(2024, 1, 1, 9, 0)
        evaluations = Evaluation.create(
            [
                {
                    "patient": long_course.id,
                    "evaluation_start": start + dt.timedelta(days=7 * n),
                    "evaluation_type": "outpatient",
                    "visit_type": "followup",
                    "urgency": "a",
                    "chief_complaint": "Low back pain, follow-up",
                    "systolic": 120,
                    "diastolic": 80,
                }
                for n in range(100)
            ]
        )
        transaction.commit()
        print(
            json.dumps(
                {
                    "long_course": long_course.id,
                    "evaluations": [e.id for e in evaluations],
                    "writers": [p.id for p in patients[PATIENTS + 1 :]],
                }
            )
        )


if __name__ == "__main__":
    main()
