"""`make bench-peer`: ours beside GNU Health 5.0.6 (trytond 7.0), measured in one run, on one
PostgreSQL cluster (bench/postgres.sh), both under gunicorn with 2 workers on loopback:
ours over /api/v1, GNU Health over its JSON-RPC.

    BENCH_DATABASE_URL=postgres://... PEER_VENV=/tmp/imsclinic-peer/venv python bench/peer.py

| ours | GNU Health |
|---|---|
| POST /patients | party.party.create + gnuhealth.patient.create (two calls: a patient is a party) |
| record a session with 15 insertions | create one evaluation |
| the 100-session chart | read 100 evaluations: the 17 fields of its list view, the record names of its 6 many-to-one fields, rec_name, _timestamp, id (as Tryton's client reads a list): 26 |
| search by last-name prefix | party.party search_read, lastname ilike 'prefix%' |
| 8 clients recording sessions | 8 clients creating evaluations |

Operations alternate between the two servers, so a noisy neighbour slows both alike; the
table gives medians and the ratio ours / theirs. Only synthetic data; only loopback.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--peer-venv", default=os.environ.get("PEER_VENV", "/tmp/imsclinic-peer/venv"))
parser.add_argument("--our-port", type=int, default=int(os.environ.get("BENCH_HTTP_PORT", 8766)))
parser.add_argument("--peer-port", type=int, default=int(os.environ.get("PEER_HTTP_PORT", 8767)))
parser.add_argument("--patients", type=int, default=2000)
parser.add_argument("--runs", type=int, default=40)
parser.add_argument("--writers", type=int, default=8)
parser.add_argument("--writer-seconds", type=float, default=20)
ARGS = parser.parse_args()

BASE = os.environ.get("BENCH_DATABASE_URL", "")
if not BASE.startswith("postgres"):
    sys.exit("Set BENCH_DATABASE_URL (see bench/postgres.sh).")
SERVER = urlsplit(BASE)
OURS_DB, PEER_DB = "imspeer", "gnuhealth_peer"
os.environ["DATABASE_URL"] = SERVER._replace(path=f"/{OURS_DB}").geturl()
os.environ["DJANGO_SETTINGS_MODULE"] = "imsclinic.config.settings.base"
# The admin password of the throwaway GNU Health database.
PEER_PASSWORD = os.environ.get("PEER_ADMIN_PASSWORD", "peer-admin-2026")
MUSCLES = [
    *("deltoid", "supraspinatus", "infraspinatus", "biceps_brachii", "brachioradialis"),
    *("rhomboids", "trapezius", "levator_scapulae", "triceps_brachii", "supinator"),
    *("teres_minor", "teres_major", "latissimus_dorsi", "pronator_teres", "extensor_digitorum"),
]
EVALUATION_LIST = [
    *("code", "patient", "gender", "visit_type", "evaluation_type", "evaluation_start"),
    *("evaluation_length", "specialty", "healthprof", "state", "urgency", "bmi", "systolic"),
    *("diastolic", "diagnosis", "signed_by", "institution"),
]
EVALUATION_FIELDS = [
    *EVALUATION_LIST,
    *(
        f"{f}.rec_name"
        for f in ("patient", "specialty", "healthprof", "diagnosis", "signed_by", "institution")
    ),
    "rec_name",
    "_timestamp",
]


def psql(database: str, sql: str) -> str:
    return subprocess.run(
        [
            "psql",
            "-h",
            SERVER.hostname,
            "-p",
            str(SERVER.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-Atc",
            sql,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def ensure_database(name: str, owner: str) -> bool:
    """Create ``name`` if missing; whether it was created."""
    if psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1":
        return False
    psql("postgres", f"CREATE DATABASE {name} OWNER {owner}")
    return True


# GNU Health ---------------------------------------------------------------------------


def peer_setup(workdir: Path) -> dict:
    python = Path(ARGS.peer_venv) / "bin" / "python"
    if not python.exists():
        sys.exit(f"No GNU Health venv at {ARGS.peer_venv} (make bench-peer creates it).")
    config = workdir / "trytond.conf"
    config.write_text(
        f"[database]\nuri = postgresql://postgres@{SERVER.hostname}:{SERVER.port}/\n"
        "[session]\ntimeout = 36000\n[password]\nlength = 4\n"
    )
    created = ensure_database(PEER_DB, "postgres")
    fixture = workdir / "peer.json"
    if created:
        password = workdir / "admin-password"
        password.write_text(PEER_PASSWORD)
        env = {**os.environ, "TRYTONPASSFILE": str(password)}
        print("GNU Health: creating its database (trytond-admin, several minutes)", flush=True)
        subprocess.run(
            [
                str(Path(ARGS.peer_venv) / "bin" / "trytond-admin"),
                "-c",
                str(config),
                "-d",
                PEER_DB,
                "--all",
                "-u",
                "health",
                "--activate-dependencies",
                "--email",
                "admin@example.org",
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if created or not fixture.exists():
        print("GNU Health: its synthetic patients and evaluations", flush=True)
        out = subprocess.run(
            [
                str(python),
                str(ROOT / "bench" / "peer_tryton.py"),
                str(config),
                PEER_DB,
                str(ARGS.patients),
                str(ARGS.writers),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        fixture.write_text(out.strip().splitlines()[-1])
    return {**json.loads(fixture.read_text()), "config": str(config)}


class Peer:
    """GNU Health's JSON-RPC as its client speaks it."""

    def __init__(self, port: int) -> None:
        from bench.http_api import request

        self.port, self.request = port, request
        status, body = request(
            port,
            "POST",
            f"/{PEER_DB}/",
            {},
            {
                "id": 1,
                "method": "common.db.login",
                "params": ["admin", {"password": PEER_PASSWORD}, "en"],
            },
        )
        if status != 200:
            raise SystemExit(f"GNU Health login failed: {status} {body[:200]!r}")
        user_id, session = json.loads(body)["result"]
        token = base64.b64encode(f"admin:{user_id}:{session}".encode()).decode()
        self.headers = {"Authorization": f"Session {token}"}

    def call(self, method: str, *params: object) -> tuple[int, bytes]:
        status, body = self.request(
            self.port,
            "POST",
            f"/{PEER_DB}/",
            self.headers,
            {"id": 1, "method": method, "params": [*params, {}]},
        )
        if status == 200 and json.loads(body).get("error"):
            return 500, body  # a JSON-RPC error is a failed call
        return status, body


