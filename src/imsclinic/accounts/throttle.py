"""Login throttling: lock a username, slow an address, atomically under concurrency.

Two rules, chosen against OWASP ASVS 4.0.3 V2.2.1 (anti-automation: "soft lockouts, rate
limiting ... ever increasing delays between attempts"; no more than 100 failed attempts
per hour on one account) and the clinic's reality that all staff of a clinic often share
one public address:

- **Per username: a lock.** ``IMSCLINIC_LOGIN_MAX_FAILURES`` (5) failed passwords or codes
  within ``IMSCLINIC_LOGIN_WINDOW_SECONDS`` (15 minutes) lock that username until the
  window has passed: at most 20 guesses an hour against any account.
- **Per address: slowing, never a lock.** The first ``IMSCLINIC_LOGIN_ADDRESS_FREE_FAILURES``
  (50) failures from one address within the window cost nothing, so a clinic behind one
  address never notices its own typos. Past that, each further attempt from the address
  must wait 1, 2, 4, ... seconds (at most ``IMSCLINIC_LOGIN_ADDRESS_MAX_DELAY_SECONDS``,
  60) after the address's last failure: guessing across many usernames from one address
  slows to one try a minute, and staff who type the right password get in after at
  most that wait.

**Atomic.** Each attempt is *reserved* before its password or code is checked: under a
lock on its username and address, the counts are read and, if allowed, a failed attempt
is written, all in one transaction; a correct password or code then marks that row as a
success. Attempts in flight therefore count as failures, and no number of parallel
requests can get more checks than the limits allow (on PostgreSQL: transaction-scoped
advisory locks on the address, then the username, in that order, so no two requests
deadlock; on SQLite: the IMMEDIATE write transaction, which serializes every writer).
The password hash is computed outside the lock.

**Retention.** Rows are only for throttling (the audit trail keeps every failure for
good): each reservation deletes rows older than ``IMSCLINIC_LOGIN_ATTEMPT_RETENTION_HOURS``
(24), and ``imsclinic prune_login_attempts`` does the same on demand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from imsclinic.accounts.models import LoginAttempt


@dataclass(frozen=True)
class Limits:
    max_failures: int
    window: dt.timedelta
    address_free_failures: int
    address_max_delay: int
    retention: dt.timedelta


def limits() -> Limits:
    window = dt.timedelta(seconds=int(getattr(settings, "IMSCLINIC_LOGIN_WINDOW_SECONDS", 900)))
    return Limits(
        max_failures=int(getattr(settings, "IMSCLINIC_LOGIN_MAX_FAILURES", 5)),
        window=window,
        address_free_failures=int(getattr(settings, "IMSCLINIC_LOGIN_ADDRESS_FREE_FAILURES", 50)),
        address_max_delay=int(getattr(settings, "IMSCLINIC_LOGIN_ADDRESS_MAX_DELAY_SECONDS", 60)),
        retention=max(
            window,
            dt.timedelta(
                hours=int(getattr(settings, "IMSCLINIC_LOGIN_ATTEMPT_RETENTION_HOURS", 24))
            ),
        ),
    )


@dataclass(frozen=True)
class Refusal:
    """Why an attempt may not be checked now: the username is locked, or the address must
    wait ``retry_after`` seconds."""

    locked: bool
    retry_after: int


def normal_username(username: str) -> str:
    return username.lower()[:150]


def _lock_key(kind: str, value: str) -> int:
    digest = hashlib.sha256(f"imsclinic-login:{kind}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock(username: str, address: str | None) -> None:
    """Serialize attempts on this username and this address until the transaction ends."""
    if connection.vendor != "postgresql":
        return  # SQLite: the IMMEDIATE transaction already holds the database's write lock
    keys = ([_lock_key("address", address)] if address else []) + [_lock_key("user", username)]
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def address_delay(failures: int, limit: Limits) -> int:
    """Seconds the next attempt from an address with ``failures`` recent failures waits."""
    beyond = failures - limit.address_free_failures
    if beyond < 0:
        return 0
    return min(2**beyond, limit.address_max_delay)


def refusal(username: str, address: str | None, now: dt.datetime | None = None) -> Refusal | None:
    """Whether an attempt for ``username`` from ``address`` must be refused now (read only)."""
    limit = limits()
    now = now or timezone.now()
    recent = LoginAttempt.objects.filter(at__gte=now - limit.window, succeeded=False)
    if recent.filter(username=normal_username(username)).count() >= limit.max_failures:
        return Refusal(locked=True, retry_after=int(limit.window.total_seconds()))
    if address:
        seen = recent.filter(address=address).aggregate(n=Count("id"), last=Max("at"))
        wait = address_delay(seen["n"], limit)
        if wait and seen["last"] is not None:
            left = wait - (now - seen["last"]).total_seconds()
            if left > 0:
                return Refusal(locked=False, retry_after=max(1, round(left)))
    return None


def reserve(username: str, address: str | None, stage: str) -> tuple[int | None, Refusal | None]:
    """Atomically: refuse, or record a failed attempt (to be marked a success if the check
    passes). Returns (attempt id, None) or (None, refusal)."""
    name = normal_username(username)
    now = timezone.now()
    with transaction.atomic():
        _lock(name, address)
        refused = refusal(name, address, now)
        if refused is not None:
            return None, refused
        attempt = LoginAttempt.objects.create(
            username=name, address=address or None, succeeded=False, stage=stage
        )
        prune(now)
    return attempt.pk, None


def succeeded(attempt_id: int) -> None:
    LoginAttempt.objects.filter(pk=attempt_id).update(succeeded=True)


def prune(now: dt.datetime | None = None) -> int:
    """Delete attempts older than the retention period; returns how many."""
    cutoff = (now or timezone.now()) - limits().retention
    deleted, _ = LoginAttempt.objects.filter(at__lt=cutoff).delete()
    return deleted
