"""PDF reports: text checked by extraction (pypdf); pages rendered to PNG for a look when
poppler's pdftoppm is installed (artifacts/reports/, git-ignored)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from imsclinic.charting.actions import episode_close
from imsclinic.core.models import AuditEvent
from tests.factories import today
from tests.outcomes.builders import course, odi, respond

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "reports"


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _render_png(pdf: bytes, name: str) -> None:
    if shutil.which("pdftoppm") is None:
        return  # the content checks above do not need it
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", str(path), str(ARTIFACTS / name)],
        check=True,
        timeout=60,
    )
    assert list(ARTIFACTS.glob(f"{name}-*.png"))


@pytest.fixture
def treated(actor, practitioner, patient, episode):
    practitioner.registration_number = "PT-04417"
    practitioner.profession = "Physiotherapist"
    practitioner.save(update_fields=["registration_number", "profession"])
    course(
        actor,
        patient,
        episode,
        [(8, 5), (7, 4), (5, 3), (4, 2)],
        adverse={1: [{"kind": "bruising", "severity": "mild", "description": "Small bruise"}]},
    )
    respond(actor, episode, "odi", odi(20), days_ago=6, sessions=0)
    respond(actor, episode, "odi", odi(14), days_ago=0, sessions=4)
    return episode


def test_progress_report_for_the_physician(client, practitioner, patient, treated):
    client.force_login(practitioner)
    response = client.get(f"/episodes/{treated.pk}/report.pdf?kind=progress&audience=physician")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = _text(pdf)
    for expected in (
        "Progress report",
        patient.family_name,
        patient.health_number,
        "Test Pt.Morgan",
        "PT-04417",
        "Physiotherapist",
        "Lumbar",  # treated paraspinal site and its level
        "L5",
        "Gluteus medius",
        "Oswestry Disability Index",
        "40",  # ODI baseline
        "28",  # ODI latest
        "Reached",
        "Bruising",
    ):
        assert expected in text, expected
    assert "Page 1 of" in text
    event = AuditEvent.objects.filter(action="print").get()
    assert event.patient_id == patient.pk and "progress report for physician" in event.detail
    _render_png(pdf, "progress-physician")


def test_discharge_summary_for_the_patient(client, practitioner, actor, patient, treated):
    client.force_login(practitioner)
    refused = client.get(f"/episodes/{treated.pk}/report.pdf?kind=discharge&audience=patient")
    assert refused.status_code == 422
    assert "discharge" in refused.content.decode()
    episode_close(actor=actor, episode=treated, closed_on=today())
    response = client.get(f"/episodes/{treated.pk}/report.pdf?kind=discharge&audience=patient")
    assert response.status_code == 200
    text = _text(response.content)
    assert "Discharge summary" in text and "Status at discharge" in text
    assert "smallest change patients notice" in text
    assert patient.health_number not in text  # the patient's copy leaves the number out
    _render_png(response.content, "discharge-patient")


def test_insurer_report_has_no_cpt_codes_in_canada(client, practitioner, treated):
    client.force_login(practitioner)
    response = client.get(f"/episodes/{treated.pk}/report.pdf?kind=progress&audience=insurer")
    text = _text(response.content)
    assert "for the insurer" in text
    assert "CPT" not in text and "2056" not in text


def test_insurer_report_codes_cpt_in_a_us_clinic(client, clinic, practitioner, treated):
    from imsclinic.billing.actions import settings_update
    from imsclinic.billing.schemas import BillingSettingsIn
    from tests.factories import make_actor, make_user

    admin = make_actor(make_user(clinic, "admin.us", role="admin"))
    settings_update(actor=admin, data=BillingSettingsIn(jurisdiction="US-WA"))
    client.force_login(practitioner)
    response = client.get(f"/episodes/{treated.pk}/report.pdf?kind=progress&audience=insurer")
    text = _text(response.content)
    # The course charts two muscles per session (builders.course): 20560, never 20561
    assert "CPT" in text and "20560" in text


def test_unknown_report_kind_is_422(client, practitioner, treated):
    client.force_login(practitioner)
    assert client.get(f"/episodes/{treated.pk}/report.pdf?kind=memo").status_code == 422
    assert not AuditEvent.objects.filter(action="print").exists()


def test_front_desk_cannot_print_clinical_reports(client, treated, clinic):
    from tests.factories import make_user

    client.force_login(make_user(clinic, "desk.sam", role="front_desk"))
    assert client.get(f"/episodes/{treated.pk}/report.pdf").status_code == 403
