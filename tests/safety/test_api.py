"""The safety API: the recall by lot, follow-ups and incident reports, read by role."""

from __future__ import annotations

import pytest

from imsclinic.safety import actions
from imsclinic.safety.models import FollowUp
from tests.factories import api_token, make_user
from tests.safety.builders import lot_session, serious_session


@pytest.fixture
def admin_api(client, admin):
    token = api_token(client, admin.username)

    def get(path: str, **params):
        return client.get(f"/api/v1{path}", params, HTTP_AUTHORIZATION=f"Bearer {token}")

    return get


def test_recall_by_lot_in_the_path(admin_api, actor, patient, episode):
    lot_session(actor, patient, episode, ["LOT/2026/11"])
    lot_session(actor, patient, episode, ["lot 2026-11", "LOT-2026-11"], days_ago=3)
    response = admin_api("/needle-lots/LOT/2026/11/sessions")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["sessions"], body["patients"], body["exact"], body["normalized"]) == (2, 1, 1, 2)
    assert [r["match"] for r in body["results"]] == ["normalized", "exact"]
    assert body["results"][0]["sites"][0]["muscle"] == "Gluteus medius"
    paged = admin_api("/needle-lots/lot%202026-11/sessions", limit=1, offset=1).json()
    assert paged["sessions"] == 2 and len(paged["results"]) == 1
    assert "'lot 2026-11'" in paged["message"]


def test_recall_api_answers_bad_input_with_the_one_error_shape(admin_api):
    unknown = admin_api("/needle-lots/NOPE-1/sessions")
    assert unknown.status_code == 200 and unknown.json()["sessions"] == 0
    assert "No session was charted with lot 'NOPE-1'" in unknown.json()["message"]
    for path, params, field in [
        ("/needle-lots/%20/sessions", {}, "lot"),
        ("/needle-lots/" + "9" * 41 + "/sessions", {}, "lot"),
        (
            "/needle-lots/A1/sessions",
            {"date_from": "2026-05-02", "date_to": "2026-05-01"},
            "date_to",
        ),
        ("/needle-lots/A1/sessions", {"date_from": "soon"}, "date_from"),
        ("/needle-lots/A1/sessions", {"limit": 0}, "limit"),
    ]:
        response = admin_api(path, **params)
        assert response.status_code == 422, (path, response.content)
        assert response.json()["code"] == "invalid"
        assert response.json()["fields"][0]["field"] == field


def test_follow_ups_and_reports_are_read_by_role(
    client, clinic, actor, admin, admin_actor, patient, episode, api
):
    session = serious_session(actor, patient, episode)
    followup = FollowUp.objects.get()
    report = actions.incident_start(actor=admin_actor, session=session)
    mine = api.get("/follow-ups").json()
    assert [f["id"] for f in mine] == [followup.pk] and mine[0]["severity"] == "serious"
    assert api.get(f"/follow-ups/{followup.pk}").json()["status"] == "open"
    assert api.get("/follow-ups?status=sideways").status_code == 422
    assert [r["id"] for r in api.get("/incident-reports").json()] == [report.pk]
    assert api.get(f"/incident-reports/{report.pk}").json()["signed_at"] is None
    desk = api_token(client, make_user(clinic, "desk", "front_desk").username)
    for path in ("/follow-ups", f"/incident-reports/{report.pk}", "/needle-lots/A1/sessions"):
        assert client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {desk}").status_code == 403
    assert api.get("/needle-lots/A1/sessions").status_code == 403
