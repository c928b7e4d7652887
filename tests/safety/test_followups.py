"""Significant and serious adverse events create follow-ups; a follow-up is completed as a
signed, immutable addendum to the session; a serious event notifies the admins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from imsclinic.charting import actions as charting
from imsclinic.charting.integrity import check_note
from imsclinic.charting.models import TreatmentSession
from imsclinic.core.errors import (
    PermissionDenied,
    RuleViolation,
    SignedNoteConflict,
    ValidationProblem,
)
from imsclinic.core.models import AuditEvent
from imsclinic.safety import actions, selectors
from imsclinic.safety.integrity import followup_intact
from imsclinic.safety.models import AdminNotification, FollowUp
from imsclinic.safety.schemas import FollowUpDoneIn
from tests.factories import make_actor, make_practitioner, make_session, session_data, today
from tests.safety.builders import SERIOUS_EVENT, SIGNIFICANT_EVENT, serious_session


def done(**overrides) -> FollowUpDoneIn:
    values = {
        "contact_made": True,
        "contact_method": "phone",
        "contacted_on": today(),
        "outcome": "Breathing normal; chest X-ray clear at the emergency department.",
        "referral": "emergency",
    }
    values.update(overrides)
    return FollowUpDoneIn(**values)


def test_serious_event_creates_a_task_due_the_next_day_and_notifies_admins(actor, patient, episode):
    session = serious_session(actor, patient, episode, days_ago=1)
    (followup,) = FollowUp.objects.filter(session=session)
    assert followup.due_on == session.session_date + dt.timedelta(days=1) == today()
    assert (followup.status, followup.severity, followup.assigned_to_id) == (
        "open",
        "serious",
        actor.user.pk,
    )
    assert "Pneumothorax (suspected) (serious)" in followup.reason
    (notice,) = AdminNotification.objects.filter(session=session)
    assert notice.kind == "serious_adverse_event" and notice.read_at is None
    assert AuditEvent.objects.filter(object_type="AdminNotification", object_id=notice.pk).exists()
    assert selectors.followups_open(actor=actor) == [followup]


def test_significant_event_creates_a_task_without_notifying(actor, patient, episode):
    make_session(actor, patient, episode, adverse_events=[SIGNIFICANT_EVENT])
    assert FollowUp.objects.get().severity == "significant"
    assert not AdminNotification.objects.exists()


def test_mild_event_or_none_creates_nothing(actor, patient, episode):
    make_session(
        actor,
        patient,
        episode,
        adverse_events=[{"kind": "bruising", "severity": "mild"}],
    )
    make_session(actor, patient, episode)
    assert not FollowUp.objects.exists()


def test_draft_edits_keep_the_task_in_step(actor, patient, episode):
    session = make_session(actor, patient, episode, adverse_events=[SIGNIFICANT_EVENT])
    followup = FollowUp.objects.get()
    charting.session_update(
        actor=actor, session=session, data=session_data(episode, adverse_events=[SERIOUS_EVENT])
    )
    followup.refresh_from_db()
    assert followup.severity == "serious" and followup.status == "open"
    assert AdminNotification.objects.count() == 1
    charting.session_update(actor=actor, session=session, data=session_data(episode))
    followup.refresh_from_db()
    assert followup.status == "withdrawn" and "removed from the draft" in followup.withdrawn_reason
    assert selectors.followups_open(actor=actor) == []


def test_completing_signs_an_immutable_addendum_and_leaves_the_session_as_signed(
    actor, patient, episode
):
    session = serious_session(actor, patient, episode)
    signed_hash = session.content_hash
    followup = FollowUp.objects.get()
    result = actions.followup_complete(actor=actor, followup=followup, data=done())
    assert result.status == "done" and result.signed_by_id == actor.user.pk
    assert followup_intact(result)
    assert selectors.followups_open(actor=actor) == []
    stored = TreatmentSession.objects.get(pk=session.pk)
    check_note(stored)
    assert stored.content_hash == signed_hash and stored.integrity.state == "intact"
    assert AuditEvent.objects.filter(action="sign", object_type="FollowUp").exists()
    with pytest.raises(SignedNoteConflict):
        actions.followup_complete(actor=actor, followup=followup, data=done())
    # The database refuses to change a signed addendum, whatever the code path.
    with (
        pytest.raises(DatabaseError, match="read-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE safety_followup SET outcome = 'rewritten' WHERE id = %s", [followup.pk]
        )
    result.refresh_from_db()
    assert followup_intact(result)


def test_not_reached_needs_the_next_attempt_which_becomes_a_new_task(actor, patient, episode):
    serious_session(actor, patient, episode)
    followup = FollowUp.objects.get()
    with pytest.raises(ValidationProblem) as caught:
        actions.followup_complete(
            actor=actor,
            followup=followup,
            data=done(contact_made=False, contact_method="", outcome="No answer"),
        )
    assert [p.field for p in caught.value.problems] == ["next_due_on"]
    actions.followup_complete(
        actor=actor,
        followup=followup,
        data=done(
            contact_made=False,
            contact_method="",
            outcome="No answer; message left",
            referral="none",
            next_due_on=today() + dt.timedelta(days=1),
        ),
    )
    again = FollowUp.objects.get(status="open")
    assert again.due_on == today() + dt.timedelta(days=1)
    assert again.session_id == followup.session_id and "No answer" in again.reason


def test_the_session_must_be_signed_before_its_follow_up(actor, patient, episode):
    serious_session(actor, patient, episode, sign=False)
    with pytest.raises(RuleViolation, match="Sign the session note first"):
        actions.followup_complete(actor=actor, followup=FollowUp.objects.get(), data=done())


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"outcome": "  "}, ["outcome"]),
        ({"referral": "hospital"}, ["referral"]),
        ({"referral": "other"}, ["referral_detail"]),
        ({"contact_method": ""}, ["contact_method"]),
        ({"contacted_on": today() + dt.timedelta(days=1)}, ["contacted_on"]),
        ({"contacted_on": today() - dt.timedelta(days=30)}, ["contacted_on"]),
    ],
)
def test_follow_up_problems_name_the_field(actor, patient, episode, overrides, fields):
    serious_session(actor, patient, episode)
    with pytest.raises(ValidationProblem) as caught:
        actions.followup_complete(
            actor=actor, followup=FollowUp.objects.get(), data=done(**overrides)
        )
    assert [p.field for p in caught.value.problems] == fields


def test_only_the_assigned_practitioner_or_an_admin_completes(
    clinic, actor, admin_actor, patient, episode
):
    serious_session(actor, patient, episode)
    followup = FollowUp.objects.get()
    colleague = make_actor(make_practitioner(clinic, "pt.colleague"))
    with pytest.raises(PermissionDenied):
        actions.followup_complete(actor=colleague, followup=followup, data=done())
    assert selectors.followups_open(actor=colleague) == []
    assert selectors.followups_open(actor=admin_actor) == [followup]
    actions.followup_complete(actor=admin_actor, followup=followup, data=done())


def test_follow_up_page_completes_and_session_page_shows_the_addendum(
    client, practitioner, actor, patient, episode
):
    session = serious_session(actor, patient, episode)
    followup = FollowUp.objects.get()
    client.force_login(practitioner)
    today_page = client.get("/").content.decode()
    assert f"/safety/follow-ups/{followup.pk}/" in today_page and "due today" in today_page
    bad = client.post(
        f"/safety/follow-ups/{followup.pk}/",
        {"contact_made": "yes", "contacted_on": today().isoformat()},
    )
    assert bad.status_code == 422
    assert "Record the outcome" in bad.content.decode()
    response = client.post(
        f"/safety/follow-ups/{followup.pk}/",
        {
            "contact_made": "yes",
            "contact_method": "phone",
            "contacted_on": today().isoformat(),
            "outcome": "Feeling well.",
            "referral": "none",
        },
    )
    assert response.status_code == 302
    assert FollowUp.objects.get().status == "done"
    assert f"/safety/follow-ups/{followup.pk}/" not in client.get("/").content.decode()
    detail = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "Adverse-event follow-up" in detail and "Feeling well." in detail
