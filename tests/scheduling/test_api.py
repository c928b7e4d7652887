"""The scheduling routes of the JSON API, over the same actions as the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from imsclinic.scheduling.models import Appointment
from tests.factories import make_consented_patient
from tests.scheduling.builders import book, local

pytestmark = pytest.mark.django_db


def test_appointment_types_and_availability(api, practitioner, calendar, desk, patient, monday):
    types = api.get("/appointment-types").json()
    assert [t["name"] for t in types] == ["IMS assessment", "IMS treatment", "Follow-up"]
    assert types[0]["for_new_patients"] and not types[1]["for_new_patients"]
    book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    response = api.get(
        f"/practitioners/{practitioner.pk}/availability?start={monday}&end={monday}&appointment_type={calendar.treatment.pk}"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["time_zone"] == "America/Edmonton" and body["minutes"] == 30
    starts = [s["starts_at"] for s in body["slots"]]
    assert local(monday, "08:00").strftime("%Y-%m-%dT%H:%M:%SZ") in starts
    assert local(monday, "09:00").strftime("%Y-%m-%dT%H:%M:%SZ") not in starts
    assert local(monday, "09:30").strftime("%Y-%m-%dT%H:%M:%SZ") in starts
    bad = api.get(f"/practitioners/{practitioner.pk}/availability?start={monday}&end=2020-01-01")
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "end"


def test_book_201_then_409_naming_the_conflict(api, practitioner, calendar, patient, monday):
    body = {
        "patient_id": patient.pk,
        "practitioner_id": practitioner.pk,
        "appointment_type_id": calendar.treatment.pk,
        "starts_at": f"{monday}T09:00:00-07:00",
    }
    created = api.post("/appointments", body)
    assert created.status_code == 201, created.content
    first = created.json()
    assert (
        first["local_start"] == f"{monday} 09:00"
        and first["status"] == "booked"
        and first["source"] == "api"
    )
    other = make_consented_patient_for(patient)
    clash = api.post(
        "/appointments", {**body, "patient_id": other.pk, "starts_at": f"{monday}T09:15:00"}
    )
    assert clash.status_code == 409
    error = clash.json()
    assert error["code"] == "booking_conflict"
    assert error["conflicts"][0]["appointment_id"] == first["id"]
    assert error["conflicts"][0]["kind"] == "overlap"


def make_consented_patient_for(patient):
    from tests.factories import make_actor

    return make_consented_patient(make_actor(patient.created_by))


def test_list_cancel_move_and_status(api, practitioner, calendar, desk, patient, monday):
    appointment = book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    listed = api.get(
        f"/appointments?start={monday}&end={monday}&practitioner={practitioner.pk}"
    ).json()
    assert [a["id"] for a in listed] == [appointment.pk]
    moved = api.post(f"/appointments/{appointment.pk}/move", {"starts_at": f"{monday}T11:00:00"})
    assert moved.status_code == 200 and moved.json()["local_start"] == f"{monday} 11:00"
    early = api.post(f"/appointments/{appointment.pk}/status", {"status": "no_show"})
    assert early.status_code == 422 and "not started" in early.json()["message"]
    cancelled = api.post(
        f"/appointments/{appointment.pk}/cancel", {"reason": "illness", "note": "Flu"}
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert api.get(f"/appointments?start={monday}&end={monday}").json() == []
    assert (
        len(api.get(f"/appointments?start={monday}&end={monday}&include_cancelled=true").json())
        == 1
    )
    again = api.post(f"/appointments/{appointment.pk}/cancel", {"reason": "illness"})
    assert again.status_code == 422


def test_courses_all_or_none(api, practitioner, calendar, desk, patient, monday):
    other = make_consented_patient_for(patient)
    blocker = book(
        desk,
        other,
        practitioner,
        local(monday + dt.timedelta(weeks=3), "10:00"),
        calendar.treatment,
    )
    body = {
        "practitioner_id": practitioner.pk,
        "appointment_type_id": calendar.treatment.pk,
        "first_start": f"{monday}T10:00:00",
        "count": 8,
    }
    plan = api.post(f"/patients/{patient.pk}/courses", {**body, "dry_run": True})
    assert plan.status_code == 200
    occurrences = plan.json()["occurrences"]
    assert len(occurrences) == 8 and occurrences[3]["conflicts"][0]["appointment_id"] == blocker.pk
    assert occurrences[3]["suggestions"]
    refused = api.post(f"/patients/{patient.pk}/courses", body)
    assert refused.status_code == 409 and refused.json()["conflicts"][0]["index"] == 3
    assert not Appointment.objects.filter(patient=patient).exists()
    booked = api.post(
        f"/patients/{patient.pk}/courses", {**body, "first_start": f"{monday}T11:00:00"}
    )
    assert booked.status_code == 201, booked.content
    assert [a["local_start"][-5:] for a in booked.json()["appointments"]] == ["11:00"] * 8


def test_another_clinics_objects_are_404(api, other_clinic, monday):
    from tests.factories import make_actor, make_practitioner
    from tests.scheduling.builders import set_up_calendar

    stranger = make_practitioner(other_clinic, "far.api")
    far = set_up_calendar(other_clinic, [stranger])
    theirs = book(
        far.admin,
        make_consented_patient(make_actor(stranger)),
        stranger,
        local(monday, "09:00"),
        far.treatment,
    )
    assert api.get(f"/appointments/{theirs.pk}").status_code == 404
    assert api.post(f"/appointments/{theirs.pk}/cancel", {"reason": "illness"}).status_code == 404
    assert (
        api.get(
            f"/practitioners/{stranger.pk}/availability?start={monday}&end={monday}"
        ).status_code
        == 404
    )
