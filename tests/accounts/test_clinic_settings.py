"""Admin > Clinic: name, required two-step login and the logo printed on PDFs (checked
image, size-limited), each change audited; time zone and jurisdiction stay in the
calendar's and billing's settings (linked, not duplicated)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from imsclinic.accounts import actions
from imsclinic.core.models import AuditEvent, ClinicLogo
from tests.factories import make_user


@pytest.fixture
def admin_client(clinic):
    client = Client()
    client.force_login(make_user(clinic, "ad.rivera", "admin"))
    return client


def _png(width=120, height=40, fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 160)).save(buffer, format=fmt)
    return buffer.getvalue()


def test_admin_renames_the_clinic_and_requires_two_step_login(admin_client, clinic):
    page = admin_client.get("/clinic/settings/").content.decode()
    assert 'href="/calendar/setup/"' in page and 'href="/billing/settings/"' in page
    empty = admin_client.post("/clinic/settings/", {"op": "settings", "name": " "})
    assert empty.status_code == 422 and 'id="err-name"' in empty.content.decode()
    response = admin_client.post(
        "/clinic/settings/", {"op": "settings", "name": "Bow River IMS", "require_mfa": "1"}
    )
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.name == "Bow River IMS" and clinic.require_mfa
    changes = AuditEvent.objects.filter(action="change", object_type="Clinic")
    assert set(changes.values_list("detail", flat=True)) == {
        "settings: name",
        "two-step login required; 0 API tokens revoked",
    }
    # The admin without an authenticator is now sent to set one up first.
    assert admin_client.get("/clinic/settings/")["Location"] == "/account/mfa/"


def test_logo_upload_is_checked_and_prints_on_reports(admin_client, clinic):
    upload = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    response = admin_client.post("/clinic/settings/", {"op": "logo", "logo": upload})
    assert response.status_code == 302
    logo = ClinicLogo.objects.get(clinic=clinic)
    assert logo.content_type == "image/png" and bytes(logo.data).startswith(b"\x89PNG")
    page = admin_client.get("/clinic/settings/").content.decode()
    assert 'id="clinic-logo" src="data:image/png;base64,' in page
    from django.template import Context, Template

    rendered = Template("{% load accounts %}{% clinic_logo clinic %}").render(
        Context({"clinic": clinic})
    )
    assert rendered.startswith('<img class="clinic-logo" src="data:image/png;base64,')
    admin_client.post("/clinic/settings/", {"op": "logo_remove"})
    assert not ClinicLogo.objects.filter(clinic=clinic).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a not really", "not a PNG or JPEG image"),
        (b"\x89PNG" + b"0" * (actions.LOGO_MAX_BYTES + 10), "over 300 KB"),
        ("gif", "must be PNG or JPEG, not GIF"),
        ("huge", "use at most 2000 px"),
    ],
)
def test_bad_logos_are_refused_with_the_fix(admin_client, clinic, data, message):
    if data == "gif":
        data = _png(fmt="GIF")
    elif data == "huge":
        data = _png(width=2400, height=10)
    upload = SimpleUploadedFile("logo.bin", data, content_type="image/png")
    response = admin_client.post("/clinic/settings/", {"op": "logo", "logo": upload})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ClinicLogo.objects.filter(clinic=clinic).exists()


def test_only_admins_change_clinic_settings(client, clinic, practitioner):
    client.force_login(practitioner)
    assert client.get("/clinic/settings/").status_code == 403
    assert client.post("/clinic/settings/", {"op": "settings", "name": "X"}).status_code == 403
    clinic.refresh_from_db()
    assert clinic.name != "X"