def _when(day: dt.datetime) -> dict:
    return {
        **{"__class__": "datetime", "year": day.year, "month": day.month, "day": day.day},
        **{"hour": day.hour, "minute": day.minute, "second": day.second, "microsecond": 0},
    }


# Ours -----------------------------------------------------------------------------------


def ours_setup() -> dict:
    ensure_database(OURS_DB, SERVER.username or "ims")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench.fixtures import authorized_practitioner, consented_episode
    from imsclinic.accounts.actions import token_issue
    from imsclinic.charting import actions as charting
    from imsclinic.charting.models import TreatmentSession
    from imsclinic.charting.schemas import SessionIn
    from imsclinic.core.models import Clinic
    from imsclinic.demo.scale import generate

    call_command("migrate", verbosity=0)
    if not TreatmentSession.objects.exists():
        generate(clinics=1, patients=ARGS.patients, years=1)
    clinic = Clinic.objects.order_by("id").first()
    assert clinic is not None
    actor = authorized_practitioner(clinic, f"peer-{time.time_ns()}", "x")
    user = actor.user
    today = timezone.localdate()

    def consented(name: str, days: int) -> tuple[int, int]:
        patient, episode = consented_episode(actor, name, days)
        return patient.pk, episode.pk

    def body(episode_id: int, day: dt.date) -> dict:
        return {
            "episode_id": episode_id,
            "session_date": day.isoformat(),
            "pain_before": 6,
            "pain_after": 3,
            "insertions": [
                {"muscle": m, "side": "left", "needle_lot": "LOT-PEER", "twitch": "strong"}
                for m in MUSCLES
            ],
        }

    long_patient, long_episode = consented("Longcourse", 1000)
    for week in range(100):
        session = charting.session_record(
            actor=actor,
            patient=patients_get(long_patient),
            data=SessionIn(**body(long_episode, today - dt.timedelta(days=700 - 7 * week))),
        )
        charting.session_sign(actor=actor, session=session)
    writers = [consented(f"Writer{n}", 10) for n in range(ARGS.writers)]
    token = token_issue(username=user.username, password="x")[0]
    from django.db import connections

    connections.close_all()
    return {
        "headers": {"Authorization": f"Bearer {token}"},
        "long_patient": long_patient,
        "writers": writers,
        "body": lambda episode: body(episode, today),
    }


def patients_get(pk: int):
    from imsclinic.patients.models import Patient

    return Patient.objects.get(pk=pk)


