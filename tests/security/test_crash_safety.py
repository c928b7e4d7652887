"""Crash safety: the real server on a file SQLite database is SIGKILLed in the middle of a
burst of session writes; after a restart the file is intact and every write that was
answered 201 is there (WAL + synchronous=NORMAL: a committed transaction survives a
process crash)."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP = """
import json, django
django.setup()
from tests.factories import (make_clinic, make_practitioner, make_actor,
    make_consented_patient, make_episode)
from imsclinic.accounts.actions.tokens import _token_create
actor = make_actor(make_practitioner(make_clinic("crash"), "crash.pt"))
patient = make_consented_patient(actor)
episode = make_episode(actor, patient)
token = _token_create(actor.user)[0]
print(json.dumps({"patient": patient.pk, "episode": episode.pk, "token": token}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "imsclinic.config.settings.base",
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }


def _run(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # migrate on a loaded shared 2-core machine took over 60 s
        check=False,
        **kwargs,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "imsclinic.cli", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60  # a loaded 2-core machine starts Django slowly
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    pytest.fail("server did not start")


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals")
def test_sigkill_mid_burst_loses_no_acknowledged_write(tmp_path):
    database = tmp_path / "crash.sqlite3"
    env = _env(database)
    _run(["-m", "imsclinic.cli", "migrate", "--noinput", "-v0"], env)
    ids = json.loads(_run(["-c", SETUP], env).stdout.strip().splitlines()[-1])
    port = _free_port()
    server = _start(env, port)
    url = f"http://127.0.0.1:{port}/api/v1/patients/{ids['patient']}/sessions"
    acknowledged: list[int] = []
    stop = threading.Event()

    def burst() -> None:
        day = 0
        while not stop.is_set():
            body = {
                "episode_id": ids["episode"],
                "session_date": time.strftime("%Y-%m-%d"),
                "pain_before": 6,
                "pain_after": 3,
                "notes": f"burst {day}",
                "insertions": [
                    {
                        "muscle": "gluteus_medius",
                        "side": "left",
                        "needle_diameter_mm": "0.25",
                        "needle_length_mm": 50,
                        "needle_lot": f"LOT-{day}",
                        "twitch": "strong",
                        "sensation": "ache",
                    }
                ],
            }
            day += 1
            try:
                status, data = _post(url, ids["token"], body)
            except OSError:
                continue  # the server is down: this write was never acknowledged
            if status == 201:
                acknowledged.append(data["id"])

    writer = threading.Thread(target=burst, daemon=True)
    try:
        writer.start()
        deadline = time.monotonic() + 15
        while len(acknowledged) < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(server.pid, signal.SIGKILL)  # mid-burst: requests are in flight
        server.wait(timeout=10)
        time.sleep(0.3)
        stop.set()
        writer.join(timeout=10)
        assert len(acknowledged) >= 5, "the burst never got going"
        # Restart on the same file: it opens, and every acknowledged write is there
        server = _start(env, port)
        status, _ = _post(url, ids["token"], {})
        assert status == 422  # the restarted app answers (validation, not a crash)
    finally:
        stop.set()
        server.kill()
        server.wait(timeout=10)
    check = sqlite3.connect(database)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in check.execute("SELECT id FROM charting_treatmentsession")}
        audited = {
            row[0]
            for row in check.execute(
                "SELECT object_id FROM core_auditevent "
                "WHERE action = 'create' AND object_type = 'TreatmentSession'"
            )
        }
    finally:
        check.close()
    assert set(acknowledged) <= stored
    assert set(acknowledged) <= audited
    _run(["-m", "imsclinic.cli", "audit", "verify"], env)
