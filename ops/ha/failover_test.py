"""`make ha-test`: kill the primary mid-burst of session writes over HTTP; nothing acknowledged
is lost, and writes resume on the promoted secondary.

Needs the formation of ops/ha/formation.sh (its `env` gives DATABASE_URL: both nodes,
target_session_attrs=read-write). Starts gunicorn (2 workers) on 127.0.0.1, runs 8 writers
recording sessions through /api/v1 (bounded in count and time), SIGKILLs the primary's
keeper and postgres a few seconds in, and keeps writing until writes have succeeded again
for a while. Then, on the promoted node: every acknowledged write is present, no episode
repeats a session number, the clinic's audit chain verifies, and the outcomes rollup equals
a recomputation. Reports the seconds from the kill to the first successful write and every
failed request, each of which must be a 503 with Retry-After (never a 500). Exits non-zero
if any check fails. Only loopback traffic.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--port", type=int, default=int(os.environ.get("HA_APP_PORT", 8018)))
parser.add_argument("--writers", type=int, default=8)
parser.add_argument(
    "--kill-after", type=float, default=5.0, help="seconds of writes before the kill"
)
parser.add_argument("--after-recovery", type=float, default=5.0, help="seconds of writes after")
parser.add_argument("--max-seconds", type=float, default=120.0, help="bound on the whole burst")
parser.add_argument("--max-requests", type=int, default=20000, help="bound on requests")
ARGS = parser.parse_args()
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set DATABASE_URL from `bash ops/ha/formation.sh env`.")
os.environ["DJANGO_SETTINGS_MODULE"] = "imsclinic.config.settings.base"

import django  # noqa: E402

django.setup()

from bench.fixtures import authorized_practitioner, consented_episode  # noqa: E402
from bench.http_api import Server  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from imsclinic.accounts.actions import clinic_create, token_issue  # noqa: E402
from imsclinic.charting import rollup  # noqa: E402
from imsclinic.charting.models import TreatmentSession  # noqa: E402
from imsclinic.core.audit import audit_chain_verify  # noqa: E402

PASSWORD = "failover-test-password-2026"
MUSCLES = ["gluteus_medius", "piriformis", "quadratus_lumborum", "gluteus_maximus"]


@dataclass
class Result:
    sent: float  # seconds since the start of the burst
    done: float
    status: int  # 0: no HTTP answer at all
    session_id: int | None
    retry_after: str | None
    detail: str


def prepare() -> tuple[list[str], list[tuple[int, int]], int]:
    """A clinic, a practitioner with tokens, and episodes to write to (two writers each)."""
    call_command("migrate", verbosity=0)
    stamp = time.time_ns()
    clinic = clinic_create(name=f"Failover {stamp}", slug=f"failover-{stamp}")
    actor = authorized_practitioner(clinic, f"failover-{stamp}", PASSWORD)
    user = actor.user
    targets = []
    for n in range(max(1, ARGS.writers // 2)):
        patient, episode = consented_episode(actor, f"Failover{n}", 1)
        targets.append((patient.pk, episode.pk))
    tokens = [token_issue(username=user.username, password=PASSWORD)[0] for _ in targets]
    return tokens, targets, clinic.pk


def post_session(port: int, token: str, patient_id: int, episode_id: int) -> tuple[int, dict, str]:
    body = json.dumps(
        {
            "episode_id": episode_id,
            "session_date": timezone.localdate().isoformat(),
            "pain_before": 6,
            "pain_after": 3,
            "insertions": [
                {"muscle": m, "side": "left", "needle_lot": "LOT-HA", "twitch": "weak"}
                for m in MUSCLES
            ],
        }
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            f"/api/v1/patients/{patient_id}/sessions",
            body,
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        payload = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, payload.decode(errors="replace")
    finally:
        conn.close()


def main() -> int:
    tokens, targets, clinic_id = prepare()
    connections.close_all()
    server_log = Path(os.environ.get("HA_DIR", tempfile.gettempdir())) / "gunicorn.log"
    print(f"gunicorn's log (the 503s are logged there): {server_log}", flush=True)
    results: list[Result] = []
    lock = threading.Lock()
    stop = threading.Event()
    with Server(ARGS.port, log=server_log):
        start = time.monotonic()

        def writer(n: int) -> None:
            patient_id, episode_id = targets[n % len(targets)]
            token = tokens[n % len(tokens)]
            while not stop.is_set():
                sent = time.monotonic() - start
                try:
                    status, headers, text = post_session(ARGS.port, token, patient_id, episode_id)
                except OSError as exc:
                    status, headers, text = 0, {}, repr(exc)
                session_id = json.loads(text)["id"] if status == 201 else None
                with lock:
                    results.append(
                        Result(
                            sent,
                            time.monotonic() - start,
                            status,
                            session_id,
                            headers.get("retry-after"),
                            "" if status == 201 else text[:200],
                        )
                    )
                    if len(results) >= ARGS.max_requests:
                        stop.set()
                if status != 201:
                    time.sleep(0.2)  # as a client honouring Retry-After would, but sooner

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(ARGS.writers)]
        for thread in threads:
            thread.start()
        time.sleep(ARGS.kill_after)
        killed_node = subprocess.run(
            ["bash", str(ROOT / "ops/ha/formation.sh"), "kill-primary"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        killed_at = time.monotonic() - start
        print(f"killed the primary ({killed_node}) at {killed_at:.1f} s", flush=True)
        recovered_at = None
        while time.monotonic() - start < ARGS.max_seconds and not stop.is_set():
            time.sleep(0.2)
            with lock:
                ok_after = [r for r in results if r.status == 201 and r.sent > killed_at]
            if ok_after and recovered_at is None:
                recovered_at = min(r.done for r in ok_after)
            if (
                recovered_at is not None
                and time.monotonic() - start > recovered_at + ARGS.after_recovery
            ):
                break
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    return report(results, killed_at, recovered_at, clinic_id)


def report(
    results: list[Result], killed_at: float, recovered_at: float | None, clinic_id: int
) -> int:
    failures = [r for r in results if r.status != 201]
    acknowledged = [r.session_id for r in results if r.status == 201]
    by_status = collections.Counter(r.status for r in failures)
    unclean = [r for r in failures if r.status != 503 or not r.retry_after]
    print(f"requests: {len(results)}; acknowledged: {len(acknowledged)}; failed: {len(failures)}")
    print(f"failed by status: {dict(by_status)}")
    for r in unclean[:10]:
        print(f"  unclean failure at {r.sent:.2f} s: {r.status} {r.detail}")
    if recovered_at is None:
        print("writes did not resume")
        return 1
    print(f"seconds from the kill to the first successful write: {recovered_at - killed_at:.1f}")

    connections.close_all()  # reconnect: target_session_attrs finds the promoted node
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port(), pg_is_in_recovery()")
        port, in_recovery = cursor.fetchone()
    present = set(TreatmentSession.objects.filter(pk__in=acknowledged).values_list("pk", flat=True))
    missing = sorted(set(acknowledged) - present)
    episodes = list(
        TreatmentSession.objects.filter(clinic_id=clinic_id).values_list("episode_id", flat=True)
    )
    repeated = (
        TreatmentSession.objects.filter(clinic_id=clinic_id)
        .values("episode_id", "sequence")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    from imsclinic.core.models import Clinic

    chain = audit_chain_verify(Clinic.objects.get(pk=clinic_id))
    stale = rollup.differences(connection, sorted(set(episodes)))
    print(f"verified on the promoted node (port {port}, in recovery: {in_recovery}):")
    print(
        f"  acknowledged writes present: {len(present)} of {len(acknowledged)}; missing: {missing[:10]}"
    )
    print(f"  (episode, session number) pairs repeated: {repeated}")
    print(f"  audit chain: {chain.rows} rows, {len(chain.problems)} problems")
    print(f"  rollup rows differing from a recomputation: {len(stale)}")
    ok = not (missing or repeated or chain.problems or stale or unclean or in_recovery)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
