"""`make bench`: time what a practitioner waits for, beside hand-written SQL doing the same work.

Builds a synthetic clinic group in a throwaway SQLite file (or in BENCH_DATABASE_URL, e.g. a
PostgreSQL database: see bench/postgres.sh), then prints, per operation: our median and p95,
the same work done by hand-written SQL on the same database (the limit), the ratio, and our
query count. Only synthetic data.

    python bench/run.py                 # ~150k sessions: a quick look (about a minute)
    python bench/run.py --patients 130000 --clinics 1   # ~1M sessions, 100k+ patients
"""

from __future__ import annotations

import argparse
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

parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
)
parser.add_argument(
    "--clinics", type=int, default=1, help="synthetic clinics to generate (default 1)"
)
parser.add_argument(
    "--patients", type=int, default=20_000, help="patients per clinic (default 20,000)"
)
parser.add_argument("--years", type=int, default=3)
parser.add_argument("--runs", type=int, default=60, help="timed runs per operation")
parser.add_argument(
    "--reuse", action="store_true", help="skip generation when the database already has sessions"
)
parser.add_argument(
    "--http", action="store_true", help="also time the same operations over HTTP (gunicorn)"
)
parser.add_argument("--http-port", type=int, default=int(os.environ.get("BENCH_HTTP_PORT", 8766)))
ARGS = parser.parse_args()

_tmp = tempfile.mkdtemp(prefix="imsclinic-bench-")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "imsclinic.config.settings.base"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.bench_anatomy import run as run_anatomy  # noqa: E402
from bench.bench_fhir import reads as fhir_reads  # noqa: E402
from bench.bench_fhir import report as fhir_report  # noqa: E402
from bench.bench_fhir import run as run_fhir_export  # noqa: E402
from bench.bench_scheduling import run as run_scheduling  # noqa: E402
from imsclinic.accounts.actions import user_create  # noqa: E402
from imsclinic.charting import actions as charting  # noqa: E402
from imsclinic.charting.schemas import SessionIn  # noqa: E402
from imsclinic.charting.selectors import patient_chart  # noqa: E402
from imsclinic.core.actors import Actor  # noqa: E402
from imsclinic.core.audit import audit_view  # noqa: E402
from imsclinic.demo.scale import generate  # noqa: E402
from imsclinic.patients.selectors import patient_search  # noqa: E402

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
    "teres_minor",
    "teres_major",
    "latissimus_dorsi",
    "pronator_teres",
    "extensor_digitorum",
]


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, int]:
    # One warm-up run (catalog, compiled SQL, page cache), as a running server would be, also
    # counts the queries: capturing them turns on Django's debug cursor, which formats every
    # statement's SQL and would be timed too.
    with CaptureQueriesContext(connection) as captured:
        fn()
    queries = len(captured)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], queries


def session_input(episode_id: int, day: dt.date) -> SessionIn:
    return SessionIn(
        episode_id=episode_id,
        session_date=day,
        pain_before=6,
        pain_after=3,
        insertions=[
            {"muscle": m, "side": "left", "needle_lot": "LOT-BENCH", "twitch": "strong"}
            for m in MUSCLES
        ],
    )


# Hand-written SQL doing the same work as our code: the floor any ORM code can approach.


def _p(sql: str) -> str:
    return sql if connection.vendor == "postgresql" else sql.replace("%s", "?")


