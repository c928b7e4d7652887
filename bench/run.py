"""`make bench`: time the operations a practitioner waits for, on a synthetic clinic.

Builds its own data in a throwaway SQLite file (or the database in BENCH_DATABASE_URL),
through the real actions, then prints median and p95 per operation with its query count,
beside the peer figures for GNU Health (Tryton on PostgreSQL) on these 2-core machines.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="imsclinic-bench-")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "imsclinic.config.settings.base"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.bench_anatomy import run as run_anatomy  # noqa: E402
from imsclinic.charting import actions as charting  # noqa: E402
from imsclinic.charting.schemas import EpisodeIn, SessionIn  # noqa: E402
from imsclinic.charting.selectors import patient_chart  # noqa: E402
from imsclinic.patients import actions as patients  # noqa: E402
from imsclinic.patients.schemas import ConsentIn, PatientIn  # noqa: E402
from imsclinic.patients.selectors import patient_search  # noqa: E402

PEERS = {  # GNU Health on these machines (DEVELOPERS.md); our goal is half of each.
    "record session (10 insertions)": "12-16 ms",
    "read chart (100 sessions)": "~36 ms",
    "search 2,000 patients": "25-30 ms",
}
MUSCLES = [
    "deltoid",
    "supraspinatus",
    "infraspinatus",
    "biceps_brachii",
    "brachioradialis",
    "rhomboids",
    "trapezius",
    "levator_scapulae",
    "triceps_brachii",
    "supinator",
]


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, int]:
    samples = []
    queries = 0
    for index in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
        if index == 0:
            queries = len(captured)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], queries


def session_input(episode_id: int, day: dt.date) -> SessionIn:
    return SessionIn(
        episode_id=episode_id,
        session_date=day,
        pain_before=6,
        pain_after=3,
        insertions=[
            {
                "muscle": m if m != "cervical" else "cervical_paraspinals",
                "side": "left",
                "needle_lot": "LOT-BENCH",
                "twitch": "strong",
            }
            for m in MUSCLES
        ],
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    from imsclinic.accounts.actions import authorization_add, clinic_create, user_create
    from imsclinic.core.actors import Actor

    clinic = clinic_create(name="Bench clinic", slug="bench")
    user = user_create(
        clinic=clinic,
        username="bench",
        password="bench-password-1",
        role="practitioner",
        check_password=False,
    )
    today = timezone.localdate()
    for kind in ("ims_certification", "restricted_activity"):
        authorization_add(
            practitioner=user,
            kind=kind,
            reference="B-1",
            valid_from=today - dt.timedelta(days=5000),
            valid_until=None,
        )
    actor = Actor(user=user, clinic=clinic, source="command")
    start = time.perf_counter()
    for n in range(2000):
        patients.patient_register(
            actor=actor,
            data=PatientIn(
                family_name=f"Family{n:04d}",
                given_name=f"Given{n % 97}",
                date_of_birth=dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
                health_number=f"{n:04d}-{(n * 7919) % 100000:05d}",
            ),
        )
    patient = patients.patient_register(
        actor=actor,
        data=PatientIn(
            family_name="Longcourse", given_name="Ada", date_of_birth=dt.date(1970, 1, 1)
        ),
    )
    patients.consent_record(
        actor=actor,
        patient=patient,
        data=ConsentIn(consented_on=today - dt.timedelta(days=1000), text_version="ims-2026.1"),
    )
    episode = charting.episode_open(
        actor=actor,
        patient=patient,
        data=EpisodeIn(condition_code="M54.2", opened_on=today - dt.timedelta(days=1000)),
    )
    for week in range(100):
        session = charting.session_record(
            actor=actor,
            patient=patient,
            data=session_input(episode.pk, today - dt.timedelta(days=700 - 7 * week)),
        )
        charting.session_sign(actor=actor, session=session)
    print(
        f"data built in {time.perf_counter() - start:.1f} s: 2,001 patients, one with 100 signed sessions "
        f"of 10 insertions ({connection.vendor})\n"
    )

    writer = patients.patient_register(
        actor=actor,
        data=PatientIn(family_name="Writer", given_name="Wes", date_of_birth=dt.date(1980, 1, 1)),
    )
    patients.consent_record(
        actor=actor,
        patient=writer,
        data=ConsentIn(consented_on=today - dt.timedelta(days=10), text_version="ims-2026.1"),
    )
    writer_episode = charting.episode_open(
        actor=actor,
        patient=writer,
        data=EpisodeIn(condition_code="M54.2", opened_on=today - dt.timedelta(days=10)),
    )
    data = session_input(writer_episode.pk, today)

    rows = [
        (
            "record session (10 insertions)",
            *timed(lambda: charting.session_record(actor=actor, patient=writer, data=data), 100),
        ),
        (
            "read chart (100 sessions)",
            *timed(lambda: patient_chart(actor=actor, patient_id=patient.pk), 50),
        ),
        (
            "search 2,000 patients",
            *timed(lambda: patient_search(actor=actor, query="family12"), 200),
        ),
        (
            "search by health number",
            *timed(lambda: patient_search(actor=actor, query="1234-"), 200),
        ),
    ]
    print(f"{'operation':34} {'median ms':>10} {'p95 ms':>8} {'queries':>8}  GNU Health peer")
    for name, median, p95, queries in rows:
        print(f"{name:34} {median:10.2f} {p95:8.2f} {queries:8d}  {PEERS.get(name, '')}")
    for row in run_anatomy():
        print(
            f"{row['operation'][:34]:34} {row['median_ms']:10.3f} {row['p95_ms']:8.3f} {0:8d}  goal < 5 ms"
        )


if __name__ == "__main__":
    main()
