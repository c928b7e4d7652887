"""Load test: gunicorn workers on PostgreSQL, 50 concurrent users from loopback for 60 s.

    BENCH_DATABASE_URL=postgres://user:pw@127.0.0.1:5432/db python bench/loadtest.py

Prepares a synthetic clinic (unless --reuse), starts gunicorn on 127.0.0.1, runs locust
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
parser = argparse.ArgumentParser()
parser.add_argument("--users", type=int, default=50)
parser.add_argument("--seconds", type=int, default=60)
parser.add_argument("--workers", type=int, default=4)
parser.add_argument("--patients", type=int, default=5000, help="patients in the synthetic clinic")
parser.add_argument("--reuse", action="store_true")
parser.add_argument("--port", type=int, default=8765)
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


def wait_for(url: str, seconds: float = 60) -> None:
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
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "imsclinic.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{ARGS.port}",
            "--workers",
            str(ARGS.workers),
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
        subprocess.run(
            [
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