def main() -> None:
    from bench.http_api import Server, request, throughput, timed

    # Tryton refuses logins for a while after many failed ones (HTTP 429).

    workdir = Path(os.environ.get("PEER_WORKDIR", "/tmp/imsclinic-peer"))
    workdir.mkdir(parents=True, exist_ok=True)
    peer_data = peer_setup(workdir)
    ours = ours_setup()
    peer_env = {
        "TRYTOND_CONFIG": peer_data["config"],
        "TRYTOND_DATABASE_NAMES": PEER_DB,
    }
    peer_server = subprocess.Popen(
        [
            str(Path(ARGS.peer_venv) / "bin" / "gunicorn"),
            "trytond.application:app",
            "--bind",
            f"127.0.0.1:{ARGS.peer_port}",
            "--workers",
            "2",
            "--timeout",
            "120",
        ],
        env={**os.environ, **peer_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with Server(ARGS.our_port):
            deadline = time.time() + 300
            while True:  # its workers load the whole health module first
                try:
                    request(ARGS.peer_port, "GET", "/", {})
                    break
                except OSError:
                    if time.time() > deadline or peer_server.poll() is not None:
                        raise SystemExit("GNU Health's gunicorn did not answer") from None
                    time.sleep(1)
            for attempt in range(30):  # each worker loads its pool before it can log in
                psql(PEER_DB, "DELETE FROM res_user_login_attempt")
                try:
                    peer = Peer(ARGS.peer_port)
                    break
                except SystemExit:
                    if attempt == 29:
                        raise
                    time.sleep(3)
            measure(ours, peer, peer_data, request, timed, throughput)
    finally:
        peer_server.terminate()
        peer_server.wait(timeout=30)


def measure(ours, peer, peer_data, request, timed, throughput) -> None:
    port, headers = ARGS.our_port, ours["headers"]
    counter = iter(range(10**9))
    start = dt.datetime(2025, 1, 1, 9, 0)

    def our_patient() -> tuple[int, bytes]:
        n = next(counter)
        return request(
            port,
            "POST",
            "/api/v1/patients",
            headers,
            {"family_name": f"Newcomer{n}", "given_name": "Syn", "date_of_birth": "1980-01-01"},
        )

    def peer_patient() -> tuple[int, bytes]:
        n = next(counter)
        status, body = peer.call(
            "model.party.party.create",
            [
                {
                    "name": "Syn",
                    "lastname": f"Newcomer{n}",
                    "is_person": True,
                    "is_patient": True,
                    "gender": "f",
                    "fed_country": "XXX",
                }
            ],
        )
        if status != 200:
            return status, body
        (party,) = json.loads(body)["result"]
        return peer.call("model.gnuhealth.patient.create", [{"party": party}])

    writer_patient, writer_episode = ours["writers"][0]
    rows = [
        ("create a patient", lambda: our_patient(), 201, peer_patient),
        (
            "session (15 insertions) vs evaluation",
            lambda: request(
                port,
                "POST",
                f"/api/v1/patients/{writer_patient}/sessions",
                headers,
                ours["body"](writer_episode),
            ),
            201,
            lambda: peer.call(
                "model.gnuhealth.patient.evaluation.create",
                [
                    {
                        "patient": peer_data["writers"][0],
                        "evaluation_start": _when(start),
                        "chief_complaint": "Low back pain",
                    }
                ],
            ),
        ),
        (
            "100-session chart vs 100 evaluations",
            lambda: request(port, "GET", f"/api/v1/patients/{ours['long_patient']}/chart", headers),
            200,
            lambda: peer.call(
                "model.gnuhealth.patient.evaluation.read",
                peer_data["evaluations"],
                EVALUATION_FIELDS,
            ),
        ),
        (
            f"last-name prefix search ({ARGS.patients:,})",
            lambda: request(port, "GET", "/api/v1/patients?q=garza1", headers),
            200,
            lambda: peer.call(
                "model.party.party.search_read",
                [["is_patient", "=", True], ["lastname", "ilike", "garza1%"]],
                0,
                50,
                None,
                ["name", "lastname", "dob", "ref"],
            ),
        ),
    ]
    print(f"\n{'operation':40} {'ours ms':>8} {'GNU Health ms':>14} {'ours/theirs':>12}")
    for name, mine, expect, theirs in rows:
        ours_ms, peer_ms = [], []
        for _ in range(3):  # alternate, so both see the same neighbours
            ours_ms.append(timed(mine, max(3, ARGS.runs // 3), expect))
            peer_ms.append(timed(theirs, max(3, ARGS.runs // 3), 200))
        a, b = sorted(ours_ms)[1], sorted(peer_ms)[1]
        print(f"{name:40} {a:8.1f} {b:14.1f} {a / b:12.2f}", flush=True)

    def our_writer(n: int) -> tuple[int, bytes]:
        patient, episode = ours["writers"][n % len(ours["writers"])]
        return request(
            port, "POST", f"/api/v1/patients/{patient}/sessions", headers, ours["body"](episode)
        )

    def peer_writer(n: int) -> tuple[int, bytes]:
        patient = peer_data["writers"][n % len(peer_data["writers"])]
        return peer.call(
            "model.gnuhealth.patient.evaluation.create",
            [
                {
                    "patient": patient,
                    "evaluation_start": _when(start),
                    "chief_complaint": "Low back pain",
                }
            ],
        )

    mine, mine_failed = throughput(our_writer, ARGS.writers, ARGS.writer_seconds, 201)
    theirs, theirs_failed = throughput(peer_writer, ARGS.writers, ARGS.writer_seconds, 200)
    print(
        f"{f'{ARGS.writers} writers, per second':40} {mine:8.1f} {theirs:14.1f} {mine / theirs:12.2f}"
        f"   (failed: ours {mine_failed}, theirs {theirs_failed})"
    )
    print("\nms are medians (the middle of three alternating rounds); throughput is higher-better.")


if __name__ == "__main__":
    main()
