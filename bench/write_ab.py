"""The session write over HTTP, two source trees side by side: the same POST (15
insertions) to gunicorn (2 workers each) serving tree A and tree B against one PostgreSQL
database, alternating request by request, then 8 writers against each in alternating
bursts. On a shared machine only such interleaved ratios mean much (docs/benchmarks.md).

    git archive <base-commit> src | tar -x -C /tmp/base
    BENCH_DATABASE_URL=postgres://... python bench/write_ab.py --trees /tmp/base/src,src

Only synthetic data (a generated clinic of 200 patients when the database is empty);
only loopback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--trees", required=True, help="A,B: two src directories")
parser.add_argument("--runs", type=int, default=120, help="requests to each tree")
parser.add_argument("--bursts", type=int, default=4, help="8-writer bursts per tree")
parser.add_argument("--writer-seconds", type=float, default=3)
parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_HTTP_PORT", 8766)))
ARGS = parser.parse_args()
MUSCLES = [
    *("deltoid", "supraspinatus", "infraspinatus", "biceps_brachii", "brachioradialis"),
    *("rhomboids", "trapezius", "levator_scapulae", "triceps_brachii", "supinator"),
    *("teres_minor", "teres_major", "latissimus_dorsi", "pronator_teres", "extensor_digitorum"),
]


def main() -> None:
    if not os.environ.get("BENCH_DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set BENCH_DATABASE_URL (see bench/postgres.sh).")
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "imsclinic.config.settings.base"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from bench.fixtures import authorized_practitioner, consented_episode
    from bench.http_api import Server, request, throughput
    from imsclinic.accounts.actions import token_issue
    from imsclinic.core.models import Clinic
    from imsclinic.demo.scale import generate

    call_command("migrate", verbosity=0)
    if not Clinic.objects.exists():
        generate(clinics=1, patients=200, years=1)
    clinic = Clinic.objects.order_by("id").first()
    actor = authorized_practitioner(clinic, f"ab-{time.time_ns()}", "x")
    writers = [consented_episode(actor, f"Abwriter{n}", 10) for n in range(8)]
    ids = [(patient.pk, episode.pk) for patient, episode in writers]
    headers = {
        "Authorization": f"Bearer {token_issue(username=actor.user.username, password='x')[0]}"
    }
    connections.close_all()
    day = timezone.localdate().isoformat()

    def post(port: int, n: int) -> tuple[int, bytes]:
        patient, episode = ids[n % len(ids)]
        body = {
            "episode_id": episode,
            "session_date": day,
            "pain_before": 6,
            "pain_after": 3,
            "insertions": [
                {"muscle": m, "side": "left", "needle_lot": "LOT-AB", "twitch": "strong"}
                for m in MUSCLES
            ],
        }
        return request(port, "POST", f"/api/v1/patients/{patient}/sessions", headers, body)

    trees = ARGS.trees.split(",")
    ports = [ARGS.port + i for i in range(len(trees))]
    with contextlib.ExitStack() as stack:
        for tree, port in zip(trees, ports, strict=True):
            stack.enter_context(Server(port, src=Path(tree).resolve()))
            for _ in range(3):  # warm-up
                assert post(port, 0)[0] == 201
        samples: dict[int, list[float]] = {port: [] for port in ports}
        for _ in range(ARGS.runs):
            for port in ports:
                start = time.perf_counter()
                status, content = post(port, 0)
                samples[port].append((time.perf_counter() - start) * 1000)
                assert status == 201, content[:300]
        rates: dict[int, list[float]] = {port: [] for port in ports}
        for _ in range(ARGS.bursts):
            for port in ports:
                rate, failed = throughput(
                    lambda n, port=port: post(port, n), 8, ARGS.writer_seconds, 201
                )
                assert failed == 0, failed
                rates[port].append(rate)
    print(f"{'tree':40} {'write p50 ms':>13} {'8 writers /s':>13}")
    for tree, port in zip(trees, ports, strict=True):
        print(
            f"{tree:40} {statistics.median(samples[port]):13.1f}"
            f" {statistics.median(rates[port]):13.1f}   bursts {[round(r, 1) for r in rates[port]]}"
        )
    if len(ports) == 2:
        a, b = ports
        print(
            f"B / A: write {statistics.median(samples[b]) / statistics.median(samples[a]):.2f}, "
            f"throughput {statistics.median(rates[b]) / statistics.median(rates[a]):.2f}"
        )


if __name__ == "__main__":
    main()
