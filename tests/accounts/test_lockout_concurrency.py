"""Parallel guesses meet the same lockout as serial ones (threads against a real database).

An attack sent 16 simultaneous token requests for one user, 15 wrong passwords and the
right one: 15 passwords were checked against a limit of 5 and a token came back, since
"is it locked?" and "record the failure" were separate steps. Each attempt is now
counted before it is checked, under a lock (accounts/throttle.py).

SQLite: the test database is in memory with a shared cache, whose table locks fail at
once instead of waiting as a database file does; the same burst runs against a real
SQLite file through gunicorn in tests/security/test_production_start.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pyotp
import pytest
from django.db import connection, connections

from imsclinic.accounts import actions
from imsclinic.accounts.actions import login as login_steps
from imsclinic.accounts.models import ApiToken, LoginAttempt
from tests.factories import PASSWORD, make_clinic, make_practitioner

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="in-memory shared-cache SQLite cannot wait for locks; see the module docstring",
    ),
]


def _burst(calls: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    start = threading.Barrier(len(calls))
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            start.wait(timeout=20)
            outcome: object = call()
        except BaseException as exc:  # the refusals are the point; collected below
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            (errors if isinstance(outcome, BaseException) else results).append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def _counting(monkeypatch, name: str) -> list[object]:
    calls: list[object] = []
    # The login steps live in accounts/actions/login.py: count the calls where they are made.
    original = getattr(login_steps, name)

    def counted(*args, **kwargs):
        calls.append(args or kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(login_steps, name, counted)
    return calls


@pytest.mark.parametrize("wrong", [15, 39])
def test_parallel_passwords_check_no_more_than_the_limit(monkeypatch, wrong):
    user = make_practitioner(make_clinic("burst"), "pt.burst")
    checked = _counting(monkeypatch, "authenticate")

    def attempt(password: str) -> Callable[[], object]:
        return lambda: actions.token_issue(
            username=user.username, password=password, address="10.1.1.1"
        )

    calls = [attempt(f"wrong-guess-{n}") for n in range(wrong)]
    calls.insert(wrong // 2, attempt(PASSWORD))
    results, errors = _burst(calls)

    assert len(results) + len(errors) == wrong + 1
    # At most five wrong passwords were checked (plus the right one, if its turn came
    # before the lock), and every other request was refused unchecked as locked.
    assert len(checked) <= 6
    failures = [e for e in errors if isinstance(e, actions.AuthenticationFailed)]
    locked = [e for e in errors if isinstance(e, actions.AccountLocked)]
    assert len(failures) + len(locked) + len(results) == wrong + 1
    assert len(failures) <= 5
    assert LoginAttempt.objects.filter(username=user.username, succeeded=False).count() <= 5
    assert ApiToken.objects.filter(user=user).count() == len(results) <= 1


def test_parallel_second_factor_codes_check_no_more_than_the_limit(monkeypatch):
    user = make_practitioner(make_clinic("burst-mfa"), "pt.mfa")
    secret = pyotp.random_base32()
    actions.mfa_enrol(user=user, secret=secret, code=pyotp.TOTP(secret).now(), address=None)
    user.refresh_from_db()
    LoginAttempt.objects.all().delete()
    checked = _counting(monkeypatch, "_consume_second_factor")

    calls = [
        (lambda n=n: actions.second_factor_check(user=user, code=f"{n:06d}", address="10.1.1.2"))
        for n in range(100000, 100016)
    ]
    results, errors = _burst(calls)

    assert results == []
    assert len(checked) <= 5
    assert sum(isinstance(e, actions.AuthenticationFailed) for e in errors) == len(checked)
    assert sum(isinstance(e, actions.AccountLocked) for e in errors) >= 11
