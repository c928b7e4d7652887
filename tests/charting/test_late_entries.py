"""A session charted after its date is a late entry, and says so on the note, the chart,
the API and the PDF (documentation standards: charting/models.days_late). Late charting
stays allowed: a practitioner authorized on the session date may chart it later."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from imsclinic.reports.pdf import episode_report
from tests.factories import api_token, make_practitioner, make_session, today


def test_a_session_charted_days_later_is_marked_late_everywhere(
    client, clinic, actor, practitioner, patient, episode
):
    session = make_session(actor, patient, episode, session_date=today() - dt.timedelta(days=3))
    client.force_login(practitioner)
    note = client.get(f"/sessions/{session.pk}/").content.decode()
    assert f"Late entry: charted {today():%Y-%m-%d}, 3 days after the session" in note
    assert "late entry (+3 d)" in client.get(f"/patients/{patient.pk}/").content.decode()
    token = api_token(type(client)(), practitioner.username)
    body = client.get(f"/api/v1/sessions/{session.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert body.json()["late_entry_days"] == 3
    pdf = episode_report(actor=actor, episode_id=episode.pk, kind="progress", audience="physician")
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.pdf)).pages).split()
    )
    assert f"late entry: charted {today():%Y-%m-%d} (+3 d)" in text


def test_a_session_charted_the_same_day_is_not_late(client, actor, practitioner, patient, episode):
    session = make_session(actor, patient, episode)
    client.force_login(practitioner)
    assert b"Late entry" not in client.get(f"/sessions/{session.pk}/").content
    assert session.days_late == 0


def test_a_lapsed_practitioner_may_chart_a_past_session_as_a_late_entry(
    client, clinic, patient, episode
):
    # Authorized on the session date (5 days ago) but not today
    lapsed = make_practitioner(clinic, "pt.lapsed", authorized_until=today() - dt.timedelta(days=2))
    from tests.factories import make_actor

    session = make_session(
        make_actor(lapsed), patient, episode, session_date=today() - dt.timedelta(days=5)
    )
    assert session.days_late == 5
    client.force_login(lapsed)
    assert b"5 days after the session" in client.get(f"/sessions/{session.pk}/").content
