"""The benchmark's operations over HTTP: the JSON API (and the chart page) served by gunicorn
with 2 workers, beside the in-process figures of bench/run.py, as the ratio HTTP / in-process.

Each request opens its own connection (gunicorn's sync workers close it after the
response), as the load test and the GNU Health comparison do (bench/peer.py). Only
loopback traffic.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class Server:
    """gunicorn serving the app (of ``src``, this tree's by default) on 127.0.0.1:``port``
    against the benchmark's database."""

    def __init__(
        self,
        port: int,
        workers: int = 2,
        cpu: str | None = None,
        log: Path | None = None,
        src: Path | None = None,
    ) -> None:
        self.port = port
        command = [
            *(sys.executable, "-m", "gunicorn", "imsclinic.config.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--preload"),
            *("--timeout", "120", "--log-level", "warning"),
        ]
        if cpu is not None:
            command = ["taskset", "-c", cpu, *command]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "imsclinic.config.settings.base",
            "PYTHONPATH": str(src or ROOT / "src"),  # another tree's: bench/write_ab.py
        }
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=None if log is None else log.open("w"),
        )
        deadline = time.time() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
                return
            except Exception:
                if time.time() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise SystemExit(f"gunicorn did not answer on port {port}") from None
                time.sleep(0.3)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def request(
    port: int, method: str, path: str, headers: dict[str, str], body: Any = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        payload = None if body is None else json.dumps(body)
        conn.request(method, path, payload, {"Content-Type": "application/json", **headers})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def timed(fn: Callable[[], tuple[int, bytes]], runs: int, expect: int) -> float:
    """Median ms of ``runs`` calls after one warm-up; every answer must be ``expect``."""
    status, content = fn()
    if status != expect:
        raise SystemExit(f"expected {expect}, got {status}: {content[:300]!r}")
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        status, _ = fn()
        samples.append((time.perf_counter() - start) * 1000)
        assert status == expect, status
    return statistics.median(samples)


def throughput(
    fn: Callable[[int], tuple[int, bytes]], clients: int, seconds: float, expect: int
) -> tuple[float, int]:
    """Successful calls per second of ``clients`` threads calling ``fn(n)`` for ``seconds``
    (bounded), and the count of other answers."""
    done = [0] * clients
    failed = [0] * clients
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        while time.monotonic() < stop:
            status, _ = fn(n)
            if status == expect:
                done[n] += 1
            else:
                failed[n] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started), sum(failed)


def page_cookie(user: Any) -> str:
    """A logged-in session for the pages, stored in the benchmark's database."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def run(
    *,
    user: Any,
    password: str,
    chart_patient: int,
    writer_patient: int,
    session_body: dict[str, Any],
    search: str,
    in_process: dict[str, float],
    runs: int,
    port: int,
) -> None:
    """Print the HTTP table beside the in-process medians of the same operations."""
    from imsclinic.accounts.actions import token_issue

    token = token_issue(username=user.username, password=password)[0]
    api = {"Authorization": f"Bearer {token}"}
    page = {"Cookie": page_cookie(user)}
    from django.db import connections

    connections.close_all()
    ops: list[tuple[str, Callable[[], tuple[int, bytes]], int]] = [
        (
            "open chart (100 sessions)",
            lambda: request(port, "GET", f"/api/v1/patients/{chart_patient}/chart", api),
            200,
        ),
        (
            "record session (15 insertions)",
            lambda: request(
                port, "POST", f"/api/v1/patients/{writer_patient}/sessions", api, session_body
            ),
            201,
        ),
        (
            "search patients",
            lambda: request(port, "GET", f"/api/v1/patients?q={search}", api),
            200,
        ),
        (
            "chart page, HTML (100 sessions)",
            lambda: request(port, "GET", f"/patients/{chart_patient}/", page),
            200,
        ),
    ]
    print(f"\nover HTTP: gunicorn, 2 workers, 127.0.0.1:{port}; a new connection per request")
    print(f"{'operation':34} {'HTTP p50':>9} {'in-proc':>8} {'ratio':>6}")
    medians = {}
    with Server(port):
        for name, fn, expect in ops:
            medians[name] = timed(fn, runs, expect)
            base = in_process.get(name)
            ratio = f"{medians[name] / base:6.2f}" if base else ""
            print(f"{name:34} {medians[name]:9.2f} {base or 0:8.2f} {ratio}")
    chart, page_ms = (
        medians["open chart (100 sessions)"],
        medians["chart page, HTML (100 sessions)"],
    )
    print(f"chart page (HTML) / JSON chart: {page_ms / chart:.2f}")