def raw_audit(
    raw,
    clinic_id: int,
    user_id: int,
    action: str,
    patient_id: int,
    object_type: str,
    object_id: int,
) -> None:
    """The audit row with its hash chain, as core/audit.py writes it."""
    import hashlib
    import json

    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    raw.execute(
        _p("SELECT id, seq, last_hash FROM core_auditchainhead WHERE clinic_id = %s" + lock),
        (clinic_id,),
    )
    head_id, seq, last_hash = raw.fetchone()
    now = timezone.now()
    digest = hashlib.sha256(
        json.dumps(
            {
                "seq": seq + 1,
                "at": now.isoformat(),
                "clinic_id": clinic_id,
                "user_id": user_id,
                "action": action,
                "patient_id": patient_id,
                "object_type": object_type,
                "object_id": object_id,
                "prev_hash": last_hash,
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()
    stamp = now if connection.vendor == "postgresql" else now.isoformat(" ")
    raw.execute(
        _p(
            "INSERT INTO core_auditevent (clinic_id, at, user_id, username, role, action, source, "
            "patient_id, object_type, object_id, outcome, detail, seq, prev_hash, row_hash) VALUES "
            "(%s, %s, %s, 'bench', 'practitioner', %s, 'page', %s, %s, %s, 'ok', '', %s, %s, %s)"
        ),
        (
            clinic_id,
            stamp,
            user_id,
            action,
            patient_id,
            object_type,
            object_id,
            seq + 1,
            last_hash,
            digest,
        ),
    )
    raw.execute(
        _p("UPDATE core_auditchainhead SET seq = %s, last_hash = %s WHERE id = %s"),
        (seq + 1, digest, head_id),
    )


CHART_CHILDREN = (
    (
        "charting_insertion c",
        "c.session_id, c.position, c.muscle_id, c.side, c.level, c.needle_diameter_mm, "
        "c.needle_length_mm, c.needle_lot, c.twitch, c.sensation, c.notes",
        "c.session_id, c.position",
    ),
    (
        "charting_rommeasure c",
        "c.session_id, c.phase, c.movement, c.side, c.degrees",
        "c.session_id, c.id",
    ),
    (
        "charting_adverseevent c",
        "c.session_id, c.kind, c.severity, c.description, c.action_taken",
        "c.session_id, c.id",
    ),
    (
        "charting_amendment c JOIN accounts_user u ON u.id = c.author_id",
        "c.session_id, c.id, c.created_at, c.text, c.reason, c.author_id, u.first_name, "
        "u.last_name, u.username",
        "c.session_id, c.created_at, c.id",
    ),
)


def raw_chart(clinic_id: int, patient_id: int, user_id: int) -> None:
    with transaction.atomic(), connection.cursor() as c:
        raw = c.cursor
        raw.execute(
            _p("SELECT * FROM patients_patient WHERE clinic_id = %s AND id = %s"),
            (clinic_id, patient_id),
        )
        raw.fetchall()
        raw_audit(raw, clinic_id, user_id, "view", patient_id, "Patient", patient_id)
        for table in ("patients_consent", "charting_episode", "charting_assessment"):
            raw.execute(
                _p(f"SELECT * FROM {table} WHERE clinic_id = %s AND patient_id = %s"),
                (clinic_id, patient_id),
            )
            raw.fetchall()
        raw.execute(
            _p(
                "SELECT s.id, s.episode_id, s.practitioner_id, u.first_name, u.last_name, u.username, "
                "s.sequence, s.session_date, s.pain_before, s.pain_after, s.notes, s.acknowledged, "
                "s.signed_at, s.content_hash FROM charting_treatmentsession s JOIN accounts_user u "
                "ON u.id = s.practitioner_id WHERE s.clinic_id = %s AND s.patient_id = %s "
                "ORDER BY s.session_date DESC, s.id DESC"
            ),
            (clinic_id, patient_id),
        )
        ids = [row[0] for row in raw.fetchall()]
        marks = ", ".join(["%s"] * len(ids))
        # The columns the chart shows, as ours reads them.
        for table, columns, order in CHART_CHILDREN:
            raw.execute(
                _p(
                    f"SELECT {columns} FROM {table} WHERE c.clinic_id = %s "
                    f"AND c.session_id IN ({marks}) ORDER BY {order}"
                ),
                (clinic_id, *ids),
            )
            raw.fetchall()
        # The seals of the patient's signed notes (core/seals.py), as ours reads them.
        raw.execute(
            _p(
                "SELECT action, object_type, object_id, detail FROM core_auditevent "
                "WHERE clinic_id = %s AND patient_id = %s AND action IN ('sign', 'amend')"
            ),
            (clinic_id, patient_id),
        )
        raw.fetchall()


def raw_session(
    clinic_id: int, patient_id: int, episode_id: int, user_id: int, day: dt.date
) -> None:
    now = timezone.now()
    stamp = now if connection.vendor == "postgresql" else now.isoformat(" ")
    with transaction.atomic(), connection.cursor() as c:
        raw = c.cursor
        # Lock the episode before numbering on PostgreSQL, as ours does (concurrent writers).
        lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
        raw.execute(
            _p(
                "SELECT id, opened_on, closed_on FROM charting_episode WHERE clinic_id = %s AND "
                "patient_id = %s AND id = %s" + lock
            ),
            (clinic_id, patient_id, episode_id),
        )
        raw.fetchall()
        raw.execute(
            _p(
                "SELECT 1 FROM patients_consent WHERE clinic_id = %s AND patient_id = %s AND consented_on <= %s "
                "AND (withdrawn_on IS NULL OR withdrawn_on > %s) LIMIT 1"
            ),
            (clinic_id, patient_id, day, day),
        )
        raw.fetchall()
        raw.execute(
            _p(
                "SELECT kind FROM accounts_needlingauthorization WHERE practitioner_id = %s AND valid_from <= %s "
                "AND (valid_until IS NULL OR valid_until >= %s) AND (revoked_on IS NULL OR revoked_on > %s)"
            ),
            (user_id, day, day, day),
        )
        raw.fetchall()
        raw.execute(
            _p(
                "SELECT COUNT(*) FROM charting_treatmentsession WHERE clinic_id = %s AND episode_id = %s"
            ),
            (clinic_id, episode_id),
        )
        sequence = raw.fetchone()[0] + 1
        raw.execute(
            _p(
                "INSERT INTO charting_treatmentsession (clinic_id, created_at, updated_at, patient_id, "
                "episode_id, practitioner_id, notes, content_hash, session_date, sequence, pain_before, "
                "pain_after, acknowledged) VALUES (%s, %s, %s, %s, %s, %s, '', '', %s, %s, 6, 3, '[]') "
                "RETURNING id"
            ),
            (clinic_id, stamp, stamp, patient_id, episode_id, user_id, day, sequence),
        )
        session_id = raw.fetchone()[0]
        raw.executemany(
            _p(
                "INSERT INTO charting_insertion (clinic_id, created_at, updated_at, session_id, position, "
                "muscle_id, side, level, needle_diameter_mm, needle_length_mm, needle_lot, "
                "needle_lot_key, twitch, sensation, notes) VALUES (%s, %s, %s, %s, %s, %s, 'left', "
                "'', 0.25, 40, 'LOT-BENCH', 'BENCH', 'strong', 'none', '')"
            ),
            [(clinic_id, stamp, stamp, session_id, i, m) for i, m in enumerate(MUSCLES)],
        )
        raw_audit(raw, clinic_id, user_id, "create", patient_id, "TreatmentSession", session_id)


def raw_search(clinic_id: int, text: str) -> None:
    with connection.cursor() as c:
        raw = c.cursor
        if connection.vendor == "postgresql":
            where = "(search_name LIKE %s OR search_name_reversed LIKE %s)"
            params = (clinic_id, text + "%", text + "%")
        else:
            where = "((search_name >= ? AND search_name < ?) OR (search_name_reversed >= ? AND search_name_reversed < ?))"
            params = (clinic_id, text, text + "\U0010ffff", text, text + "\U0010ffff")
        raw.execute(
            _p(
                "SELECT id, family_name, given_name, date_of_birth, health_number FROM patients_patient "
                f"WHERE clinic_id = %s AND archived_at IS NULL AND {where} "
                "ORDER BY family_name, given_name, id LIMIT 50"
            ),
            params,
        )
        raw.fetchall()


def bench_recall(clinic, runs: int) -> None:
    """Issue 19: the needle lot recall (every session and patient of one lot) on this
    clinic, beside the same two statements by hand; then the plans the database chose."""
    from imsclinic.safety.schemas import RecallIn
    from imsclinic.safety.selectors import needle_lot_recall, recall_statements

    admin = user_create(
        clinic=clinic,
        username=f"bench-admin-{time.time_ns()}",
        password="x",
        role="admin",
        check_password=False,
    )
    actor = Actor(user=admin, clinic=clinic, source="command")
    # The generator charts one lot per week and group of practitioners (demo/scale.py),
    # spelled four ways; search a year-old lot as printed on the box.
    from imsclinic.charting.models import Insertion, TreatmentSession

    week = timezone.localdate() - dt.timedelta(days=365)
    first = (
        TreatmentSession.objects.filter(clinic=clinic, session_date__gte=week)
        .order_by("session_date", "id")
        .values_list("id", flat=True)
        .first()
    )
    lot = (
        Insertion.objects.filter(clinic=clinic, session_id=first)
        .values_list("needle_lot", flat=True)
        .first()
        or "LOT-NONE"
    )
    cases = (
        (f"recall lot {lot}", RecallIn(lot=lot)),
        (
            "recall, 3 days of that lot",
            RecallIn(lot=lot, date_from=week, date_to=week + dt.timedelta(days=2)),
        ),
        ("recall, an unknown lot", RecallIn(lot="NO-SUCH-LOT")),
    )
    for label, query in cases:
        result = needle_lot_recall(actor=actor, query=query)
        dates = [d for d in (query.date_from, query.date_to) if d]
        sessions_sql, insertions_sql = recall_statements(bool(query.date_from), bool(query.date_to))

        def raw(
            key: str = result.lot_key,
            dates: list = dates,
            a: str = sessions_sql,
            b: str = insertions_sql,
        ) -> None:
            with transaction.atomic(), connection.cursor() as c:
                if connection.vendor == "postgresql":
                    c.cursor.execute("SELECT set_config('jit', 'off', true)")
                c.cursor.execute(_p(a), [clinic.pk, key, clinic.pk, *dates])
                c.cursor.fetchall()
                c.cursor.execute(_p(b), [clinic.pk, key])
                c.cursor.fetchall()

        median, p95, queries = timed(lambda q=query: needle_lot_recall(actor=actor, query=q), runs)
        raw_median = timed(raw, runs)[0]
        name = f"{label} ({result.sessions:,} sess., {result.insertions:,} ins.)"
        print(
            f"{name[:34]:34} {median:9.2f} {p95:8.2f} {raw_median:8.2f} {median / raw_median:6.2f} {queries:8d}"
        )
    if connection.vendor == "postgresql":
        key = needle_lot_recall(actor=actor, query=cases[0][1]).lot_key
        sessions_sql, insertions_sql = recall_statements(False, False)
        with transaction.atomic(), connection.cursor() as c:
            c.execute("SELECT set_config('jit', 'off', true)")
            for sql, params in (
                (sessions_sql, [clinic.pk, key, clinic.pk]),
                (insertions_sql, [clinic.pk, key]),
            ):
                c.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                print("\n" + "\n".join(r[0] for r in c.fetchall()))


def main() -> None:
    call_command("migrate", verbosity=0)
    from imsclinic.charting.models import TreatmentSession as _Session
    from imsclinic.demo.scale import ScaleResult

    if ARGS.reuse and _Session.objects.exists():
        built = ScaleResult(0, 0, 0, 0, 0, 0, 0.0)
    else:
        built = generate(clinics=ARGS.clinics, patients=ARGS.patients, years=ARGS.years)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from django.db.models import Count

    from imsclinic.core.models import Clinic

    clinic = Clinic.objects.annotate(size=Count("users")).order_by("-size", "id").first()
    assert clinic is not None
    from bench.fixtures import authorized_practitioner, consented_episode

    actor = authorized_practitioner(clinic, f"bench-{time.time_ns()}", "x")
    user = actor.user
    today = timezone.localdate()
    long_course, episode = consented_episode(actor, "Longcourse", 1000, given_name="Ada")
    for week in range(100):
        session = charting.session_record(
            actor=actor,
            patient=long_course,
            data=session_input(episode.pk, today - dt.timedelta(days=700 - 7 * week)),
        )
        charting.session_sign(actor=actor, session=session)
    writer, writer_episode = consented_episode(actor, "Writer", 10, given_name="Wes")
    data = session_input(writer_episode.pk, today)
    from imsclinic.charting.models import TreatmentSession
    from imsclinic.patients.models import Patient

    n_patients = Patient.objects.filter(clinic=clinic).count()
    n_sessions = TreatmentSession.objects.count()
    print(
        f"{connection.vendor}: {n_sessions:,} sessions in all; clinic searched has {n_patients:,} patients; "
        f"generated in {built.seconds:.0f} s ({built.sessions / max(built.seconds, 1e-9):,.0f} sessions/s)\n"
    )

    def open_chart() -> None:
        # What the page and the API route do: the selector, then the view's audit event.
        chart = patient_chart(actor=actor, patient_id=long_course.pk)
        audit_view(actor=actor, patient_id=chart.patient.pk, obj=chart.patient)

    ops = [
        (
            "open chart (100 sessions)",
            open_chart,
            lambda: raw_chart(clinic.pk, long_course.pk, user.pk),
        ),
        (
            "record session (15 insertions)",
            lambda: charting.session_record(actor=actor, patient=writer, data=data),
            lambda: raw_session(clinic.pk, writer.pk, writer_episode.pk, user.pk, today),
        ),
        (
            f"search {n_patients:,} patients",
            lambda: patient_search(actor=actor, query="garza1"),
            lambda: raw_search(clinic.pk, "garza1"),
        ),
    ]
    print(f"{'operation':34} {'ours p50':>9} {'p95':>8} {'raw SQL':>8} {'ratio':>6} {'queries':>8}")
    in_process = {}
    for name, ours, raw in ops:
        median, p95, queries = timed(ours, ARGS.runs)
        in_process[name] = median
        raw_median = timed(raw, ARGS.runs)[0]
        print(
            f"{name:34} {median:9.2f} {p95:8.2f} {raw_median:8.2f} {median / raw_median:6.2f} {queries:8d}"
        )
    from imsclinic.outcomes.analytics import clinic_outcomes
    from imsclinic.reports.pdf import episode_report

    print(f"{f'clinic outcomes ({n_sessions:,} sess.)'[:34]:34}", end=" ", flush=True)
    median, p95, queries = timed(lambda: clinic_outcomes(actor=actor), max(3, ARGS.runs // 20))
    print(f"{median:9.2f} {p95:8.2f} {'':>8} {'':>6} {queries:8d}")
    median, p95, queries = timed(
        lambda: episode_report(
            actor=actor, episode_id=episode.pk, kind="progress", audience="physician"
        ),
        max(3, ARGS.runs // 10),
    )
    print(
        f"{'PDF progress report (100 sess.)':34} {median:9.2f} {p95:8.2f} {'':>8} {'':>6} {queries:8d}"
    )
    bench_recall(clinic, max(5, ARGS.runs // 6))
    for row in run_scheduling(max(20, ARGS.runs // 2)):
        print(
            f"{row['operation'][:34]:34} {row['median_ms']:9.2f} {row['p95_ms']:8.2f} {'':>8} {'':>6} {row['queries']:8d}"
        )
    for row in run_anatomy():
        print(
            f"{row['operation'][:34]:34} {row['median_ms']:9.3f} {row['p95_ms']:8.3f} {'':>8} {'':>6} {0:8d}"
        )
    print("\n" + fhir_report(run_fhir_export(clinic), fhir_reads(clinic)))
    print(
        "\nms; p50/p95 over",
        ARGS.runs,
        "runs after one warm-up; raw SQL = same statements via the DB driver.",
    )
    if ARGS.http:
        from bench import http_api

        in_process["search patients"] = in_process[f"search {n_patients:,} patients"]
        http_api.run(
            user=user,
            password="x",
            chart_patient=long_course.pk,
            writer_patient=writer.pk,
            session_body={**data.model_dump(mode="json"), "session_date": today.isoformat()},
            search="garza1",
            in_process=in_process,
            runs=ARGS.runs,
            port=ARGS.http_port,
        )


if __name__ == "__main__":
    main()
