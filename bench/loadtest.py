"""Load test: gunicorn workers on PostgreSQL, 8 writers' throughput, then 50 concurrent users
from loopback for 60 s.

    BENCH_DATABASE_URL=postgres://user:pw@127.0.0.1:5432/db python bench/loadtest.py

Prepares a synthetic clinic (unless --reuse), starts gunicorn on 127.0.0.1 pinned to one
core and the load generators to the other (taskset; PostgreSQL is not pinned), measures
8 clients recording sessions as fast as they can (--writer-seconds), then runs locust
headless (bounded: --users, --run-time), prints throughput and p50/p95/p99 per request
type, and checks afterwards that every acknowledged write is in the database. Exits
non-zero on any failed request or lost write. Only loopback traffic.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
parser = argparse.ArgumentParser()
parser.add_argument("--users", type=int, default=50)
parser.add_argument("--seconds", type=int, default=60)
parser.add_argument("--workers", type=int, default=4)
parser.add_argument("--patients", type=int, default=5000, help="patients in the synthetic clinic")
parser.add_argument("--reuse", action="store_true")
parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_HTTP_PORT", 8765)))
parser.add_argument("--writers", type=int, default=8, help="clients of the throughput phase")
parser.add_argument("--writer-seconds", type=float, default=30)
parser.add_argument(
    "--server-cpu", default="1", help="taskset CPU list for gunicorn ('' not to pin)"
)
parser.add_argument("--client-cpu", default="0", help="taskset CPU list for the load generators")
ARGS = parser.parse_args()

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL")
if not DATABASE_URL or not DATABASE_URL.startswith("postgres"):
    sys.exit("Set BENCH_DATABASE_URL to a PostgreSQL database (see bench/postgres.sh).")
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "imsclinic.config.settings.base"

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from imsclinic.accounts.actions import authorization_add, token_issue, user_create  # noqa: E402
from imsclinic.charting.models import Episode, TreatmentSession  # noqa: E402
from imsclinic.core.models import Clinic  # noqa: E402
from imsclinic.demo.scale import generate  # noqa: E402
from imsclinic.patients.models import Patient  # noqa: E402

PASSWORD = "load-test-password-2026"


def prepare(workdir: Path) -> Path:
    call_command("migrate", verbosity=0)
    if not (ARGS.reuse and TreatmentSession.objects.exists()):
        generate(clinics=1, patients=ARGS.patients, years=2, seed=int(time.time()) % 100000)
    clinic = Clinic.objects.order_by("-id").first()
    assert clinic is not None
    today = timezone.localdate()
    tokens = []
    stamp = time.time_ns()
    for n in range(10):
        user = user_create(
            clinic=clinic,
            username=f"load-{stamp}-{n}",
            password=PASSWORD,
            role="practitioner",
            check_password=False,
        )
        for kind in ("ims_certification", "restricted_activity"):
            authorization_add(
                practitioner=user,
                kind=kind,
                reference=f"L-{user.pk}",
                valid_from=today - dt.timedelta(days=3650),
                valid_until=None,
            )
        tokens.append(token_issue(username=user.username, password=PASSWORD)[0])
    patient_ids = list(
        Patient.objects.filter(clinic=clinic).order_by("?").values_list("id", flat=True)[:2000]
    )
    open_episodes = Episode.objects.filter(clinic=clinic, closed_on__isnull=True).select_related(
        "patient"
    )[:500]
    writable = [
        {"patient": e.patient_id, "episode": e.pk, "acknowledge": e.patient.precautions.relative()}
        for e in open_episodes
    ]
    fixture = {
        "tokens": tokens,
        "patients": patient_ids,
        "writable": writable,
        "queries": ["abara1", "garza", "ada", "lindqvist2", "nora", "000", "sato9"],
    }
    path = workdir / "fixture.json"
    path.write_text(json.dumps(fixture))
    return path


def wait_for(url: str, seconds: float = 180) -> None:
    deadline = time.time() + seconds
    last: Exception | None = None
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception as exc:
            last = exc
            time.sleep(0.5)
    raise SystemExit(f"server did not answer at {url}: {last}")


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="imsclinic-load-"))
    fixture = prepare(workdir)
    acks = workdir / "acks.txt"
    acks.touch()
    before = TreatmentSession.objects.count()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "imsclinic.config.settings.base",
        "DATABASE_URL": DATABASE_URL,
        "IMSCLINIC_LOAD_FIXTURE": str(fixture),
        "IMSCLINIC_LOAD_ACKS": str(acks),
        "PYTHONPATH": str(ROOT / "src"),
    }
    pin = ["taskset", "-c", ARGS.server_cpu] if ARGS.server_cpu else []
    client_pin = ["taskset", "-c", ARGS.client_cpu] if ARGS.client_cpu else []
    if ARGS.client_cpu:
        os.sched_setaffinity(0, {int(c) for c in ARGS.client_cpu.split(",")})
    server = subprocess.Popen(
        [
            *pin,
            sys.executable,
            "-m",
            "gunicorn",
            "imsclinic.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{ARGS.port}",
            "--workers",
            str(ARGS.workers),
            # Import once in the master: four workers importing the app on one busy core
            # outlived gunicorn's boot timeout.
            "--preload",
            "--timeout",
            "120",
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "imsclinic.config.settings.base"},
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{ARGS.port}/login/")
        rate, refused = writers_throughput(json.loads(fixture.read_text()), acks)
        print(
            f"\n{ARGS.writers} writers recording sessions for {ARGS.writer_seconds:.0f} s: "
            f"{rate:.1f} sessions/s ({refused} refused)",
            flush=True,
        )
        subprocess.run(
            [
                *client_pin,
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--host",
                f"http://127.0.0.1:{ARGS.port}",
                "--users",
                str(ARGS.users),
                "--spawn-rate",
                "25",
                "--run-time",
                f"{ARGS.seconds}s",
                "--stop-timeout",
                "10",
                "--csv",
                str(workdir / "load"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env=env,
            check=False,
            timeout=ARGS.seconds + 60,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    acknowledged = [int(line) for line in acks.read_text().split()]
    present = set(TreatmentSession.objects.filter(pk__in=acknowledged).values_list("pk", flat=True))
    missing = sorted(set(acknowledged) - present)
    failures = 0
    print(
        f"\n{'request':16} {'count':>7} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)"
    )
    with open(workdir / "load_stats.csv") as handle:
        for row in csv.DictReader(handle):
            failures += int(row["Failure Count"]) if row["Name"] == "Aggregated" else 0
            print(
                f"{row['Name'][:16]:16} {row['Request Count']:>7} {row['Failure Count']:>5} "
                f"{float(row['Requests/s']):7.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
            )
    print(
        f"\nacknowledged writes: {len(acknowledged)}; present afterwards: {len(present)}; "
        f"missing: {len(missing)}; sessions before {before:,}, after {TreatmentSession.objects.count():,}"
    )
    duplicates, stale = check_written_episodes(acknowledged)
    print(
        f"episodes written: session numbers repeated in {duplicates}; "
        f"outcomes rollup rows differing from a recomputation: {stale}"
    )
    return 1 if failures or missing or duplicates or stale else 0


WRITER_MUSCLES = (
    *("gluteus_medius", "piriformis", "gluteus_maximus", "soleus"),
    *("tibialis_anterior", "gastrocnemius", "peroneus_longus", "quadratus_lumborum"),
)


def writers_throughput(fixture: dict, acks: Path) -> tuple[float, int]:
    """Sessions per second that ``--writers`` clients record through the API, each writing
    to an episode of its own (8 insertions, as the locust mix does), and the count refused."""
    from bench.http_api import request, throughput

    targets = fixture["writable"][: ARGS.writers]
    today = dt.date.today().isoformat()
    written: list[int] = []

    def write(n: int) -> tuple[int, bytes]:
        target = targets[n % len(targets)]
        body = {
            "episode_id": target["episode"],
            "session_date": today,
            "pain_before": 6,
            "pain_after": 3,
            "insertions": [
                {"muscle": m, "side": "left", "needle_lot": "LOT-LOAD", "twitch": "weak"}
                for m in WRITER_MUSCLES
            ],
            "acknowledged": target["acknowledge"],
        }
        token = fixture["tokens"][n % len(fixture["tokens"])]
        status, content = request(
            ARGS.port,
            "POST",
            f"/api/v1/patients/{target['patient']}/sessions",
            {"Authorization": f"Bearer {token}"},
            body,
        )
        if status == 201:
            written.append(json.loads(content)["id"])
        return status, content

    rate, refused = throughput(write, ARGS.writers, ARGS.writer_seconds, 201)
    with acks.open("a") as log:
        log.writelines(f"{pk}\n" for pk in written)
    return rate, refused


def check_written_episodes(session_ids: list[int]) -> tuple[int, int]:
    """For every episode the load wrote to: sessions numbered without repeats (concurrent
    writers lock the episode), and its outcomes rollup equal to a fresh recomputation."""
    from django.db import connection
    from django.db.models import Count

    from imsclinic.charting import rollup

    episodes = sorted(
        set(
            TreatmentSession.objects.filter(pk__in=session_ids).values_list("episode_id", flat=True)
        )
    )
    if not episodes:
        return 0, 0
    duplicates = (
        TreatmentSession.objects.filter(episode_id__in=episodes)
        .values("episode_id", "sequence")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("episode_id")
        .distinct()
        .count()
    )
    stale = len(rollup.differences(connection, episodes))
    return duplicates, stale


if __name__ == "__main__":
    sys.exit(main())
