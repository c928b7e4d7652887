"""403, 404 and 500 are the clinic's own pages, with its navigation, whatever DEBUG says;
a refused form (CSRF) says why in words."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from imsclinic.config.urls import urlpatterns as clinic_urlpatterns
from tests.factories import (
    PASSWORD,
    make_actor,
    make_clinic,
    make_consented_patient,
    make_practitioner,
    make_user,
)


def _explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("synthetic failure for the 500 page test")


# The clinic's URLs plus one that fails, for the 500 page.
urlpatterns = [*clinic_urlpatterns, path("explode/", _explode)]
handler500 = "imsclinic.core.web.server_error"

NAV = 'aria-label="Main"'


def _styled(page: str) -> None:
    assert "/static/imsclinic/clinic.css" in page
    assert 'aria-label="Where to go from here"' in page


@pytest.fixture
def staff(client, practitioner):
    client.login(username=practitioner.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("debug", [False, True])
def test_another_clinics_record_is_a_styled_404_with_the_menu(staff, debug):
    other = make_consented_patient(make_actor(make_practitioner(make_clinic("elbow"), "pt.other")))
    with override_settings(DEBUG=debug):
        response = staff.get(f"/patients/{other.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    _styled(page)
    assert NAV in page and "Not found" in page


@override_settings(DEBUG=False)
def test_an_unknown_address_is_a_styled_404(staff, client):
    page = staff.get("/no/such/page/").content.decode()
    _styled(page)
    assert NAV in page and "There is no page at this address" in page
    client.logout()
    anonymous = client.get("/no/such/page/")
    assert anonymous.status_code == 404
    assert 'href="/login/"' in anonymous.content.decode()


@pytest.mark.parametrize("debug", [False, True])
def test_a_role_refusal_is_a_styled_403_with_the_menu(client, clinic, debug):
    client.force_login(make_user(clinic, "desk.kim", role="front_desk"))
    with override_settings(DEBUG=debug):
        response = client.get("/outcomes/")
    assert response.status_code == 403
    page = response.content.decode()
    _styled(page)
    assert NAV in page and "Not allowed for your role" in page
    assert "ask a clinic admin" in page


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_server_error_is_a_styled_500_with_the_menu(practitioner):
    client = Client(raise_request_exception=False)
    client.login(username=practitioner.username, password=PASSWORD)
    response = client.get("/explode/")
    assert response.status_code == 500
    page = response.content.decode()
    _styled(page)
    assert NAV in page and "Something went wrong on our side" in page
    assert "RuntimeError" not in page and "synthetic failure" not in page


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_the_500_page_still_answers_when_the_styled_one_cannot_be_drawn(practitioner, monkeypatch):
    import imsclinic.core.web as web

    def broken_render(*args: object, **kwargs: object) -> HttpResponse:
        raise RuntimeError("the template cannot be drawn either")

    monkeypatch.setattr(web, "render", broken_render)
    client = Client(raise_request_exception=False)
    response = client.get("/explode/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert 'href="/"' in response.content.decode()


def test_a_refused_form_says_why(practitioner, patient):
    client = Client(enforce_csrf_checks=True)
    client.login(username=practitioner.username, password=PASSWORD)
    response = client.post(f"/patients/{patient.pk}/consent/", {"text_version": "v1"})
    assert response.status_code == 403
    page = response.content.decode()
    _styled(page)
    assert "Form not accepted" in page and "reload the page" in page
