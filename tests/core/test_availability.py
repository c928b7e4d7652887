"""A database that cannot be reached (a failover in progress) answers 503 with Retry-After,
for the API in its JSON error shape; any other failure stays a 500."""

from __future__ import annotations

import pytest
from django.db import InternalError, OperationalError
from django.test import Client

from imsclinic.patients import selectors
from tests.factories import PASSWORD


@pytest.fixture
def api_client(client, practitioner):
    token = client.post(
        "/api/v1/auth/token",
        {"username": practitioner.username, "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")


class _ReadOnly(Exception):
    sqlstate = "25006"


def _fail_search_with(monkeypatch, exc):
    def fail(**kwargs):
        raise exc

    monkeypatch.setattr(selectors, "patient_search", fail)


@pytest.mark.parametrize(
    "make",
    [
        lambda: OperationalError("connection to server at 127.0.0.1 failed"),
        # The server we were connected to was demoted to a standby.
        lambda: InternalError("cannot execute INSERT in a read-only transaction"),
    ],
)
def test_api_answers_503_with_retry_after(api_client, monkeypatch, make):
    exc = make()
    if isinstance(exc, InternalError):
        exc.__cause__ = _ReadOnly()
    _fail_search_with(monkeypatch, exc)
    response = api_client.get("/api/v1/patients?q=a")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json()["code"] == "unavailable"


def test_pages_answer_503_too(client, practitioner, monkeypatch):
    client.force_login(practitioner)
    client.raise_request_exception = False
    _fail_search_with(monkeypatch, OperationalError("server closed the connection"))
    response = client.get("/patients/?q=a")
    assert response.status_code == 503 and response["Retry-After"] == "2"


def test_other_failures_stay_500(api_client, monkeypatch):
    _fail_search_with(monkeypatch, ValueError("a bug"))
    response = api_client.get("/api/v1/patients?q=a")
    assert response.status_code == 500
    assert "Retry-After" not in response
