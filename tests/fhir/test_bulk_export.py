"""Bulk Data export: kick-off, status, download and delete per the spec; _type, _since,
group level; files written streaming (constant memory) and readable by any NDJSON reader."""

from __future__ import annotations

import datetime as dt
import json
import tracemalloc

import pytest
from django.utils import timezone

from imsclinic.core.models import AuditEvent
from imsclinic.fhir import bulk
from imsclinic.fhir.models import ExportJob
from imsclinic.fhir.registry import resource_types
from imsclinic.fhir.translators.common import Context
from tests.factories import make_actor, make_practitioner
from tests.fhir.conftest import build_course, valid


@pytest.fixture(autouse=True)
def inline_exports(settings, tmp_path):
    settings.IMSCLINIC_FHIR_EXPORT_RUNNER = "inline"
    settings.IMSCLINIC_FHIR_EXPORT_DIR = str(tmp_path / "exports")


def kickoff(fhir, path="$export", **params):
    response = fhir.get(
        path, params, HTTP_PREFER="respond-async", HTTP_ACCEPT="application/fhir+json"
    )
    assert response.status_code == 202, response.content
    status_url = response["Content-Location"]
    assert status_url.startswith("http://testserver/fhir/R4/bulk/")
    return status_url.split("/fhir/R4/", 1)[1]


def manifest(fhir, status_path):
    response = fhir.get(status_path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    assert "Expires" in response
    return response.json()


def download(fhir, url):
    response = fhir.get(url.split("/fhir/R4/", 1)[1])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    text = b"".join(response.streaming_content).decode()
    return [json.loads(line) for line in text.splitlines()]


def test_system_export_round(fhir_admin, course, admin):
    status = kickoff(fhir_admin)
    body = manifest(fhir_admin, status)
    assert body["requiresAccessToken"] is True
    assert body["request"].endswith("/fhir/R4/$export")
    assert body["error"] == []
    by_type = {output["type"]: output for output in body["output"]}
    assert {
        "Patient",
        "Procedure",
        "Observation",
        "AuditEvent",
        "Practitioner",
        "Organization",
    } <= set(by_type)
    assert "Group" not in by_type
    for output in body["output"]:
        resources = download(fhir_admin, output["url"])
        assert len(resources) == output["count"]
        for resource in resources:
            assert resource["resourceType"] == output["type"]
            valid(resource)
    assert AuditEvent.objects.filter(action="export", username=admin.username).count() >= 1 + len(
        body["output"]
    )
    # DELETE removes the files; the status URL is then gone
    assert fhir_admin.delete(status).status_code == 202
    assert fhir_admin.get(status).status_code == 404
    assert fhir_admin.get(body["output"][0]["url"].split("/fhir/R4/", 1)[1]).status_code == 404


def test_type_and_since(fhir_admin, course, actor):
    status = kickoff(fhir_admin, _type="Patient,Condition")
    assert {o["type"] for o in manifest(fhir_admin, status)["output"]} == {"Patient", "Condition"}
    mark = timezone.now()
    newer = build_course(actor, family_name="Newer")
    status = kickoff(fhir_admin, _type="Patient", _since=mark.isoformat())
    (output,) = manifest(fhir_admin, status)["output"]
    assert [r["id"] for r in download(fhir_admin, output["url"])] == [str(newer.patient.pk)]
    status = kickoff(
        fhir_admin, _type="Patient", _since=(timezone.now() + dt.timedelta(hours=1)).isoformat()
    )
    assert manifest(fhir_admin, status)["output"] == []


def test_group_export_holds_only_the_members(fhir_admin, course, clinic):
    other_pt = make_practitioner(clinic, "pt.other")
    theirs = build_course(make_actor(other_pt), family_name="Theirs")
    status = kickoff(
        fhir_admin, f"Group/practitioner-{other_pt.pk}/$export", _type="Patient,Procedure"
    )
    outputs = {
        o["type"]: download(fhir_admin, o["url"]) for o in manifest(fhir_admin, status)["output"]
    }
    assert [r["id"] for r in outputs["Patient"]] == [str(theirs.patient.pk)]
    assert {r["subject"]["reference"] for r in outputs["Procedure"]} == {
        f"Patient/{theirs.patient.pk}"
    }
    group = valid(fhir_admin.json(f"Group/practitioner-{other_pt.pk}"))
    assert group["quantity"] == 1
    status = kickoff(fhir_admin, "Patient/$export", _type="Patient")
    assert manifest(fhir_admin, status)["output"][0]["count"] == 2


@pytest.mark.parametrize(
    ("params", "headers", "word"),
    [
        ({}, {}, "respond-async"),
        ({"_outputFormat": "text/csv"}, {"HTTP_PREFER": "respond-async"}, "_outputFormat"),
        ({"_type": "Widget"}, {"HTTP_PREFER": "respond-async"}, "_type"),
        ({"_type": "Group"}, {"HTTP_PREFER": "respond-async"}, "_type"),
        ({"_since": "yesterday"}, {"HTTP_PREFER": "respond-async"}, "_since"),
        ({"_since": "2026-01-01T00:00:00"}, {"HTTP_PREFER": "respond-async"}, "time zone"),
        ({"_typeFilter": "Patient?name=x"}, {"HTTP_PREFER": "respond-async"}, "_typeFilter"),
    ],
)
def test_kickoff_errors(fhir_admin, params, headers, word):
    response = fhir_admin.get("$export", params, **headers)
    assert response.status_code == 400
    assert word in response.json()["issue"][0]["diagnostics"]
    assert not ExportJob.objects.exists()


def test_status_while_running_and_after_failure(fhir_admin, settings, admin, monkeypatch):
    settings.IMSCLINIC_FHIR_EXPORT_RUNNER = "thread"
    started = []
    monkeypatch.setattr(bulk, "start", lambda job: started.append(job))
    status = kickoff(fhir_admin)
    running = fhir_admin.get(status)
    assert running.status_code == 202
    assert running["X-Progress"] == "queued"
    assert running["Retry-After"]
    ExportJob.objects.update(updated_at=timezone.now() - dt.timedelta(hours=1))
    failed = fhir_admin.get(status)
    assert failed.status_code == 500
    assert "Start a new export" in failed.json()["issue"][0]["diagnostics"]


def test_another_users_export_is_invisible(fhir_admin, clinic, course):
    from tests.factories import make_user
    from tests.fhir.conftest import fhir_as

    status = kickoff(fhir_admin)
    other_admin = fhir_as(make_user(clinic, "admin.two", "admin"))
    assert other_admin.get(status).status_code == 404


def test_expired_export_is_deleted(fhir_admin, course):
    status = kickoff(fhir_admin, _type="Patient")
    job = ExportJob.objects.get()
    assert bulk.job_dir(job).exists()
    ExportJob.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert fhir_admin.get(status).status_code == 404
    assert not bulk.job_dir(job).exists()


def test_streaming_memory_does_not_grow_with_the_clinic(actor, clinic):
    """Peak memory of writing Procedures stays flat as the number of sessions grows x3."""
    for n in range(3):
        build_course(actor, family_name=f"Mem{n}")
    source = resource_types()["Procedure"].sources[0]
    ctx = Context.for_clinic(clinic.pk)

    def peak(limit: int) -> int:
        ids = list(source.rows(clinic.pk).order_by("pk").values_list("pk", flat=True)[:limit])
        tracemalloc.start()
        for resources in bulk.stream(
            source, source.rows(clinic.pk).filter(pk__in=ids), ctx, chunk=2
        ):
            for resource in resources:
                json.dumps(resource)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(3), peak(9)
    assert large < small * 1.5, (small, large)
