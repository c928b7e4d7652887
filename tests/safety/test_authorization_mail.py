"""`imsclinic authorizations warn`: e-mails through the outbox 30 days before a needling
authorization expires, to the practitioner and the admins; idempotent by dedupe key."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from imsclinic.accounts import actions
from imsclinic.core.models import AuditEvent
from imsclinic.notifications.models import OutboxMessage
from imsclinic.safety.authorization_mail import KIND, authorizations_warn
from tests.factories import make_actor, make_practitioner, make_user, today


@pytest.fixture
def admin(clinic):
    user = make_user(clinic, "ad.rivera", "admin")
    user.email = "admin@example.org"
    user.save()
    return user


def _practitioner(clinic, username, days, email=True):
    user = make_practitioner(clinic, username, authorized_until=today() + dt.timedelta(days=days))
    if email:
        user.email = f"{username}@example.org"
        user.save()
    return user


def test_warns_the_practitioner_and_admins_once(clinic, admin, practitioner):
    soon = _practitioner(clinic, "pt.soon", 30)
    _practitioner(clinic, "pt.later", 31)
    out = StringIO()
    call_command("authorizations", "warn", stdout=out)
    mails = OutboxMessage.objects.filter(kind=KIND)
    # Two kinds of authorization x (practitioner + admin).
    assert sorted(mails.values_list("recipient", flat=True)) == sorted(
        ["pt.soon@example.org", "admin@example.org"] * 2
    )
    own = mails.filter(recipient="pt.soon@example.org").first()
    assert own.subject.startswith("Your ") and "in 30 days" in own.body
    to_admin = mails.filter(recipient="admin@example.org").first()
    assert soon.display_name in to_admin.subject
    assert "4 authorization expiry" in out.getvalue()
    assert AuditEvent.objects.filter(action="expiry_warning", clinic=clinic).count() == 1
    # Running again queues nothing new; the next day only pt.later comes within 30 days.
    assert authorizations_warn(day=today()) == 0
    assert authorizations_warn(day=today() + dt.timedelta(days=1)) == 4
    assert authorizations_warn(day=today() + dt.timedelta(days=2)) == 0
    assert mails.count() == 8


def test_a_renewal_ends_the_warnings(clinic, admin):
    soon = _practitioner(clinic, "pt.soon", 5)
    for kind in ("ims_certification", "restricted_activity"):
        actions.authorization_record(
            actor=make_actor(admin),
            practitioner=soon,
            kind=kind,
            reference=f"NEW-{kind}",
            valid_from=today() + dt.timedelta(days=6),
            valid_until=today() + dt.timedelta(days=800),
        )
    # The renewal starts the day after the old one ends: covered, nothing to warn of.
    assert authorizations_warn(day=today()) == 0


def test_a_renewal_after_a_gap_does_not_end_the_warning(clinic, admin):
    soon = _practitioner(clinic, "pt.soon", 5)
    actions.authorization_record(
        actor=make_actor(admin),
        practitioner=soon,
        kind="ims_certification",
        reference="NEW-IMS",
        valid_from=today() + dt.timedelta(days=8),
        valid_until=today() + dt.timedelta(days=800),
    )
    assert authorizations_warn(day=today()) == 4


def test_no_address_no_mail_and_a_bad_date_is_named(clinic):
    _practitioner(clinic, "pt.quiet", 3, email=False)
    assert authorizations_warn(day=today()) == 0
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("authorizations", "warn", "--date", "tomorrow")
