"""The clinic admin's audit report, its CSV export, and a patient's access log."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from imsclinic.core.models import AuditEvent
from tests.factories import make_actor, make_clinic, make_patient, make_practitioner, make_user


@pytest.fixture
def admin(clinic):
    return make_user(clinic, "clinic.admin", "admin")


def test_report_filters_by_user_patient_action_and_date(client, admin, actor, practitioner):
    first, second = make_patient(actor), make_patient(actor)
    client.force_login(admin)
    client.get(f"/patients/{first.pk}/")  # the admin views the first chart
    page = client.get(f"/audit/?user={practitioner.username}&action=create&patient={second.pk}")
    assert page.status_code == 200
    rows = page.context["events"]
    assert rows and all(
        (e.username, e.action, e.patient_id) == (practitioner.username, "create", second.pk)
        for e in rows
    )
    today = timezone.localtime(rows[0].at).date().isoformat()  # the filter is in clinic time
    assert client.get(f"/audit/?from={today}&to={today}").context["events"]
    assert not client.get("/audit/?from=2001-01-01&to=2001-01-02").context["events"]
    bad = client.get("/audit/?from=yesterday")
    assert bad.status_code == 422 and b"YYYY-MM-DD" in bad.content


def test_report_shows_only_this_clinic(client, admin, actor):
    other = make_actor(make_practitioner(make_clinic("elsewhere"), "other.pt"))
    make_patient(other)
    make_patient(actor)
    client.force_login(admin)
    events = client.get("/audit/").context["events"]
    assert events and "other.pt" not in {e.username for e in events}


def test_csv_export_is_audited_and_safe_for_spreadsheets(client, admin, actor):
    make_patient(actor, family_name="Csv")
    client.force_login(admin)
    response = client.get("/audit/export.csv?action=create")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["seq", "at", "username", "role", "action"]
    assert all(row[4] == "create" for row in rows[1:]) and len(rows) > 1
    export = AuditEvent.objects.filter(action="export", object_type="AuditReport").get()
    assert export.username == admin.username and "rows" in export.detail


def test_csv_cells_cannot_start_formulas():
    from imsclinic.security.views import _csv_cell

    assert _csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _csv_cell("plain") == "plain"


def test_patient_access_log_lists_who_saw_the_record(client, admin, actor, patient):
    client.force_login(admin)
    client.get(f"/patients/{patient.pk}/")
    page = client.get(f"/patients/{patient.pk}/access/")
    assert page.status_code == 200
    who = {(e.username, e.action) for e in page.context["events"]}
    assert ("clinic.admin", "view") in who and ("pt.morgan", "create") in who
    assert b"Who has seen this record" in client.get(f"/patients/{patient.pk}/").content


def test_report_numbers_rows_by_this_clinics_chain(client, admin, actor):
    other = make_actor(make_practitioner(make_clinic("elsewhere"), "other.pt"))
    for _ in range(3):
        make_patient(other)
    make_patient(actor)
    client.force_login(admin)
    response = client.get("/audit/export.csv?action=create")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # Another clinic's activity leaves no gaps in this clinic's sequence numbers.
    seqs = sorted(int(row[0]) for row in rows[1:])
    own = AuditEvent.objects.filter(clinic=actor.clinic, action="create").order_by("seq")
    assert seqs == [e.seq for e in own]
    assert list(
        AuditEvent.objects.filter(clinic=actor.clinic).order_by("seq").values_list("seq", flat=True)
    ) == list(range(1, AuditEvent.objects.filter(clinic=actor.clinic).count() + 1))
