"""The outbox: a message exists exactly when its cause committed, is delivered once, and a
restart or a failing mail server loses nothing."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from imsclinic.notifications import outbox, sender
from imsclinic.notifications.models import OutboxMessage
from imsclinic.notifications.sms import LocmemSmsBackend

Status = OutboxMessage.Status


def enqueue(clinic, **extra):
    values = {
        "clinic": clinic,
        "to": "pat@example.org",
        "kind": "test.message",
        "subject": "Hello",
        "body": "Open [[link]] please.",
        "secrets": {"link": "https://clinic.example.org/q/secret-token"},
    }
    values.update(extra)
    with transaction.atomic():
        return outbox.enqueue_email(**values)


class FlakyBackend:
    """An e-mail backend whose server refuses the first ``failures`` messages."""

    failures = 0
    sent: list = []

    def __init__(self, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("SMTP server unavailable")
        FlakyBackend.sent.extend(messages)
        return len(messages)


FLAKY = "tests.notifications.test_outbox.FlakyBackend"


@pytest.fixture
def flaky():
    FlakyBackend.failures = 0
    FlakyBackend.sent = []
    with override_settings(EMAIL_BACKEND=FLAKY):
        yield FlakyBackend


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused(clinic):
    with pytest.raises(outbox.OutboxError, match="inside the transaction"):
        outbox.enqueue_email(clinic=clinic, to="a@example.org", kind="x", subject="s", body="b")


@pytest.mark.django_db
def test_a_rolled_back_action_leaves_no_message(clinic):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue_email(clinic=clinic, to="a@example.org", kind="x", subject="s", body="b")
        raise RuntimeError("the action failed after enqueueing")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_placeholders_and_secrets_must_match(clinic):
    with pytest.raises(outbox.OutboxError, match="No value"):
        enqueue(clinic, secrets={})
    with pytest.raises(outbox.OutboxError, match="not used"):
        enqueue(clinic, secrets={"link": "x", "other": "y"})


@pytest.mark.django_db
def test_delivery_substitutes_secrets_then_forgets_them(clinic):
    message = enqueue(clinic)
    assert "secret-token" not in message.body
    report = sender.send_all_due()
    assert report.sent == 1
    (sent,) = mail.outbox
    assert sent.body == "Open https://clinic.example.org/q/secret-token please."
    assert sent.extra_headers["Message-ID"] == message.message_id
    message.refresh_from_db()
    assert message.status == Status.SENT and message.secrets == {} and message.sent_at
    assert sender.send_all_due().sent == 0  # nothing twice


@pytest.mark.django_db
def test_dedupe_key_makes_enqueue_idempotent(clinic):
    first = enqueue(clinic, dedupe_key="appt:1:confirmation")
    again = enqueue(clinic, dedupe_key="appt:1:confirmation")
    assert first.pk == again.pk and OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_failing_server_is_retried_with_backoff_and_nothing_is_lost(clinic, flaky):
    flaky.failures = 2
    message = enqueue(clinic)
    now = timezone.now()
    assert sender.send_due(now=now).retrying == 1
    message.refresh_from_db()
    assert message.status == Status.PENDING and message.attempts == 1
    assert "SMTP server unavailable" in message.last_error
    assert dt.timedelta(minutes=1) <= message.next_attempt_at - now <= dt.timedelta(minutes=1.2)
    assert sender.send_due(now=now).claimed == 0  # not due yet
    later = message.next_attempt_at + dt.timedelta(seconds=1)
    assert sender.send_due(now=later).retrying == 1
    message.refresh_from_db()
    assert dt.timedelta(minutes=2) <= message.next_attempt_at - later <= dt.timedelta(minutes=2.5)
    assert sender.send_due(now=message.next_attempt_at + dt.timedelta(seconds=1)).sent == 1
    assert len(flaky.sent) == 1
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 3


@pytest.mark.django_db
def test_after_max_attempts_the_message_fails_visibly(clinic, flaky):
    flaky.failures = 99
    message = enqueue(clinic, max_attempts=2)
    sender.send_due()
    sender.send_due(now=timezone.now() + dt.timedelta(hours=1))
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.secrets == {}


def test_backoff_doubles_and_is_capped():
    assert [sender.backoff(n, jitter=0).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert sender.backoff(30, jitter=0) == dt.timedelta(hours=6)


@pytest.mark.django_db
def test_a_sender_that_died_mid_send_loses_nothing(clinic):
    message = enqueue(clinic)
    # A sender claims the message and dies before sending (kill -9, restart).
    token, claimed = sender.claim(limit=10, now=timezone.now())
    assert [m.pk for m in claimed] == [message.pk]
    assert sender.send_due().claimed == 0  # its lease still holds: nobody sends it twice
    after_lease = timezone.now() + sender.LEASE + dt.timedelta(seconds=1)
    assert sender.send_due(now=after_lease).sent == 1
    (sent,) = mail.outbox
    assert sent.extra_headers["Message-ID"] == message.message_id  # same id on every attempt
    # The dead sender's late bookkeeping cannot overwrite the outcome.
    assert not sender._settle(claimed[0], token, status=Status.PENDING)
    message.refresh_from_db()
    assert message.status == Status.SENT


@pytest.mark.django_db
def test_expired_messages_are_not_sent(clinic):
    message = enqueue(clinic, expires_at=timezone.now() + dt.timedelta(minutes=5))
    assert sender.send_due(now=timezone.now() + dt.timedelta(minutes=10)).expired == 1
    message.refresh_from_db()
    assert message.status == Status.EXPIRED and not mail.outbox


@pytest.mark.django_db
def test_scheduled_messages_wait_and_cancelled_ones_never_go(clinic):
    later = timezone.now() + dt.timedelta(hours=24)
    reminder = enqueue(
        clinic, send_after=later, ref=("Appointment", 42), kind="appointment.reminder"
    )
    assert sender.send_due().claimed == 0
    with transaction.atomic():
        assert outbox.cancel_pending(clinic=clinic, ref=("Appointment", 42)) == 1
    assert sender.send_due(now=later + dt.timedelta(minutes=1)).claimed == 0
    reminder.refresh_from_db()
    assert reminder.status == Status.CANCELLED and reminder.secrets == {}


@pytest.mark.django_db
def test_sms_goes_through_the_provider_interface(clinic):
    LocmemSmsBackend.outbox.clear()
    with transaction.atomic():
        outbox.enqueue_sms(
            clinic=clinic,
            to="403-555-0100",
            kind="test.sms",
            body="Hi [[x]]",
            secrets={"x": "there"},
        )
    with override_settings(IMSCLINIC_SMS_BACKEND=""):
        report = sender.send_due()
    assert report.retrying == 1 and "No SMS provider" in report.errors[0]
    with override_settings(IMSCLINIC_SMS_BACKEND="imsclinic.notifications.sms.LocmemSmsBackend"):
        assert outbox.sms_available()
        assert sender.send_due(now=timezone.now() + dt.timedelta(minutes=5)).sent == 1
    (sms,) = LocmemSmsBackend.outbox
    assert sms.to == "403-555-0100" and sms.body == "Hi there"


@pytest.mark.django_db
def test_the_command_sends_and_reports(clinic):
    enqueue(clinic)
    out = io.StringIO()
    call_command("outbox", "status", stdout=out)
    assert "pending" in out.getvalue()
    call_command("outbox", "send", stdout=out)
    assert "sent 1" in out.getvalue()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_console_backend_shows_the_message(clinic, capsys):
    enqueue(clinic, subject="Your appointment")
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"):
        sender.send_all_due()
    assert "Subject: Your appointment" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_deliver_each_message_once(clinic):
    if connection.vendor == "sqlite":
        pytest.skip(
            "in-memory SQLite cannot share writers across threads; CI runs this on PostgreSQL"
        )
    for index in range(40):
        with transaction.atomic():
            outbox.enqueue_email(
                clinic=clinic, to=f"p{index}@example.org", kind="x", subject="s", body="b"
            )
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(timeout=10)
            sender.send_all_due(limit=5)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(f"p{i}@example.org" for i in range(40))  # each exactly once
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.django_db(transaction=True)
def test_make_runs_in_process_sender_delivers_right_after_the_commit(clinic):
    import time

    from imsclinic.notifications import worker

    with override_settings(IMSCLINIC_OUTBOX_IN_PROCESS=True):
        worker.start()
        try:
            with transaction.atomic():
                outbox.enqueue_email(
                    clinic=clinic, to="now@example.org", kind="x", subject="Hello", body="b"
                )
                time.sleep(0.5)
                assert not mail.outbox  # nothing leaves before the action commits
            deadline = time.monotonic() + 15
            while not mail.outbox and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            worker.stop()
    assert [m.to for m in mail.outbox] == [["now@example.org"]]
