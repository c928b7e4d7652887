"""Production start-up, as docs/deployment.md tells a deployer to do it, from a fresh clone.

Following the documentation literally used to give a 500 on every HTML page (it never
said to run collectstatic), and the production settings started with any secret key,
the repository's public development default included. Here the `imsclinic` and
`gunicorn` lines of the documented start-up block run in order from a `git clone` of this
repository, with the production settings and a SQLite file, and then a page and a static
file are loaded through gunicorn.

The same server, a real SQLite file behind two gunicorn workers with threads, receives a
burst of parallel token requests for one user (the in-memory test database cannot make
concurrent writers wait): the lockout holds there as on PostgreSQL
(tests/accounts/test_lockout_concurrency.py).

The start-up is the same whichever database the suite runs on, so this module runs on the
SQLite pass of CI only, to keep the suite short.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "deployment.md"
MARKER = "<!-- tests/security/test_production_start.py"

pytestmark = [
    pytest.mark.skipif(
        "DATABASE_URL" in os.environ, reason="start-up checked on the SQLite pass of CI"
    ),
    pytest.mark.skipif(not (REPO / ".git").exists(), reason="needs a git checkout to clone"),
]


def documented_startup() -> list[list[str]]:
    """The imsclinic and gunicorn command lines of the documented start-up, in order."""
    text = DOCS.read_text(encoding="utf-8")
    block = text.split(MARKER, 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line.startswith(("imsclinic ", "gunicorn "))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imsclinic.cli", *args],
        env=env,
        cwd=env["IMSCLINIC_CLONE"],
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **(headers or {})})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    root = tmp_path_factory.mktemp("production")
    clone = root / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True, timeout=120)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "IMSCLINIC_", "PYTEST"))
    }
    env.update(
        PYTHONPATH=str(clone / "src"),  # the clone's code, not this checkout's
        IMSCLINIC_CLONE=str(clone),
        IMSCLINIC_VAR_DIR=str(root / "var"),  # a real SQLite file
        DJANGO_SETTINGS_MODULE="imsclinic.config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    )
    commands = documented_startup()
    assert [c[0] for c in commands][-1] == "gunicorn", commands
    for command in commands[:-1]:
        _run(env, *command[1:])
    assert (clone / "staticfiles" / "staticfiles.json").exists()
    _run(env, "create_clinic", "--name", "Start-up Clinic", "--slug", "start-up")
    _run(
        env,
        "create_user",
        "--clinic",
        "start-up",
        "--username",
        "pt.burst",
        "--role",
        "practitioner",
        "--password",
        "a-long-enough-passphrase-9",
    )
    port = _free_port()
    gunicorn = commands[-1]
    bind = gunicorn.index("-b") + 1
    gunicorn[bind] = f"127.0.0.1:{port}"
    # Threads as well as the documented workers, so the burst below is truly parallel.
    server = subprocess.Popen(
        [sys.executable, "-m", *gunicorn, "--threads", "8"],
        env=env,
        cwd=clone,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if _get(f"{base}/login/")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                pytest.fail(f"gunicorn exited: {server.stderr.read() if server.stderr else ''}")
            time.sleep(0.5)
        else:
            pytest.fail("gunicorn did not serve /login/ within 60 s")
        yield base, env
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def test_the_documented_start_up_serves_a_page_and_its_static_files(production):
    base, _ = production
    status, _headers, body = _get(f"{base}/login/")
    assert status == 200
    html = body.decode()
    stylesheet = re.search(r'href="(/static/imsclinic/clinic\.[0-9a-f]{12}\.css)"', html)
    assert stylesheet, "pages link to the hashed names collectstatic wrote"
    status, headers, css = _get(base + stylesheet.group(1))
    assert status == 200 and headers["Content-Type"].startswith("text/css") and css
    # Plain HTTP is sent to HTTPS, with HSTS on the HTTPS answer
    request = urllib.request.Request(f"{base}/login/")
    with pytest.raises(urllib.error.HTTPError) as redirected:
        urllib.request.build_opener(NoRedirect).open(request, timeout=30)
    assert redirected.value.code == 301
    assert redirected.value.headers["Location"].startswith("https://")
    assert "max-age=31536000" in _get(f"{base}/login/")[1]["Strict-Transport-Security"]


def test_a_burst_of_parallel_token_requests_meets_the_lockout_on_a_sqlite_file(production):
    base, _ = production

    def attempt(password: str) -> int:
        body = json.dumps({"username": "pt.burst", "password": password}).encode()
        request = urllib.request.Request(
            f"{base}/api/v1/auth/token",
            data=body,
            headers={"Content-Type": "application/json", "X-Forwarded-Proto": "https"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    passwords = [f"wrong-guess-{n}" for n in range(15)]
    passwords.insert(7, "a-long-enough-passphrase-9")
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(attempt, passwords))
    # At most five wrong passwords checked (401), everything else refused unchecked (429);
    # the right password got a token only if its turn came before the lock.
    assert statuses.count(401) <= 5
    assert statuses.count(200) <= 1
    assert statuses.count(401) + statuses.count(429) + statuses.count(200) == 16
    assert statuses.count(429) >= 10


def test_production_refuses_the_public_development_key(production):
    # Every refusal rule: tests/security/test_headers.py; here, the real start-up refuses.
    _, env = production
    result = _run(
        {**env, "DJANGO_SECRET_KEY": "dev-only-insecure-key-change-me-in-production"},
        "check",
        check=False,
    )
    assert result.returncode != 0
    assert "published example" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


def test_a_missing_static_manifest_is_named_by_check_deploy(production, tmp_path):
    _, env = production
    result = _run({**env, "IMSCLINIC_STATIC_ROOT": str(tmp_path)}, "check", "--deploy", check=False)
    assert result.returncode != 0 and "imsclinic.E001" in result.stderr
    assert "collectstatic" in result.stderr
